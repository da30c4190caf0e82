-- Team leaders approve their team's results (组长审核确认) once every file of the team has a
-- final score; approval is recorded once per team and round, with who approved and when.
CREATE TABLE team_approvals (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES review_rounds(id) ON DELETE CASCADE,
    team_number INTEGER NOT NULL,
    files INTEGER NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, team_number)
);
