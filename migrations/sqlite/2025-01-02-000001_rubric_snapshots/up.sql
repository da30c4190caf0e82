-- Rubric snapshots: the exact text of every rubric version ever loaded or uploaded, keyed by
-- the SHA-256 of that text. Rounds and scores refer to a snapshot, never to a file, so editing
-- or deleting a file changes nothing already scored.
CREATE TABLE rubric_snapshots (
    content_hash TEXT PRIMARY KEY NOT NULL,
    rubric_id TEXT NOT NULL,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('deduction', 'indicator')),
    case_types TEXT NOT NULL,
    file_name TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('file', 'upload')),
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX rubric_snapshots_rubric_idx ON rubric_snapshots(rubric_id, created_at);
