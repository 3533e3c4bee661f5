-- The serve log's retention deletes what was served before a time, every few seconds: without an index
-- on served_at alone (served_items_user_served leads with user_id) each pass scanned the whole table,
-- features included, after its last batch.
CREATE INDEX IF NOT EXISTS served_items_served ON served_items (served_at);
