-- Review-side notifications (files assigned, a 合议 waiting, a sheet returned, a second
-- review added, a review deadline near or passed): the page they open, and a key that makes
-- an event notify each user once however often it is looked for.
ALTER TABLE notifications ADD COLUMN link TEXT;
ALTER TABLE notifications ADD COLUMN once_key TEXT;
CREATE UNIQUE INDEX notifications_once_idx ON notifications(user_id, once_key);
