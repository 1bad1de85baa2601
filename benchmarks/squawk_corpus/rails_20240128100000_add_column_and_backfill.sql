-- == 20240128100000 AddLastSeenAtToUsers: migrating ============================
-- add_column(:users, :last_seen_at, :datetime)
BEGIN;
ALTER TABLE "users" ADD "last_seen_at" timestamp(6);
-- execute("UPDATE users SET last_seen_at = updated_at")
UPDATE users SET last_seen_at = updated_at;
INSERT INTO "schema_migrations" ("version") VALUES ('20240128100000') RETURNING "version";
COMMIT;
