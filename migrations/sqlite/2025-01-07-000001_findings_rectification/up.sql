-- Findings (问题) and rectification (整改): the problems a round found, one notice per
-- inspected unit and round, the bureau's document-number sequence, the history of every
-- move, the unit's measures and evidence, and in-app notifications.

-- The bureau's own settings for notices: one row, edited by the administrator.
CREATE TABLE bureau_settings (
    id TEXT PRIMARY KEY NOT NULL CHECK (id = 'bureau'),
    bureau_name TEXT NOT NULL,
    doc_prefix TEXT NOT NULL,
    contact TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO bureau_settings (id, bureau_name, doc_prefix, contact, updated_at, updated_by)
VALUES ('bureau', '银川市司法局', '银司法评', '', CURRENT_TIMESTAMP, 'migration');

-- Per prefix (bureau) and year: the last serial given out. Bumped with one
-- INSERT ... ON CONFLICT DO UPDATE ... RETURNING inside the issuing transaction.
CREATE TABLE doc_number_sequences (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    item_code TEXT NOT NULL,
    item_text TEXT NOT NULL,
    handler_name TEXT NOT NULL,
    law_firm_name TEXT,
    points_tenths INTEGER NOT NULL,
    reason TEXT NOT NULL,
    page_ref TEXT,
    source TEXT NOT NULL CHECK (source IN ('deduction', 'veto', 'added_by_team_leader', 'added_by_admin')),
    severity TEXT NOT NULL CHECK (severity IN ('minor', 'serious')),
    -- Derived findings: file and item (or veto), so generating again adds nothing twice.
    origin_key TEXT,
    state TEXT NOT NULL CHECK (state IN ('draft', 'issued', 'in_progress', 'submitted', 'verified', 'returned')),
    measures TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, origin_key)
);
CREATE INDEX findings_unit_idx ON findings(round_id, unit_id);

CREATE TABLE rectification_notices (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL REFERENCES units(id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'issued', 'in_progress', 'submitted', 'verified', 'returned')),
    doc_number TEXT UNIQUE,
    doc_prefix TEXT,
    doc_year INTEGER,
    doc_serial INTEGER,
    issued_on DATE,
    deadline DATE,
    days INTEGER NOT NULL,
    report TEXT NOT NULL,
    follow_up_round_id TEXT REFERENCES review_rounds(id),
    follow_up_note TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, unit_id),
    UNIQUE (doc_prefix, doc_year, doc_serial)
);

-- Which findings a notice carries; a finding is on at most one notice.
CREATE TABLE notice_findings (
    notice_id TEXT NOT NULL REFERENCES rectification_notices(id) ON DELETE CASCADE,
    finding_id TEXT NOT NULL UNIQUE REFERENCES findings(id) ON DELETE CASCADE,
    reasons TEXT NOT NULL,
    PRIMARY KEY (notice_id, finding_id)
);

CREATE TABLE rectification_transitions (
    id TEXT PRIMARY KEY NOT NULL,
    notice_id TEXT NOT NULL REFERENCES rectification_notices(id) ON DELETE CASCADE,
    finding_id TEXT REFERENCES findings(id) ON DELETE CASCADE,
    subject TEXT NOT NULL CHECK (subject IN ('notice', 'finding')),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_user_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    comment TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX rectification_transitions_notice_idx ON rectification_transitions(notice_id, at);

-- Evidence the unit uploads for a finding. The bytes live in the database so that every
-- server sharing it serves the same files.
CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    notice_id TEXT NOT NULL REFERENCES rectification_notices(id) ON DELETE CASCADE,
    unit_id TEXT NOT NULL REFERENCES units(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_files_finding_idx ON evidence_files(finding_id);

-- Stored events for one user; deadlines are computed when the list is read, not stored.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    notice_id TEXT NOT NULL REFERENCES rectification_notices(id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_user_idx ON notifications(user_id, created_at);
