DROP INDEX score_sheets_results_idx;
