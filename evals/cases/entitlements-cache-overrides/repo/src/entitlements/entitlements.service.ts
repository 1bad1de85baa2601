import type { PrismaClient } from '@prisma/client';
import { LRUCache } from 'lru-cache';

export interface Entitlements {
  orgId: string;
  plan: string;
  maxSeats: number;
  maxProjects: number;
  apiRequestsPerMinute: number;
  features: string[];
}

// Entitlements are read on every API request (rate limiter + feature gates).
// 15 minutes keeps the database out of the hot path; plan changes are rare.
const cache = new LRUCache<string, Entitlements>({ max: 5000, ttl: 15 * 60 * 1000 });

export class EntitlementsService {
  constructor(private readonly prisma: PrismaClient) {}

  async get(orgId: string): Promise<Entitlements> {
    const hit = cache.get(orgId);
    if (hit) {
      return hit;
    }
    const org = await this.prisma.organization.findUniqueOrThrow({
      where: { id: orgId },
      include: { plan: true },
    });
    const value: Entitlements = {
      orgId,
      plan: org.plan.code,
      maxSeats: org.plan.maxSeats,
      maxProjects: org.plan.maxProjects,
      apiRequestsPerMinute: org.plan.apiRequestsPerMinute,
      features: org.plan.features,
    };
    cache.set(orgId, value);
    return value;
  }

  async changePlan(orgId: string, planCode: string): Promise<void> {
    await this.prisma.organization.update({
      where: { id: orgId },
      data: { plan: { connect: { code: planCode } } },
    });
    cache.delete(orgId);
  }
}
