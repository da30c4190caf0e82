-- A tamper-evident audit log: each entry carries its place in the chain (seq, gapless), the
-- hash of the entry before it and its own hash (SHA-256 over its fields and prev_hash).
-- Entries written before this migration are sealed once, in id order, by the server right
-- after migrating; the triggers allow exactly that (setting the three chain columns of a row
-- not yet sealed) and nothing else.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN entry_hash TEXT;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log(seq);

DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF id, at, actor_user_id, actor_login, action, entity_type, entity_id,
    before_json, after_json, client_ip ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_seal_once BEFORE UPDATE OF seq, prev_hash, entry_hash ON audit_log
WHEN OLD.entry_hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Every issued PDF: its verification code (核验码, derived from the document's data with a
-- server key), what it is, the SHA-256 of its bytes, and when and by whom it was first made.
CREATE TABLE issued_documents (
    code TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    pages INTEGER NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT,
    issuer TEXT NOT NULL
);
CREATE INDEX issued_documents_subject_idx ON issued_documents(kind, subject);
