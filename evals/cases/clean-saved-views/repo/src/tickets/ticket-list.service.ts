import type { Prisma, PrismaClient, Ticket } from '@prisma/client';

export interface TicketFilter {
  status?: string;
  assigneeId?: string | null;
  minPriority?: number;
}

const PAGE_SIZE = 50;

export class TicketListService {
  constructor(private readonly prisma: PrismaClient) {}

  whereFor(teamId: string, filter: TicketFilter): Prisma.TicketWhereInput {
    return {
      teamId,
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.assigneeId !== undefined ? { assigneeId: filter.assigneeId } : {}),
      ...(filter.minPriority ? { priority: { gte: filter.minPriority } } : {}),
    };
  }

  async list(teamId: string, filter: TicketFilter, cursor?: string): Promise<Ticket[]> {
    return this.prisma.ticket.findMany({
      where: this.whereFor(teamId, filter),
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: PAGE_SIZE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
  }
}
