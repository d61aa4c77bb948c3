-- Wrong processing numbers, shared by every server process (see SQLite's 0003 for the why).
CREATE TABLE wrong_numbers (
    kiosk_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX wrong_numbers_by_time ON wrong_numbers (at);
CREATE INDEX wrong_numbers_by_kiosk ON wrong_numbers (kiosk_id, at);
