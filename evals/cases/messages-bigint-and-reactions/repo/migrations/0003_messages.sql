CREATE TABLE conversations (
  id          serial PRIMARY KEY,
  workspace_id integer     NOT NULL REFERENCES workspaces (id),
  title       text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX conversations_workspace_id_idx ON conversations (workspace_id);

CREATE TABLE messages (
  id              serial PRIMARY KEY,
  conversation_id integer     NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  author_id       integer     NOT NULL,
  body            text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  edited_at       timestamptz
);

CREATE INDEX messages_conversation_id_created_at_idx ON messages (conversation_id, created_at);

-- Attachments were added by the files service, which owned its own schema
-- at the time; there is no foreign key to messages.
CREATE TABLE message_attachments (
  id          serial PRIMARY KEY,
  message_id  integer     NOT NULL,
  storage_key text        NOT NULL,
  bytes       integer     NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX message_attachments_message_id_idx ON message_attachments (message_id);
