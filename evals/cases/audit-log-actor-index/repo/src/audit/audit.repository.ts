import type { Pool } from 'pg';

export interface AuditEvent {
  id: string;
  orgId: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

const PAGE_SIZE = 50;

export class AuditRepository {
  constructor(private readonly pool: Pool) {}

  /** Called from the request middleware after every successful mutation. */
  async record(event: Omit<AuditEvent, 'id' | 'createdAt'>, ip: string | null): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_events (org_id, actor_id, action, target_type, target_id, metadata, ip_address)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [event.orgId, event.actorId, event.action, event.targetType, event.targetId, event.metadata, ip],
    );
  }

  async listForOrg(orgId: string, before: Date | null): Promise<AuditEvent[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM audit_events
        WHERE org_id = $1 AND ($2::timestamptz IS NULL OR created_at < $2)
        ORDER BY created_at DESC
        LIMIT ${PAGE_SIZE}`,
      [orgId, before],
    );
    return rows;
  }
}
