ALTER TABLE issued_documents DROP COLUMN superseded_at;
ALTER TABLE issued_documents DROP COLUMN superseded_by;
ALTER TABLE rectification_notices DROP COLUMN corrects_number;
