-- == 20240115100000 AddAccountToProjects: migrating ============================
-- add_reference(:projects, :account, {:foreign_key=>true})
BEGIN;
ALTER TABLE "projects" ADD "account_id" bigint;
CREATE INDEX "index_projects_on_account_id" ON "projects" ("account_id");
ALTER TABLE "projects" ADD CONSTRAINT "fk_rails_9aee26923d"
FOREIGN KEY ("account_id")
  REFERENCES "accounts" ("id")
;
INSERT INTO "schema_migrations" ("version") VALUES ('20240115100000') RETURNING "version";
COMMIT;
