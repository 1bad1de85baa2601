CREATE TABLE pages (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id      uuid        NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  slug         text        NOT NULL,
  title        text        NOT NULL,
  blocks       jsonb       NOT NULL DEFAULT '[]',
  published_at timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pages_site_id_slug_key UNIQUE (site_id, slug)
);
