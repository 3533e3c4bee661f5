-- Authors edit a video's caption, hashtags and privacy (PATCH /api/v1/videos/:id); the feed's catalogue
-- refresh picks the edit up by this time, as it picks up new and deleted videos by theirs.
ALTER TABLE videos ADD COLUMN updated_at BIGINT;
CREATE INDEX IF NOT EXISTS videos_updated ON videos (updated_at);
