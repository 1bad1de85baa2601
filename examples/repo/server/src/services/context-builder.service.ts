import type { OnboardingPhase, PrismaClient } from '@prisma/client';

import { NotFoundError } from '../lib/errors';
import type { BootstrapData, DiscoveryFact } from './discovery.service';

const LATE_PHASES: OnboardingPhase[] = ['BUILDING', 'COMPLETED'];

/**
 * Assembles the agent's per-tenant context from the database.
 * Callers should go through DiscoveryService.getBootstrap(), which caches this.
 */
export class ContextBuilderService {
  constructor(private readonly prisma: PrismaClient) {}

  async getBootstrapData(tenantId: string): Promise<BootstrapData> {
    const tenant = await this.prisma.tenant.findUnique({
      where: { id: tenantId },
      select: {
        id: true,
        businessName: true,
        industry: true,
        onboardingPhase: true,
        revealCompletedAt: true,
        discoveryData: true,
      },
    });
    if (!tenant) {
      throw new NotFoundError('Tenant not found');
    }

    const segments = await this.prisma.segment.findMany({
      where: { tenantId },
      select: { id: true, slug: true, name: true },
      orderBy: { sortOrder: 'asc' },
      take: 20,
    });

    const packages = await this.prisma.package.findMany({
      where: { tenantId, active: true },
      select: { id: true, slug: true, name: true, basePrice: true },
      orderBy: { sortOrder: 'asc' },
      take: 50,
    });

    const phase = await this.resolveAndBackfillPhase(tenantId, tenant.onboardingPhase);

    return {
      tenantId: tenant.id,
      businessName: tenant.businessName,
      industry: tenant.industry,
      onboardingPhase: phase,
      onboardingDone: tenant.revealCompletedAt !== null || phase === 'COMPLETED',
      discoveryFacts: (tenant.discoveryData as DiscoveryFact[] | null) ?? [],
      segments,
      packages,
    };
  }

  /**
   * Tenants created before onboarding phases existed have NOT_STARTED but a
   * real catalog. Move them to BUILDING once, so the agent does not start
   * discovery over for a business that is already live.
   */
  private async resolveAndBackfillPhase(
    tenantId: string,
    phase: OnboardingPhase,
  ): Promise<OnboardingPhase> {
    if (LATE_PHASES.includes(phase) || phase === 'SKIPPED') {
      return phase;
    }
    if (phase === 'NOT_STARTED' && (await this.hasNonSeedPackages(tenantId))) {
      await this.prisma.tenant.update({
        where: { id: tenantId },
        data: { onboardingPhase: 'BUILDING' },
      });
      return 'BUILDING';
    }
    return phase;
  }

  private async hasNonSeedPackages(tenantId: string): Promise<boolean> {
    const count = await this.prisma.package.count({
      where: { tenantId, isSeed: false },
    });
    return count > 0;
  }
}
