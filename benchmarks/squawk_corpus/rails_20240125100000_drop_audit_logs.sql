-- == 20240125100000 DropAuditLogs: migrating ===================================
-- drop_table(:audit_logs)
BEGIN;
DROP TABLE "audit_logs";
INSERT INTO "schema_migrations" ("version") VALUES ('20240125100000') RETURNING "version";
COMMIT;
