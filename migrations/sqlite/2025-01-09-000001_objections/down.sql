CREATE TABLE notifications_copy AS SELECT * FROM notifications WHERE notice_id IS NOT NULL;
DROP TABLE notifications;
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    notice_id TEXT NOT NULL REFERENCES rectification_notices(id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
INSERT INTO notifications (id, user_id, kind, notice_id, message, created_at, read_at)
    SELECT id, user_id, kind, notice_id, message, created_at, read_at FROM notifications_copy;
DROP TABLE notifications_copy;
CREATE INDEX notifications_user_idx ON notifications(user_id, created_at);
DROP TABLE borderline_reviews;
DROP TABLE objections;
DROP TABLE round_panel_members;
DROP TABLE round_objection_settings;
