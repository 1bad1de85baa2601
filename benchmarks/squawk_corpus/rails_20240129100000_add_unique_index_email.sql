-- == 20240129100000 AddUniqueIndexToCustomersEmail: migrating ==================
-- add_index(:customers, [:account_id, :email], {:unique=>true})
BEGIN;
CREATE UNIQUE INDEX "index_customers_on_account_id_and_email" ON "customers" ("account_id", "email");
INSERT INTO "schema_migrations" ("version") VALUES ('20240129100000') RETURNING "version";
COMMIT;
