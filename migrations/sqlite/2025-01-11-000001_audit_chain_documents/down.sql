DROP TABLE issued_documents;

DROP TRIGGER audit_log_seal_once;
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

DROP INDEX audit_log_seq_idx;
ALTER TABLE audit_log DROP COLUMN entry_hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
ALTER TABLE audit_log DROP COLUMN seq;
