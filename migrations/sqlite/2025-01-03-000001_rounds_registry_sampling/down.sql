DROP TABLE sample_picks;
DROP TABLE sample_candidates;
DROP TABLE samples;
DROP TABLE sampling_plans;
DROP TABLE pending_imports;
DROP TABLE case_files;
DROP TABLE round_rubrics;
DROP TABLE review_rounds;
