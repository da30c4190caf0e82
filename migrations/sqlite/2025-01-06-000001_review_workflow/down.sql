DROP TABLE team_approvals;
