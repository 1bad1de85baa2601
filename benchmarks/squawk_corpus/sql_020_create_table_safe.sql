BEGIN;
CREATE TABLE IF NOT EXISTS audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL,
    actor_id    bigint,
    action      text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_events_tenant_id_created_at_idx
    ON audit_events (tenant_id, created_at);
COMMIT;
