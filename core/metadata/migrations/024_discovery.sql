-- Discovery and profiles (platform/discovery, platform/engagement/profile-lists.service.ts).
-- Search over captions and hashtags: an FTS5 index kept in step with `videos` by triggers on SQLite, a
-- GIN index over the same text's tsvector on PostgreSQL (the expression search.postgres.ts queries).
-- Neither folds diacritics, so both backends match the same words.
-- sqlite: CREATE VIRTUAL TABLE IF NOT EXISTS videos_fts USING fts5(caption, hashtags, content='videos', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');
-- sqlite: CREATE TRIGGER IF NOT EXISTS videos_fts_insert AFTER INSERT ON videos BEGIN
-- sqlite:   INSERT INTO videos_fts (rowid, caption, hashtags) VALUES (new.rowid, new.caption, new.hashtags);
-- sqlite: END;
-- sqlite: CREATE TRIGGER IF NOT EXISTS videos_fts_update AFTER UPDATE OF caption, hashtags ON videos BEGIN
-- sqlite:   INSERT INTO videos_fts (videos_fts, rowid, caption, hashtags) VALUES ('delete', old.rowid, old.caption, old.hashtags);
-- sqlite:   INSERT INTO videos_fts (rowid, caption, hashtags) VALUES (new.rowid, new.caption, new.hashtags);
-- sqlite: END;
-- sqlite: CREATE TRIGGER IF NOT EXISTS videos_fts_delete AFTER DELETE ON videos BEGIN
-- sqlite:   INSERT INTO videos_fts (videos_fts, rowid, caption, hashtags) VALUES ('delete', old.rowid, old.caption, old.hashtags);
-- sqlite: END;
-- sqlite: INSERT INTO videos_fts (videos_fts) VALUES ('rebuild');
-- postgres: CREATE INDEX IF NOT EXISTS videos_search ON videos USING GIN (to_tsvector('simple'::regconfig, caption || ' ' || hashtags));
-- Handle prefixes (user search): SQLite reads a range of the UNIQUE (handle) index; PostgreSQL's LIKE needs pattern ops.
-- postgres: CREATE INDEX IF NOT EXISTS users_handle_prefix ON users (handle text_pattern_ops);

-- Who may comment on a video (domain/comment-setting.ts).
ALTER TABLE videos ADD COLUMN comment_setting TEXT NOT NULL DEFAULT 'everyone' CHECK (comment_setting IN ('everyone', 'followers', 'off'));
-- Whether a user's liked videos are listed to others (private by default).
ALTER TABLE users ADD COLUMN likes_public INTEGER NOT NULL DEFAULT 0;
-- Profile lists, newest first: liked videos, followers, following.
CREATE INDEX IF NOT EXISTS likes_user_created ON likes (user_id, created_at);
CREATE INDEX IF NOT EXISTS follows_follower_created ON follows (follower_id, created_at);
CREATE INDEX IF NOT EXISTS follows_followee_created ON follows (followee_id, created_at);
