-- Keys only the server holds (shared by every server process on the database): signatures of
-- offline review packets and verification codes of issued documents. One row per purpose,
-- created at first use; never shown in a page, an export or the audit log.
CREATE TABLE server_keys (
    purpose TEXT PRIMARY KEY NOT NULL,
    key_hex TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
