-- An issued document keeps the exact bytes handed out (downloads serve them; nothing issued
-- is rendered again) and the audit chain's head when it was issued (seq and hash: an anchor
-- `pingcha audit verify` compares, so a cut-off tail of the log shows).
ALTER TABLE issued_documents ADD COLUMN content BLOB;
ALTER TABLE issued_documents ADD COLUMN chain_seq BIGINT;
ALTER TABLE issued_documents ADD COLUMN chain_hash TEXT;

-- The notice's issued PDF (its verification code), stored when it is numbered.
ALTER TABLE rectification_notices ADD COLUMN issued_code TEXT;

-- The head of the audit chain as last sealed: one row, moved forward by every sealing.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    entry_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, entry_hash)
SELECT 1, COALESCE(MAX(seq), 0),
       COALESCE((SELECT entry_hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)),
                '0000000000000000000000000000000000000000000000000000000000000000')
FROM audit_log;
