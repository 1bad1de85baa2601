// Server-side fetches from the booking API. Next's fetch cache is keyed on the
// URL, so every storefront read carries the tenant slug in its path.
const API_URL = process.env.API_URL ?? 'http://localhost:4000';

export interface StorefrontPackage {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  basePrice: number;
  durationMin: number;
  photos: string[];
  addOns: { id: string; name: string; price: number }[];
}

export interface StorefrontTenant {
  slug: string;
  businessName: string;
}

export async function getTenant(slug: string): Promise<StorefrontTenant | null> {
  const res = await fetch(`${API_URL}/v1/storefront/${slug}`, { next: { tags: [`tenant:${slug}`] } });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`tenant ${slug}: ${res.status}`);
  return res.json();
}

export async function getPackage(slug: string, packageSlug: string): Promise<StorefrontPackage | null> {
  const res = await fetch(`${API_URL}/v1/storefront/${slug}/packages/${packageSlug}`, {
    next: { tags: [`tenant:${slug}`] },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`package ${slug}/${packageSlug}: ${res.status}`);
  return res.json();
}
