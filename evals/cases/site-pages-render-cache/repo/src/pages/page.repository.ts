import type { Pool } from 'pg';

export interface Page {
  id: string;
  siteId: string;
  slug: string;
  title: string;
  blocks: unknown[];
  publishedAt: Date | null;
}

export class PageRepository {
  constructor(private readonly pool: Pool) {}

  /** Resolves the site from the request host first; slugs are unique per site only. */
  async findPublished(siteId: string, slug: string): Promise<Page | null> {
    const { rows } = await this.pool.query(
      `SELECT id, site_id AS "siteId", slug, title, blocks, published_at AS "publishedAt"
         FROM pages WHERE site_id = $1 AND slug = $2 AND published_at IS NOT NULL`,
      [siteId, slug],
    );
    return rows[0] ?? null;
  }

  async publish(siteId: string, pageId: string): Promise<void> {
    await this.pool.query(
      `UPDATE pages SET published_at = now(), updated_at = now() WHERE site_id = $1 AND id = $2`,
      [siteId, pageId],
    );
  }
}
