DROP TABLE issued_documents;

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

DROP INDEX audit_log_seq_idx;
ALTER TABLE audit_log DROP COLUMN entry_hash, DROP COLUMN prev_hash, DROP COLUMN seq;
