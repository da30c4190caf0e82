-- Objections (异议/申辩) to deductions and vetoes, a round's objection and borderline
-- second-review settings, the round's named objection panel, the files sent to a second
-- reviewer for being near a grade boundary, and notifications that point at an objection.

-- Per round; a round without a row uses the defaults (5 working days, no borderline review).
CREATE TABLE round_objection_settings (
    round_id TEXT PRIMARY KEY NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    objection_days INTEGER NOT NULL CHECK (objection_days BETWEEN 1 AND 60),
    borderline_review BOOLEAN NOT NULL,
    borderline_tenths INTEGER NOT NULL CHECK (borderline_tenths BETWEEN 0 AND 200),
    -- The day the round entered 反馈整改: the objection window counts from it.
    feedback_on DATE
);

-- A panel named for the round; when empty the team leader and the administrators decide.
CREATE TABLE round_panel_members (
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, user_id)
);

CREATE TABLE objections (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    finding_id TEXT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('deduction', 'veto')),
    item_code TEXT NOT NULL,
    item_text TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'upheld', 'changed', 'withdrawn')),
    reason TEXT NOT NULL,
    old_points_tenths INTEGER NOT NULL,
    new_points_tenths INTEGER,
    decision_reason TEXT,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    evidence_name TEXT,
    evidence_type TEXT,
    evidence_size BIGINT,
    evidence_sha256 TEXT,
    evidence_content BLOB
);
-- One objection per item (a decided one is final).
CREATE UNIQUE INDEX objections_finding_idx ON objections(finding_id);
CREATE INDEX objections_round_idx ON objections(round_id, unit_id);

-- Files sent to an extra reviewer for lying near a grade boundary (or failing), or the
-- reason nobody could be found.
CREATE TABLE borderline_reviews (
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    case_file_id TEXT NOT NULL REFERENCES case_files(id),
    reason TEXT NOT NULL,
    reviewer_id TEXT,
    problem TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, case_file_id)
);

-- Notifications may point at an objection instead of a notice (rebuilt: SQLite cannot drop
-- NOT NULL).
CREATE TABLE notifications_copy AS SELECT * FROM notifications;
DROP TABLE notifications;
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    notice_id TEXT REFERENCES rectification_notices(id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    objection_id TEXT REFERENCES objections(id) ON DELETE CASCADE
);
INSERT INTO notifications (id, user_id, kind, notice_id, message, created_at, read_at)
    SELECT id, user_id, kind, notice_id, message, created_at, read_at FROM notifications_copy;
DROP TABLE notifications_copy;
CREATE INDEX notifications_user_idx ON notifications(user_id, created_at);
