import type { Pool } from 'pg';

export interface User {
  id: string;
  email: string;
  username: string;
  displayName: string | null;
}

export class UsersRepo {
  constructor(private readonly pool: Pool) {}

  async findByUsername(username: string): Promise<User | null> {
    const { rows } = await this.pool.query(
      `SELECT id, email, username, display_name AS "displayName" FROM users WHERE username = $1`,
      [username],
    );
    return rows[0] ?? null;
  }

  async rename(id: string, username: string): Promise<void> {
    await this.pool.query(`UPDATE users SET username = $2, updated_at = now() WHERE id = $1`, [id, username]);
  }
}
