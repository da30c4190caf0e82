DROP TABLE rubric_snapshots;
