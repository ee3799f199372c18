-- Pieces and their digital twins: the record of every produced item, its history, its NFC tags
-- (with the last tap counter seen), the memory vault's items, gift claims and the short-lived
-- capabilities a genuine tap gives. Same dialect rules as 0001: TEXT and BIGINT only.
CREATE TABLE pieces (
    serial TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    design_hash TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    base_id TEXT NOT NULL,
    gtin TEXT,
    record TEXT NOT NULL,
    certificate TEXT NOT NULL,
    status_list BIGINT NOT NULL,
    status_index BIGINT NOT NULL,
    owner_id TEXT REFERENCES users(id),
    tap_access BIGINT NOT NULL,
    pin_hash TEXT,
    revoked_at BIGINT,
    made_at BIGINT NOT NULL,
    UNIQUE (status_list, status_index)
);
CREATE INDEX pieces_by_owner ON pieces (owner_id);
CREATE INDEX pieces_by_order ON pieces (order_id);
CREATE TABLE piece_events (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES pieces(serial),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX piece_events_by_serial ON piece_events (serial, at);
CREATE TABLE tags (
    uid TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES pieces(serial),
    counter BIGINT NOT NULL,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tags_by_serial ON tags (serial);
CREATE TABLE vault_items (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES pieces(serial),
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    name TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    object TEXT NOT NULL,
    thumb TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX vault_items_by_serial ON vault_items (serial, created_at);
CREATE TABLE claims (
    code_hash TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES pieces(serial),
    from_user TEXT,
    vault_mode TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by TEXT
);
CREATE INDEX claims_by_serial ON claims (serial);
CREATE TABLE viewer_caps (
    token_hash TEXT PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES pieces(serial),
    needs_pin BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
