-- Every summary and the trend view read each round's submitted sheets' totals and grades. A
-- sheet's row holds its answers (often on overflow pages) before those columns; this index
-- holds everything those reads need, so they never touch the rows.
CREATE INDEX score_sheets_results_idx
    ON score_sheets (round_id, state, case_file_id, reviewer_id, total_tenths, grade);
