import { Prisma, type Booking, type PrismaClient } from '@prisma/client';

import { ConflictError, NotFoundError } from '../lib/errors';
import type { CatalogService } from './catalog.service';

export interface CreateBookingInput {
  packageSlug: string;
  addOnIds: string[];
  eventDate: Date;
  customer: { email: string; name?: string; phone?: string };
  notes?: string;
}

// Checkout must answer fast or the customer retries; a lock wait longer than
// this means another checkout holds the date and this one should give up.
const BOOKING_TRANSACTION_TIMEOUT_MS = 5000;
const BOOKING_MAX_WAIT_MS = 2000;
const MAX_PAGE_SIZE = 100;

/** FNV-1a: stable 32-bit lock id for (tenant, date) so concurrent checkouts serialise. */
function lockIdFor(tenantId: string, eventDate: Date): number {
  const key = `${tenantId}:${eventDate.toISOString().slice(0, 10)}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export class BookingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalogService: CatalogService,
  ) {}

  async createBooking(tenantId: string, input: CreateBookingInput): Promise<Booking> {
    const pkg = await this.catalogService.getPackageBySlug(tenantId, input.packageSlug);
    const allowed = new Map(pkg.addOns.map(({ addOn }) => [addOn.id, addOn]));
    const addOns = input.addOnIds.map((id) => {
      const addOn = allowed.get(id);
      if (!addOn) {
        throw new NotFoundError(`Add-on ${id} is not offered with ${pkg.slug}`);
      }
      return addOn;
    });
    const totalPrice = pkg.basePrice + addOns.reduce((sum, addOn) => sum + addOn.price, 0);

    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockIdFor(tenantId, input.eventDate)})`;

        const clash = await tx.booking.findFirst({
          where: {
            tenantId,
            eventDate: input.eventDate,
            status: { in: ['PENDING', 'CONFIRMED'] },
          },
          select: { id: true },
        });
        if (clash) {
          throw new ConflictError('That date is already booked');
        }

        const customer = await tx.customer.upsert({
          where: { tenantId_email: { tenantId, email: input.customer.email } },
          update: { name: input.customer.name, phone: input.customer.phone },
          create: { tenantId, ...input.customer },
        });

        const booking = await tx.booking.create({
          data: {
            tenantId,
            customerId: customer.id,
            packageId: pkg.id,
            eventDate: input.eventDate,
            totalPrice,
            notes: input.notes,
          },
        });
        await tx.bookingEvent.create({
          data: { tenantId, bookingId: booking.id, type: 'CREATED' },
        });
        return booking;
      },
      {
        timeout: BOOKING_TRANSACTION_TIMEOUT_MS,
        maxWait: BOOKING_MAX_WAIT_MS,
        isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      },
    );
  }

  async listBookings(
    tenantId: string,
    options: { from: Date; to: Date; cursor?: string; pageSize?: number },
  ): Promise<Booking[]> {
    return this.prisma.booking.findMany({
      where: { tenantId, eventDate: { gte: options.from, lt: options.to } },
      orderBy: [{ eventDate: 'asc' }, { id: 'asc' }],
      take: Math.min(options.pageSize ?? 50, MAX_PAGE_SIZE),
      ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
    });
  }

  async getBookingTimeline(tenantId: string, bookingId: string) {
    return this.prisma.bookingEvent.findMany({
      where: { tenantId, bookingId },
      orderBy: { createdAt: 'asc' },
      take: 200,
    });
  }

  async recordPayment(tenantId: string, stripeSessionId: string, succeeded: boolean): Promise<void> {
    const booking = await this.prisma.booking.findFirst({
      where: { tenantId, stripeSessionId },
      select: { id: true },
    });
    if (!booking) {
      throw new NotFoundError('No booking for that checkout session');
    }
    await this.prisma.$transaction([
      this.prisma.booking.update({
        where: { id: booking.id },
        data: { status: succeeded ? 'CONFIRMED' : 'PENDING' },
      }),
      this.prisma.bookingEvent.create({
        data: {
          tenantId,
          bookingId: booking.id,
          type: succeeded ? 'PAYMENT_SUCCEEDED' : 'PAYMENT_FAILED',
        },
      }),
    ]);
  }
}
