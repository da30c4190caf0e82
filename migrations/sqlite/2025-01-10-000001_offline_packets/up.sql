-- Offline review packets (离线评查包): each packet the server signed, with the sheets and
-- versions it carries, and whether its result has been applied (a result applies once).
-- The offline laptop's local database holds the one packet it was opened from here as well.
CREATE TABLE offline_packets (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    sheets_json TEXT NOT NULL,
    packet_sha256 TEXT NOT NULL,
    packet_text TEXT NOT NULL,
    applied_at TIMESTAMP,
    applied_by TEXT
);
CREATE INDEX offline_packets_reviewer_idx ON offline_packets(reviewer_id, round_id);
