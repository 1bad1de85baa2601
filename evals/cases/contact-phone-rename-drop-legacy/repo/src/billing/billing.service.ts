import type { Account, PrismaClient } from '@prisma/client';

const PRICE_PER_SEAT_CENTS: Record<string, number> = {
  starter: 900,
  growth: 1900,
  scale: 3900,
};

// Grandfathered plans keep their old price until the customer changes plan.
const LEGACY_PRICE_PER_SEAT_CENTS: Record<string, number> = {
  basic_2019: 500,
  pro_2019: 1200,
};

export class BillingService {
  constructor(private readonly prisma: PrismaClient) {}

  monthlyPriceCents(account: Account): number {
    if (account.legacyPlan && account.legacyPlan in LEGACY_PRICE_PER_SEAT_CENTS) {
      return LEGACY_PRICE_PER_SEAT_CENTS[account.legacyPlan] * account.seats;
    }
    return (PRICE_PER_SEAT_CENTS[account.plan] ?? PRICE_PER_SEAT_CENTS.starter) * account.seats;
  }

  async upcomingInvoiceCents(accountId: string): Promise<number> {
    const account = await this.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    return this.monthlyPriceCents(account);
  }
}
