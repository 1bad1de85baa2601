import type { Pool } from 'pg';

/**
 * The only code that writes menu tables. The dashboard, the CSV import and the
 * POS sync all go through it (enforced by the lint rule no-restricted-imports
 * on the menu tables' query module).
 */
export class MenuWriter {
  constructor(private readonly pool: Pool) {}

  async updateItem(restaurantId: string, itemId: string, patch: { priceCents?: number; available?: boolean }) {
    await this.pool.query(
      `UPDATE menu_items i SET price_cents = coalesce($3, price_cents), available = coalesce($4, available)
         FROM menu_categories c
        WHERE i.id = $2 AND i.category_id = c.id AND c.restaurant_id = $1`,
      [restaurantId, itemId, patch.priceCents ?? null, patch.available ?? null],
    );
  }

  async importItems(restaurantId: string, rows: { categoryId: string; name: string; priceCents: number }[]) {
    // Multi-row insert per 500 rows, one transaction per batch.
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      const values = batch.map((_, j) => `($${j * 3 + 2}, $${j * 3 + 3}, $${j * 3 + 4})`).join(', ');
      await this.pool.query(
        `INSERT INTO menu_items (category_id, name, price_cents)
         SELECT v.category_id::uuid, v.name, v.price_cents::int
           FROM (VALUES ${values}) AS v(category_id, name, price_cents)
           JOIN menu_categories c ON c.id = v.category_id::uuid AND c.restaurant_id = $1`,
        [restaurantId, ...batch.flatMap((r) => [r.categoryId, r.name, r.priceCents])],
      );
    }
  }
}
