-- == 20240131100000 CreateJoinTableProjectsTags: migrating =====================
-- create_join_table(:projects, :tags)
BEGIN;
CREATE TABLE "projects_tags" ("project_id" bigint NOT NULL, "tag_id" bigint NOT NULL);
-- add_index(:projects_tags, [:project_id, :tag_id], {:unique=>true})
CREATE UNIQUE INDEX "index_projects_tags_on_project_id_and_tag_id" ON "projects_tags" ("project_id", "tag_id");
CREATE INDEX "index_projects_tags_on_tag_id" ON "projects_tags" ("tag_id");
INSERT INTO "schema_migrations" ("version") VALUES ('20240131100000') RETURNING "version";
COMMIT;
