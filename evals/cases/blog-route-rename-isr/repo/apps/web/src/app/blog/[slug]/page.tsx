import type { Metadata } from 'next';
import { notFound } from 'next/navigation';

import { ArticleBody } from '@/components/ArticleBody';
import { getArticle } from '@/lib/cms';

// Articles change rarely; an hour of staleness is fine and editors can force a
// refresh through /api/revalidate.
export const revalidate = 3600;

interface Props {
  params: { slug: string };
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const article = await getArticle(params.slug);
  return article ? { title: article.title, description: article.summary } : {};
}

export default async function BlogArticlePage({ params }: Props) {
  const article = await getArticle(params.slug);
  if (!article) {
    notFound();
  }
  return <ArticleBody article={article} />;
}
