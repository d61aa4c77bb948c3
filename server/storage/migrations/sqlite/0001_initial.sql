-- The schema as first released (before migrations were numbered): every statement is IF NOT EXISTS
-- so that databases created by that version are taken over unchanged.
CREATE TABLE IF NOT EXISTS kiosks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_key_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS processing_numbers (
    number TEXT PRIMARY KEY,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
) WITHOUT ROWID;
-- No kiosk, no upload time, no link between keys of one upload: only what publishing needs.
CREATE TABLE IF NOT EXISTS diagnosis_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region TEXT NOT NULL,
    key_data BLOB NOT NULL,
    rolling_start INTEGER NOT NULL,
    rolling_period INTEGER NOT NULL,
    report_type INTEGER NOT NULL,
    days_since_onset INTEGER NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    UNIQUE (region, key_data)
);
CREATE INDEX IF NOT EXISTS diagnosis_keys_unpublished ON diagnosis_keys (id) WHERE published = 0;
CREATE INDEX IF NOT EXISTS diagnosis_keys_rolling_start ON diagnosis_keys (rolling_start);
-- Idempotency: a hash of (kiosk, idempotency_key) and the answer given, kept for the retention period.
CREATE TABLE IF NOT EXISTS uploads (
    idempotency_hash BLOB PRIMARY KEY,
    day INTEGER NOT NULL,
    response TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS export_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region TEXT NOT NULL,
    key_day INTEGER NOT NULL,
    batch_num INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    key_count INTEGER NOT NULL,
    created INTEGER NOT NULL,
    zip BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS export_files_region ON export_files (region, id);
-- Random ids (not insertion order) so row order does not reveal the order of kiosk visits.
CREATE TABLE IF NOT EXISTS survey_answers (
    id TEXT PRIMARY KEY,
    day INTEGER NOT NULL,
    answers TEXT NOT NULL
) WITHOUT ROWID;
