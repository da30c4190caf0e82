-- An issued notice is never changed under its number: a correction (更正) is a new version
-- with its own number, date and verification code. The notice row names the number it
-- replaces; the replaced PDF stays stored as issued and says by which code, and when, it was
-- superseded (`/verify` tells whoever checks the old code).
ALTER TABLE rectification_notices ADD COLUMN corrects_number TEXT;
ALTER TABLE issued_documents ADD COLUMN superseded_by TEXT;
ALTER TABLE issued_documents ADD COLUMN superseded_at TIMESTAMP;
