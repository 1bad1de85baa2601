-- migrate:up
CREATE TABLE users (
  id          bigserial PRIMARY KEY,
  email       text        NOT NULL,
  username    text        NOT NULL,
  display_name text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (username);

-- migrate:down
DROP TABLE users;
