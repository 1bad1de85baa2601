import { Prisma } from '@prisma/client';

export const PLATFORM_FEE_WALLET_ID = 'wallet_platform_fees';

/** Row-locks a wallet for the rest of the transaction. */
export async function lockWallet(tx: Prisma.TransactionClient, walletId: string) {
  const [wallet] = await tx.$queryRaw<{ id: string; balanceCents: number; stripeAccountId: string | null }[]>`
    SELECT "id", "balanceCents", "stripeAccountId" FROM "Wallet" WHERE "id" = ${walletId} FOR UPDATE`;
  if (!wallet) {
    throw new Error(`wallet ${walletId} not found`);
  }
  return wallet;
}
