CREATE TABLE orders (
  id            bigserial PRIMARY KEY,
  shop_id       bigint      NOT NULL REFERENCES shops (id),
  customer_id   bigint      NOT NULL REFERENCES customers (id),
  status        text        NOT NULL DEFAULT 'pending',
  currency      char(3)     NOT NULL,
  total_cents   integer     NOT NULL,
  shipping_country char(2),
  placed_at     timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_shop_id_placed_at_idx ON orders (shop_id, placed_at DESC);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
