-- Cross-check team assignments: every generated or changed assignment is a version; the
-- problem it was solved from is kept with it, so explanations and quality can be recomputed
-- and a published version can be restored.
CREATE TABLE assignment_versions (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    seed TEXT NOT NULL,
    problem_json TEXT NOT NULL,
    assignment_json TEXT NOT NULL,
    quality_json TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    published_at TIMESTAMP,
    published_by TEXT,
    UNIQUE (round_id, version)
);
