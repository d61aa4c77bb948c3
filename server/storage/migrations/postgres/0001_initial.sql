-- The PostgreSQL schema, equal in meaning to SQLite's 0001 + 0002 (see those files for the why).
-- Times are Unix milliseconds (BIGINT), days are UTC day numbers.
CREATE TABLE kiosks (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_key_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE processing_numbers (
    number TEXT PRIMARY KEY,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE server_state (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO server_state (name, value) VALUES ('publish_generation', 1);
-- No kiosk, no upload time, no id: the key is the primary key; `generation` is shared by all
-- uploads between two publishing runs.
CREATE TABLE diagnosis_keys (
    region TEXT NOT NULL,
    key_data BYTEA NOT NULL,
    rolling_start INTEGER NOT NULL,
    rolling_period INTEGER NOT NULL,
    report_type INTEGER NOT NULL,
    days_since_onset INTEGER NOT NULL,
    generation BIGINT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (region, key_data)
);
CREATE INDEX diagnosis_keys_unpublished ON diagnosis_keys (generation) WHERE NOT published;
CREATE INDEX diagnosis_keys_rolling_start ON diagnosis_keys (rolling_start);
CREATE TABLE uploads (
    idempotency_hash BYTEA PRIMARY KEY,
    day INTEGER NOT NULL,
    response TEXT NOT NULL
);
CREATE TABLE export_files (
    id BIGSERIAL PRIMARY KEY,
    region TEXT NOT NULL,
    key_day INTEGER NOT NULL,
    batch_num INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    key_count INTEGER NOT NULL,
    created BIGINT NOT NULL,
    zip BYTEA NOT NULL
);
CREATE INDEX export_files_region ON export_files (region, id);
CREATE TABLE survey_answers (
    id UUID PRIMARY KEY,
    day INTEGER NOT NULL,
    answers TEXT NOT NULL
);
