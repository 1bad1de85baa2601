const CMS_URL = process.env.CMS_URL ?? 'http://localhost:1337';

export interface Article {
  slug: string;
  category: string;
  title: string;
  summary: string;
  body: string;
  publishedAt: string;
}

export async function getArticle(slug: string): Promise<Article | null> {
  const res = await fetch(`${CMS_URL}/api/articles/${encodeURIComponent(slug)}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`CMS ${res.status}`);
  return res.json();
}

export async function listArticleSlugs(): Promise<{ slug: string; category: string }[]> {
  const res = await fetch(`${CMS_URL}/api/articles?fields=slug,category&limit=all`);
  if (!res.ok) throw new Error(`CMS ${res.status}`);
  return res.json();
}
