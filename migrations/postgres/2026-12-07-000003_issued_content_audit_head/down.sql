DROP TABLE audit_head;
ALTER TABLE rectification_notices DROP COLUMN issued_code;
ALTER TABLE issued_documents DROP COLUMN chain_hash;
ALTER TABLE issued_documents DROP COLUMN chain_seq;
ALTER TABLE issued_documents DROP COLUMN content;
