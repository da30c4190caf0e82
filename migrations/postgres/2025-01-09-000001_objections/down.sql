DELETE FROM notifications WHERE notice_id IS NULL;
ALTER TABLE notifications DROP COLUMN objection_id;
ALTER TABLE notifications ALTER COLUMN notice_id SET NOT NULL;
DROP TABLE borderline_reviews;
DROP TABLE objections;
DROP TABLE round_panel_members;
DROP TABLE round_objection_settings;
