-- The catalog: 10,000 products with 100 reviews each, spread over the table as they would be in
-- the order they were written. Loaded by scripts/services.sh into a new database.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL);
CREATE TABLE reviews (
    id bigserial PRIMARY KEY,
    product_id int NOT NULL REFERENCES products (id),
    rating int NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body text NOT NULL
);
INSERT INTO products SELECT i, 'Product ' || i, 100 + (i * 37) % 10000 FROM generate_series(1, 10000) AS i;
INSERT INTO reviews (product_id, rating, body)
    SELECT 1 + i % 10000, 1 + (i * 7 + i / 10000) % 5, md5(i::text) FROM generate_series(1, 1000000) AS i;
CREATE INDEX reviews_by_product ON reviews (product_id);
ANALYZE;
