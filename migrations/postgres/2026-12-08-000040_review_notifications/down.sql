DROP INDEX notifications_once_idx;
ALTER TABLE notifications DROP COLUMN once_key;
ALTER TABLE notifications DROP COLUMN link;
