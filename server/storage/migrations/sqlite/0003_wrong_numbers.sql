-- Wrong processing numbers, for the guessing defence (server/kiosks/guess-limit.ts): kept in the
-- database so every server process on it shares one budget and a restart does not reset it.
-- Only the kiosk and the time: never the number. Rows older than the window are deleted as new
-- ones are recorded.
CREATE TABLE wrong_numbers (
    kiosk_id INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX wrong_numbers_by_time ON wrong_numbers (at);
CREATE INDEX wrong_numbers_by_kiosk ON wrong_numbers (kiosk_id, at);
