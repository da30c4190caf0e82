-- Review rounds, the case registry imported from units' 案件台账, pending imports awaiting
-- confirmation, and the sampling plan, candidate list and frozen sample of each round.

CREATE TABLE review_rounds (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sampling', 'teaming', 'reviewing', 'feedback', 'closed')),
    combine_rule TEXT NOT NULL CHECK (combine_rule IN ('average', 'escalate')),
    escalate_gap_tenths INTEGER NOT NULL CHECK (escalate_gap_tenths >= 0),
    review_deadline DATE,
    rectification_days INTEGER NOT NULL CHECK (rectification_days > 0),
    blind BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (period_start <= period_end)
);

CREATE TABLE round_rubrics (
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_type TEXT NOT NULL CHECK (case_type IN ('criminal', 'civil', 'administrative')),
    content_hash TEXT NOT NULL REFERENCES rubric_snapshots(content_hash),
    PRIMARY KEY (round_id, case_type)
);

CREATE TABLE case_files (
    id TEXT PRIMARY KEY NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    case_no TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_id_no TEXT,
    recipient_phone TEXT,
    handler TEXT NOT NULL,
    firm TEXT NOT NULL,
    case_type TEXT NOT NULL CHECK (case_type IN ('criminal', 'civil', 'administrative')),
    sub_type TEXT,
    cause TEXT NOT NULL,
    applied_at DATE,
    assigned_at DATE,
    closed_at DATE NOT NULL,
    archived_at DATE,
    terminated BOOLEAN NOT NULL,
    guilty_plea BOOLEAN NOT NULL,
    notified_defense BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (unit_id, case_no)
);
CREATE INDEX case_files_closed_idx ON case_files(closed_at);

CREATE TABLE pending_imports (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cases', 'people', 'units')),
    round_id TEXT REFERENCES review_rounds(id) ON DELETE CASCADE,
    default_unit_id TEXT REFERENCES units(id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE sampling_plans (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    plan_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE samples (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    seed TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    proof_json TEXT NOT NULL,
    frozen_at TIMESTAMP NOT NULL,
    frozen_by TEXT NOT NULL
);

CREATE TABLE sample_candidates (
    round_id TEXT NOT NULL REFERENCES samples(round_id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    PRIMARY KEY (round_id, case_file_id)
);

CREATE TABLE sample_picks (
    round_id TEXT NOT NULL REFERENCES samples(round_id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    stratum TEXT NOT NULL,
    designated BOOLEAN NOT NULL,
    PRIMARY KEY (round_id, case_file_id)
);
