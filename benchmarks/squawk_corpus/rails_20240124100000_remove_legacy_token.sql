-- == 20240124100000 RemoveLegacyTokenFromUsers: migrating ======================
-- remove_column(:users, :legacy_token, :string)
BEGIN;
ALTER TABLE "users" DROP COLUMN "legacy_token";
INSERT INTO "schema_migrations" ("version") VALUES ('20240124100000') RETURNING "version";
COMMIT;
