-- Keys no longer carry an insertion-order id (consecutive ids linked the keys of one upload): the
-- key itself is the primary key, and publishing tells "keys read" from "keys uploaded since" by a
-- publishing generation that all uploads between two publishing runs share.
-- server_state holds the generation counter and the end-of-service time.
CREATE TABLE server_state (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO server_state (name, value) VALUES ('publish_generation', 1);

CREATE TABLE diagnosis_keys_unlinked (
    region TEXT NOT NULL,
    key_data BLOB NOT NULL,
    rolling_start INTEGER NOT NULL,
    rolling_period INTEGER NOT NULL,
    report_type INTEGER NOT NULL,
    days_since_onset INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region, key_data)
) WITHOUT ROWID;
INSERT INTO diagnosis_keys_unlinked (region, key_data, rolling_start, rolling_period, report_type, days_since_onset, generation, published)
    SELECT region, key_data, rolling_start, rolling_period, report_type, days_since_onset, 0, published FROM diagnosis_keys;
DROP TABLE diagnosis_keys;
ALTER TABLE diagnosis_keys_unlinked RENAME TO diagnosis_keys;
CREATE INDEX diagnosis_keys_unpublished ON diagnosis_keys (generation) WHERE published = 0;
CREATE INDEX diagnosis_keys_rolling_start ON diagnosis_keys (rolling_start);
