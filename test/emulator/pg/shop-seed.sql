-- A small, deterministic shop used by the demo and the emulator's Postgres tests.
-- Runs unprivileged (as the database owner) on PostgreSQL 13+ and on PGlite.
-- Each table exercises a different sync story:
--   orders     PK + updated_at (indexed)        -> incremental on updated_at, CDC-ready
--   users      PK + date + updated_at           -> incremental
--   events     append-only, bigserial PK        -> append on id / occurred_at
--   audit_log  no primary key                   -> CDC refuses it
--   countries  tiny lookup, text PK, no cursor  -> full refresh (only xmin is offered)
--   order_totals (view)                         -> no xmin, no PK

CREATE TABLE orders (
  id          bigint PRIMARY KEY,
  customer_id integer,
  total       numeric(10, 2),
  status      character varying(20),
  created_at  timestamp with time zone NOT NULL,
  updated_at  timestamp with time zone
);
CREATE INDEX orders_updated_at_idx ON orders (updated_at);

CREATE TABLE users (
  id          integer PRIMARY KEY,
  email       text NOT NULL,
  signup_date date,
  updated_at  timestamp with time zone
);

CREATE TABLE events (
  id          bigserial PRIMARY KEY,
  user_id     integer,
  name        text NOT NULL,
  occurred_at timestamp with time zone NOT NULL
);

CREATE TABLE audit_log (
  actor   text,
  action  text,
  at      timestamp with time zone,
  payload jsonb
);

CREATE TABLE countries (
  code text PRIMARY KEY,
  name text NOT NULL
);

INSERT INTO countries (code, name) VALUES
  ('DE', 'Germany'), ('FR', 'France'), ('GB', 'United Kingdom'), ('NL', 'Netherlands'),
  ('ES', 'Spain'), ('IT', 'Italy'), ('US', 'United States'), ('CA', 'Canada');

INSERT INTO users (id, email, signup_date, updated_at)
SELECT i,
       'user' || i || '@example.com',
       DATE '2024-01-01' + (i * 3),
       TIMESTAMPTZ '2024-06-01 00:00:00+00' + make_interval(hours => i * 7)
  FROM generate_series(1, 30) AS i;

INSERT INTO orders (id, customer_id, total, status, created_at, updated_at)
SELECT i,
       1 + (i % 30),
       round((10 + (i * 37) % 240)::numeric + 0.99, 2),
       (ARRAY['pending', 'paid', 'shipped', 'refunded'])[1 + i % 4],
       TIMESTAMPTZ '2024-07-01 09:00:00+00' + make_interval(hours => i * 5),
       TIMESTAMPTZ '2024-07-01 09:00:00+00' + make_interval(hours => i * 5 + (i % 3) * 24)
  FROM generate_series(1, 40) AS i;

INSERT INTO events (user_id, name, occurred_at)
SELECT 1 + (i % 30),
       (ARRAY['page_view', 'add_to_cart', 'checkout', 'login'])[1 + i % 4],
       TIMESTAMPTZ '2024-07-01 00:00:00+00' + make_interval(mins => i * 13)
  FROM generate_series(1, 60) AS i;

INSERT INTO audit_log (actor, action, at, payload)
SELECT 'admin' || (1 + i % 3),
       (ARRAY['refund', 'login', 'export'])[1 + i % 3],
       TIMESTAMPTZ '2024-07-02 00:00:00+00' + make_interval(mins => i * 41),
       jsonb_build_object('order_id', i, 'reason', 'seed')
  FROM generate_series(1, 24) AS i;

CREATE VIEW order_totals AS
  SELECT customer_id, count(*) AS order_count, sum(total) AS revenue
    FROM orders
   GROUP BY customer_id;
