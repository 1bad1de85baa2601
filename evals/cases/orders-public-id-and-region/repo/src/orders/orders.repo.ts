import type { Knex } from 'knex';

export interface OrderRow {
  id: number;
  shop_id: number;
  customer_id: number;
  status: string;
  currency: string;
  total_cents: number;
  shipping_country: string | null;
  placed_at: Date;
}

export class OrdersRepo {
  constructor(private readonly db: Knex) {}

  async create(order: Omit<OrderRow, 'id' | 'placed_at'>): Promise<OrderRow> {
    const [row] = await this.db<OrderRow>('orders').insert(order).returning('*');
    return row;
  }

  async findForShop(shopId: number, id: number): Promise<OrderRow | undefined> {
    return this.db<OrderRow>('orders').where({ shop_id: shopId, id }).first();
  }
}
