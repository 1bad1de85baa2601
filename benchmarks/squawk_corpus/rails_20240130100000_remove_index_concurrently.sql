-- == 20240130100000 RemoveIndexOrdersOnState: migrating ========================
-- disable_ddl_transaction!
-- remove_index(:orders, {:column=>:state, :algorithm=>:concurrently})
DROP INDEX CONCURRENTLY "index_orders_on_state";
INSERT INTO "schema_migrations" ("version") VALUES ('20240130100000') RETURNING "version";
