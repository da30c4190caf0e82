DROP TABLE notifications;
DROP TABLE evidence_files;
DROP TABLE rectification_transitions;
DROP TABLE notice_findings;
DROP TABLE rectification_notices;
DROP TABLE findings;
DROP TABLE doc_number_sequences;
DROP TABLE bureau_settings;
