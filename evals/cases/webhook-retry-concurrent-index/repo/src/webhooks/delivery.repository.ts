import type { PrismaClient, WebhookDelivery } from '@prisma/client';

export class DeliveryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async listForEndpoint(tenantId: string, endpointId: string, cursor?: string): Promise<WebhookDelivery[]> {
    return this.prisma.webhookDelivery.findMany({
      where: { tenantId, endpointId },
      orderBy: { createdAt: 'desc' },
      take: 50,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
  }

  async markResult(id: string, ok: boolean, responseCode: number | null): Promise<void> {
    await this.prisma.webhookDelivery.update({
      where: { id },
      data: { status: ok ? 'SUCCEEDED' : 'FAILED', responseCode },
    });
  }
}
