import type { Pool } from 'pg';

export interface Message {
  id: number;
  conversationId: number;
  authorId: number;
  body: string;
  createdAt: Date;
}

export class MessagesRepo {
  constructor(private readonly pool: Pool) {}

  async listPage(conversationId: number, beforeId: number | null, limit = 50): Promise<Message[]> {
    const { rows } = await this.pool.query(
      `SELECT id, conversation_id AS "conversationId", author_id AS "authorId", body, created_at AS "createdAt"
         FROM messages
        WHERE conversation_id = $1 AND ($2::int IS NULL OR id < $2)
        ORDER BY id DESC
        LIMIT $3`,
      [conversationId, beforeId, Math.min(limit, 100)],
    );
    return rows;
  }
}
