import type { PrismaClient, SubscriptionStatus } from '@prisma/client';
import type Stripe from 'stripe';

// Stripe's statuses map one to one onto ours, except incomplete* (never stored).
const STATUS_FROM_STRIPE: Partial<Record<Stripe.Subscription.Status, SubscriptionStatus>> = {
  trialing: 'TRIALING',
  active: 'ACTIVE',
  past_due: 'PAST_DUE',
  unpaid: 'UNPAID',
  canceled: 'CANCELED',
};

export async function onSubscriptionUpdated(prisma: PrismaClient, sub: Stripe.Subscription): Promise<void> {
  const status = STATUS_FROM_STRIPE[sub.status];
  if (!status) {
    return;
  }
  await prisma.subscription.update({
    where: { stripeSubscriptionId: sub.id },
    data: {
      status,
      currentPeriodEnd: new Date(sub.current_period_end * 1000),
      trialEndsAt: sub.trial_end ? new Date(sub.trial_end * 1000) : null,
    },
  });
}
