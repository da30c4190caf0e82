DROP TABLE reconciliations;
DROP TABLE score_sheets;
