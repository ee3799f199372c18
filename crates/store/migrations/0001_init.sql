-- Orfèvre schema. One script serves SQLite and PostgreSQL: only TEXT and BIGINT columns, no
-- dialect-specific syntax (the store runs the same SQL on both through sqlx's Any driver).
-- Times are Unix milliseconds; money is a decimal string with its currency.
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE catalogs (
    version TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    sources TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);
CREATE TABLE designs (
    hash TEXT PRIMARY KEY,
    catalog_version TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE user_designs (
    user_id TEXT NOT NULL REFERENCES users(id),
    hash TEXT NOT NULL REFERENCES designs(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    user_id TEXT,
    token_id TEXT,
    quote_id TEXT NOT NULL UNIQUE,
    design_hash TEXT NOT NULL REFERENCES designs(hash),
    catalog_version TEXT NOT NULL,
    total TEXT NOT NULL,
    currency TEXT NOT NULL,
    customer TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (principal, idempotency_key)
);
CREATE INDEX orders_by_user ON orders (user_id, created_at);
CREATE TABLE order_events (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_id, at);
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    delivered_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
