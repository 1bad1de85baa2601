import { revalidatePath } from 'next/cache';
import { NextResponse, type NextRequest } from 'next/server';

// Called by the CMS webhook when an editor publishes or unpublishes an article.
export async function POST(request: NextRequest) {
  if (request.headers.get('x-cms-signature') !== process.env.CMS_WEBHOOK_SECRET) {
    return NextResponse.json({ error: 'unauthorized' }, { status: 401 });
  }
  const { slug } = (await request.json()) as { slug: string };
  revalidatePath(`/blog/${slug}`);
  revalidatePath('/blog');
  return NextResponse.json({ revalidated: true });
}
