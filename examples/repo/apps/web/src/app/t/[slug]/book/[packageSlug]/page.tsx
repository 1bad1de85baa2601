import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { BookingForm } from '@/components/booking/BookingForm';
import { PriceSummary } from '@/components/booking/PriceSummary';
import { getPackage, getTenant } from '@/lib/api';

// Storefront pages are static and regenerated in the background: prices and
// add-ons may lag an edit by up to a minute, which tenants have accepted.
export const revalidate = 60;

interface Props {
  params: { slug: string; packageSlug: string };
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const pkg = await getPackage(params.slug, params.packageSlug);
  return { title: pkg ? `Book ${pkg.name}` : 'Book' };
}

export default async function BookPackagePage({ params }: Props) {
  const [tenant, pkg] = await Promise.all([
    getTenant(params.slug),
    getPackage(params.slug, params.packageSlug),
  ]);
  if (!tenant || !pkg) {
    notFound();
  }

  return (
    <main className="mx-auto max-w-3xl px-4 py-10">
      <p className="text-sm text-neutral-500">{tenant.businessName}</p>
      <h1 className="mt-1 text-3xl font-semibold">{pkg.name}</h1>
      {pkg.description && <p className="mt-4 text-neutral-700">{pkg.description}</p>}

      <PriceSummary basePrice={pkg.basePrice} durationMin={pkg.durationMin} />

      <BookingForm
        tenantSlug={tenant.slug}
        packageSlug={pkg.slug}
        addOns={pkg.addOns}
      />
    </main>
  );
}
