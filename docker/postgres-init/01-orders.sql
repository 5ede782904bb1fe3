-- The table of docker/pipelines/orders-to-postgres.yaml (the integration test creates it from this file too).
CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, customer text NOT NULL, amount numeric NOT NULL, status text NOT NULL);
