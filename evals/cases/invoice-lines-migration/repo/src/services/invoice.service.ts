import type { Invoice, PrismaClient } from '@prisma/client';

export interface LineItem {
  description: string;
  quantity: number;
  unitAmountCents: number;
  taxRateBps: number;
}

export function lineTotal(item: LineItem): number {
  const net = item.quantity * item.unitAmountCents;
  return net + Math.round((net * item.taxRateBps) / 10_000);
}

export class InvoiceService {
  constructor(private readonly prisma: PrismaClient) {}

  async getInvoice(organizationId: string, invoiceId: string): Promise<Invoice | null> {
    return this.prisma.invoice.findFirst({ where: { id: invoiceId, organizationId } });
  }

  async addLineItem(organizationId: string, invoiceId: string, item: LineItem): Promise<Invoice> {
    const invoice = await this.getInvoice(organizationId, invoiceId);
    if (!invoice || invoice.status !== 'DRAFT') {
      throw new Error('Only draft invoices can be edited');
    }
    const items = [...(invoice.lineItems as unknown as LineItem[]), item];
    return this.prisma.invoice.update({
      where: { id: invoice.id },
      data: {
        lineItems: items as unknown as object,
        totalCents: items.reduce((sum, i) => sum + lineTotal(i), 0),
      },
    });
  }
}
