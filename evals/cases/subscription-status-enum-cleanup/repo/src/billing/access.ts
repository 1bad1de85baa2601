import type { Subscription } from '@prisma/client';

/** Whether the workspace may use paid features right now. */
export function hasPaidAccess(sub: Subscription, now = new Date()): boolean {
  switch (sub.status) {
    case 'TRIALING':
      return sub.trialEndsAt !== null && sub.trialEndsAt > now;
    case 'ACTIVE':
    case 'PAST_DUE': // Stripe is still retrying the card; keep access meanwhile.
      return true;
    default:
      return false;
  }
}
