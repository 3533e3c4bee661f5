-- The feed's catalogue refresh asks every few seconds for what changed since its last read:
-- videos newly processed or deleted, and counters flushed. Without these it scanned whole tables.
CREATE INDEX IF NOT EXISTS videos_processed ON videos (processed_at);
CREATE INDEX IF NOT EXISTS videos_deleted ON videos (deleted_at);
CREATE INDEX IF NOT EXISTS video_counters_updated ON video_counters (updated_at);
