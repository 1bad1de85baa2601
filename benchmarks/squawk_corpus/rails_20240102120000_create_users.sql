-- == 20240102120000 CreateUsers: migrating =====================================
-- create_table(:users)
BEGIN;
CREATE TABLE "users" ("id" bigserial primary key, "email" character varying NOT NULL, "name" character varying, "created_at" timestamp(6) NOT NULL, "updated_at" timestamp(6) NOT NULL);
-- add_index(:users, :email, {:unique=>true})
CREATE UNIQUE INDEX "index_users_on_email" ON "users" ("email");
INSERT INTO "schema_migrations" ("version") VALUES ('20240102120000') RETURNING "version";
COMMIT;
