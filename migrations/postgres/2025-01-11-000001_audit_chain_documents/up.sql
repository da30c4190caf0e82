-- A tamper-evident audit log: each entry carries its place in the chain (seq, gapless), the
-- hash of the entry before it and its own hash (SHA-256 over its fields and prev_hash).
-- Entries written before this migration are sealed once, in id order, by the server right
-- after migrating; the trigger allows exactly that (setting the three chain columns of a row
-- not yet sealed) and nothing else.
ALTER TABLE audit_log ADD COLUMN seq BIGINT, ADD COLUMN prev_hash TEXT, ADD COLUMN entry_hash TEXT;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log(seq);

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.entry_hash IS NULL
       AND (NEW.id, NEW.at, NEW.actor_user_id, NEW.actor_login, NEW.action, NEW.entity_type,
            NEW.entity_id, NEW.before_json, NEW.after_json, NEW.client_ip)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.actor_user_id, OLD.actor_login, OLD.action, OLD.entity_type,
            OLD.entity_id, OLD.before_json, OLD.after_json, OLD.client_ip) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

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
