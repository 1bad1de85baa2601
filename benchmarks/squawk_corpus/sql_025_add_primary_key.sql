SET lock_timeout = '2s';
ALTER TABLE legacy_imports ADD COLUMN id bigserial;
ALTER TABLE legacy_imports ADD PRIMARY KEY (id);
