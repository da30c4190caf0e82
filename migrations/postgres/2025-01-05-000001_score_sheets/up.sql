-- Score sheets (评分表, one per file and reviewer) and reconciliations (合议, one per file).
-- A sheet refers to the rubric snapshot it was scored against; `version` is bumped on every
-- save so that a stale form is refused instead of overwriting newer answers.
CREATE TABLE score_sheets (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    reviewer_id TEXT NOT NULL REFERENCES people(id),
    rubric_hash TEXT NOT NULL REFERENCES rubric_snapshots(content_hash),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'reopened', 'reconciled')),
    version BIGINT NOT NULL,
    answers_json TEXT NOT NULL,
    total_tenths INTEGER,
    grade TEXT,
    leader_comment TEXT,
    reopen_reason TEXT,
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, case_file_id, reviewer_id)
);
CREATE INDEX score_sheets_reviewer_idx ON score_sheets(reviewer_id, round_id);

CREATE TABLE reconciliations (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    final_total_tenths INTEGER,
    final_grade TEXT NOT NULL,
    vetoed BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    participants_json TEXT NOT NULL,
    trigger_reasons_json TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, case_file_id)
);
