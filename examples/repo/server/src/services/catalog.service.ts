import type { AddOn, Package, PrismaClient, Segment } from '@prisma/client';

import { NotFoundError } from '../lib/errors';

export type PackageWithAddOns = Package & { addOns: { addOn: AddOn }[] };

export interface CreatePackageInput {
  segmentId?: string;
  slug: string;
  name: string;
  description?: string;
  basePrice: number; // cents
  durationMin?: number;
}

/**
 * Read/write access to a tenant's catalog (segments, packages, add-ons).
 * Every method takes tenantId first; nothing here may read across tenants.
 */
export class CatalogService {
  constructor(private readonly prisma: PrismaClient) {}

  async getSegments(tenantId: string): Promise<Segment[]> {
    return this.prisma.segment.findMany({
      where: { tenantId },
      orderBy: { sortOrder: 'asc' },
      take: 20,
    });
  }

  async getPackageBySlug(tenantId: string, slug: string): Promise<PackageWithAddOns> {
    const pkg = await this.prisma.package.findUnique({
      where: { tenantId_slug: { tenantId, slug } },
      include: { addOns: { include: { addOn: true } } },
    });
    if (!pkg || !pkg.active) {
      throw new NotFoundError(`Package ${slug} not found`);
    }
    return pkg;
  }

  async getPackageById(tenantId: string, packageId: string): Promise<Package> {
    // findFirst with tenantId, not findUnique by id: a guessed id from another
    // tenant must look exactly like a missing one.
    const pkg = await this.prisma.package.findFirst({
      where: { id: packageId, tenantId },
    });
    if (!pkg) {
      throw new NotFoundError('Package not found');
    }
    return pkg;
  }

  async createPackage(tenantId: string, input: CreatePackageInput): Promise<Package> {
    return this.prisma.package.create({
      data: {
        tenantId,
        segmentId: input.segmentId,
        slug: input.slug,
        name: input.name,
        description: input.description,
        basePrice: input.basePrice,
        durationMin: input.durationMin ?? 60,
      },
    });
  }

  /** All active packages with their add-ons, for the storefront and the agent. */
  async getAllPackages(tenantId: string): Promise<PackageWithAddOns[]> {
    return this.prisma.package.findMany({
      where: { tenantId, active: true },
      include: { addOns: { include: { addOn: true } } },
      orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
    });
  }

  async hasPackages(tenantId: string): Promise<boolean> {
    const packages = await this.getAllPackages(tenantId);
    return packages.length > 0;
  }

  async getAddOnsForPackage(tenantId: string, packageId: string): Promise<AddOn[]> {
    await this.getPackageById(tenantId, packageId);
    const links = await this.prisma.packageAddOn.findMany({
      where: { packageId },
      include: { addOn: true },
      take: 50,
    });
    return links.map((link) => link.addOn);
  }

  async deactivatePackage(tenantId: string, packageId: string): Promise<void> {
    await this.getPackageById(tenantId, packageId);
    await this.prisma.package.update({
      where: { id: packageId },
      data: { active: false },
    });
  }
}
