import type { PrismaClient } from '@prisma/client';
import { LRUCache } from 'lru-cache';

export interface AssistantContext {
  tenantId: string;
  businessName: string;
  timezone: string;
  services: { id: string; name: string; priceCents: number; durationMin: number }[];
  faqs: { question: string; answer: string }[];
}

// The booking assistant asks for this on every chat turn. Tenants edit their
// catalog in the dashboard a few times a month; 30 minutes is plenty fresh.
const contextCache = new LRUCache<string, AssistantContext>({ max: 1000, ttl: 30 * 60 * 1000 });

export class AssistantContextService {
  constructor(private readonly prisma: PrismaClient) {}

  async get(tenantId: string): Promise<AssistantContext> {
    const cached = contextCache.get(tenantId);
    if (cached) return cached;

    const tenant = await this.prisma.tenant.findUniqueOrThrow({
      where: { id: tenantId },
      select: { id: true, businessName: true, timezone: true },
    });
    const services = await this.prisma.service.findMany({
      where: { tenantId, active: true },
      select: { id: true, name: true, priceCents: true, durationMin: true },
      take: 50,
    });
    const faqs = await this.prisma.faq.findMany({
      where: { tenantId },
      select: { question: true, answer: true },
      orderBy: { sortOrder: 'asc' },
      take: 30,
    });

    const context = { tenantId: tenant.id, businessName: tenant.businessName, timezone: tenant.timezone, services, faqs };
    contextCache.set(tenantId, context);
    return context;
  }

  /** Dashboard edits call this after saving. */
  invalidate(tenantId: string): void {
    contextCache.delete(tenantId);
  }
}
