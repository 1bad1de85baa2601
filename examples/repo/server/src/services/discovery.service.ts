import type { OnboardingPhase, PrismaClient } from '@prisma/client';
import { LRUCache } from 'lru-cache';

import { ConflictError, NotFoundError } from '../lib/errors';
import type { CatalogService } from './catalog.service';
import type { ContextBuilderService } from './context-builder.service';

/** One discovery fact the onboarding agent learned about the business. */
export interface DiscoveryFact {
  key: string;
  value: string;
  learnedAt: string;
}

/**
 * What the onboarding agent receives at the start of every turn.
 * Built by ContextBuilderService; cached here because the agent asks for it
 * on each message and it changes rarely.
 */
export interface BootstrapData {
  tenantId: string;
  businessName: string;
  industry: string | null;
  onboardingPhase: OnboardingPhase;
  onboardingDone: boolean;
  discoveryFacts: DiscoveryFact[];
  segments: { id: string; slug: string; name: string }[];
  packages: { id: string; slug: string; name: string; basePrice: number }[];
}

// 30 minutes: a full onboarding session normally fits inside one TTL, so the
// agent hits the database once per session unless something invalidates.
const BOOTSTRAP_TTL_MS = 30 * 60 * 1000;
const BOOTSTRAP_MAX_ENTRIES = 1000;

export class DiscoveryService {
  private readonly bootstrapCache = new LRUCache<string, BootstrapData>({
    max: BOOTSTRAP_MAX_ENTRIES,
    ttl: BOOTSTRAP_TTL_MS,
  });

  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalogService: CatalogService,
    private readonly contextBuilder: ContextBuilderService,
  ) {}

  async getBootstrap(tenantId: string): Promise<BootstrapData> {
    const cached = this.bootstrapCache.get(tenantId);
    if (cached) {
      return cached;
    }
    const data = await this.contextBuilder.getBootstrapData(tenantId);
    this.bootstrapCache.set(tenantId, data);
    return data;
  }

  invalidateBootstrapCache(tenantId: string): void {
    this.bootstrapCache.delete(tenantId);
  }

  async storeFact(tenantId: string, key: string, value: string): Promise<void> {
    const tenant = await this.prisma.tenant.findUnique({
      where: { id: tenantId },
      select: { discoveryData: true },
    });
    if (!tenant) {
      throw new NotFoundError('Tenant not found');
    }
    const facts = (tenant.discoveryData as DiscoveryFact[] | null) ?? [];
    const next = facts.filter((fact) => fact.key !== key);
    next.push({ key, value, learnedAt: new Date().toISOString() });

    await this.prisma.tenant.update({
      where: { id: tenantId },
      data: { discoveryData: next as unknown as object },
    });
    this.invalidateBootstrapCache(tenantId);
  }

  async advancePhase(tenantId: string, phase: OnboardingPhase): Promise<void> {
    await this.prisma.tenant.update({
      where: { id: tenantId },
      data: { onboardingPhase: phase },
    });
    this.invalidateBootstrapCache(tenantId);
  }

  async completeOnboarding(tenantId: string): Promise<void> {
    const packages = await this.catalogService.getAllPackages(tenantId);
    if (packages.length === 0) {
      throw new ConflictError('Create at least one package before finishing onboarding');
    }
    await this.prisma.tenant.update({
      where: { id: tenantId },
      data: { onboardingPhase: 'COMPLETED', revealCompletedAt: new Date() },
    });
    this.invalidateBootstrapCache(tenantId);
  }
}
