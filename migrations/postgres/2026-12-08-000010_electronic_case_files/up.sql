-- The electronic case file (电子卷宗) of a registry case: its documents (PDFs and page images,
-- in order; pages numbered across them), their bytes in a content-addressed blob store kept
-- in the database (so that several servers on one database need no shared disk, and backups
-- carry the bytes), its catalogue (卷内目录) and the bureau's list of document kinds.

-- One stored content, by its SHA-256: the same bytes uploaded twice are stored once.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    size_bytes BIGINT NOT NULL,
    chunk_bytes INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The content in chunks of chunk_bytes (the last one shorter), read only where a range needs.
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE ecf_documents (
    id TEXT PRIMARY KEY NOT NULL,
    case_file_id TEXT NOT NULL REFERENCES case_files(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    pages INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (case_file_id, position)
);
CREATE INDEX ecf_documents_sha256_idx ON ecf_documents(sha256);

CREATE TABLE ecf_catalogue_entries (
    case_file_id TEXT NOT NULL REFERENCES case_files(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT,
    entry_date DATE,
    from_page INTEGER NOT NULL,
    to_page INTEGER NOT NULL,
    PRIMARY KEY (case_file_id, seq)
);

-- The bureau-editable list of document kinds (文书种类), with the words of a catalogue title
-- that suggest each ('|'-separated).
CREATE TABLE ecf_document_kinds (
    name TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    keywords TEXT NOT NULL
);

INSERT INTO ecf_document_kinds (name, position, keywords) VALUES
    ('法律援助申请表', 1, '申请表|申请书'),
    ('指派通知书', 2, '指派|通知书'),
    ('委托协议', 3, '委托协议|委托合同'),
    ('授权委托书', 4, '授权委托|委托书'),
    ('会见笔录', 5, '会见'),
    ('阅卷笔录', 6, '阅卷'),
    ('调查取证材料', 7, '调查|取证'),
    ('辩护词/代理词', 8, '辩护词|代理词|辩护意见|代理意见'),
    ('判决书/裁定书', 9, '判决|裁定|调解书'),
    ('送达回证', 10, '送达'),
    ('结案报告', 11, '结案'),
    ('回访记录', 12, '回访');
