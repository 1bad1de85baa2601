import { revalidatePath, revalidateTag } from 'next/cache';
import { NextResponse, type NextRequest } from 'next/server';

// Called by the API after a tenant edits their storefront. The caller names the
// exact paths it changed; there is no wildcard purge.
interface RevalidateBody {
  tenantSlug: string;
  paths?: string[];
}

export async function POST(request: NextRequest) {
  const secret = request.headers.get('x-revalidate-secret');
  if (!secret || secret !== process.env.REVALIDATE_SECRET) {
    return NextResponse.json({ error: 'unauthorized' }, { status: 401 });
  }

  const body = (await request.json()) as RevalidateBody;
  if (!body.tenantSlug) {
    return NextResponse.json({ error: 'tenantSlug is required' }, { status: 400 });
  }

  const prefix = `/t/${body.tenantSlug}`;
  const paths = (body.paths ?? [prefix]).filter((path) => path.startsWith(prefix));
  for (const path of paths) {
    revalidatePath(path);
  }
  revalidateTag(`tenant:${body.tenantSlug}`);

  return NextResponse.json({ revalidated: paths, now: Date.now() });
}
