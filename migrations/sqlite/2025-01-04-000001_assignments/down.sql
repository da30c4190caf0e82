DROP TABLE assignment_versions;
