-- Up Migration
CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  org_id      uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  actor_id    uuid,
  action      text        NOT NULL,
  target_type text        NOT NULL,
  target_id   text        NOT NULL,
  metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  ip_address  inet,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_events_org_id_created_at_idx ON audit_events (org_id, created_at DESC);

-- Down Migration
DROP TABLE audit_events;
