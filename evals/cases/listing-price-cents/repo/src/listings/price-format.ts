import type { Prisma } from '@prisma/client';

// Intl.NumberFormat construction is slow; keep one per currency+locale.
const formatters = new Map<string, Intl.NumberFormat>();

export function formatPrice(amount: Prisma.Decimal, currency: string, locale: string): string {
  const key = `${currency}:${locale}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, formatter);
  }
  return formatter.format(amount.toNumber());
}
