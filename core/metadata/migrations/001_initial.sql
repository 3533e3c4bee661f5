-- The initial schema. SQL common to SQLite and PostgreSQL: TEXT ids made by newId(), BIGINT epoch-ms
-- times, INTEGER 0/1 booleans, JSON kept as TEXT. Soft deletes (deleted_at) keep rows that engagement
-- and training logs still point at, so there are no foreign keys: the domain layer owns integrity.

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  handle TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  bio TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
-- UNIQUE (handle) is the index for look-ups by handle.

CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);

CREATE TABLE IF NOT EXISTS videos (
  id TEXT PRIMARY KEY,
  author_id TEXT NOT NULL,
  caption TEXT NOT NULL DEFAULT '',
  hashtags TEXT NOT NULL DEFAULT '[]',
  music_id TEXT,
  privacy TEXT NOT NULL DEFAULT 'public' CHECK (privacy IN ('public', 'private', 'friends')),
  status TEXT NOT NULL DEFAULT 'uploading' CHECK (status IN ('uploading', 'processing', 'ready', 'failed')),
  failure_code TEXT,
  failure_detail TEXT,
  duration_ms INTEGER,
  width INTEGER,
  height INTEGER,
  source_key TEXT,
  renditions TEXT NOT NULL DEFAULT '[]',
  poster_key TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  processed_at BIGINT,
  deleted_at BIGINT
);
CREATE INDEX IF NOT EXISTS videos_author_created ON videos (author_id, created_at);
CREATE INDEX IF NOT EXISTS videos_status_created ON videos (status, created_at);
CREATE INDEX IF NOT EXISTS videos_created ON videos (created_at);

CREATE TABLE IF NOT EXISTS video_hashtags (
  video_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (video_id, tag)
);
CREATE INDEX IF NOT EXISTS video_hashtags_tag ON video_hashtags (tag);

CREATE TABLE IF NOT EXISTS follows (
  follower_id TEXT NOT NULL,
  followee_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX IF NOT EXISTS follows_followee ON follows (followee_id);

CREATE TABLE IF NOT EXISTS likes (
  user_id TEXT NOT NULL,
  video_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, video_id)
);
CREATE INDEX IF NOT EXISTS likes_video ON likes (video_id);

CREATE TABLE IF NOT EXISTS comments (
  id TEXT PRIMARY KEY,
  video_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  parent_id TEXT,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX IF NOT EXISTS comments_video_created ON comments (video_id, created_at);
CREATE INDEX IF NOT EXISTS comments_parent ON comments (parent_id);

CREATE TABLE IF NOT EXISTS shares (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  video_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_video ON shares (video_id);

-- One row per (viewer, video, hour): the primary key is what deduplicates counted views.
CREATE TABLE IF NOT EXISTS views (
  user_key TEXT NOT NULL,
  video_id TEXT NOT NULL,
  hour_bucket BIGINT NOT NULL,
  watch_ms BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_key, video_id, hour_bucket)
);

CREATE TABLE IF NOT EXISTS video_counters (
  video_id TEXT PRIMARY KEY,
  views BIGINT NOT NULL DEFAULT 0,
  likes BIGINT NOT NULL DEFAULT 0,
  comments BIGINT NOT NULL DEFAULT 0,
  shares BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS blocks (
  user_id TEXT NOT NULL,
  blocked_user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, blocked_user_id)
);

CREATE TABLE IF NOT EXISTS not_interested (
  user_id TEXT NOT NULL,
  video_id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, video_id)
);

CREATE TABLE IF NOT EXISTS user_interests (
  user_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, tag)
);

CREATE TABLE IF NOT EXISTS transcode_progress (
  video_id TEXT NOT NULL,
  rung TEXT NOT NULL,
  status TEXT NOT NULL,
  output_key TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (video_id, rung)
);

CREATE TABLE IF NOT EXISTS models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT 'candidate' CHECK (stage IN ('candidate', 'production', 'archived')),
  artifact_prefix TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  metrics TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  promoted_at BIGINT,
  UNIQUE (name, version)
);
CREATE INDEX IF NOT EXISTS models_name_stage ON models (name, stage);

-- A stored response per idempotency key, so a retried write replays instead of repeating.
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);

CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_created ON dead_letters (created_at);

-- Every served feed position with the versions and features that produced it, for replay and training.
CREATE TABLE IF NOT EXISTS served_items (
  request_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  video_id TEXT NOT NULL,
  model_version TEXT NOT NULL,
  index_version TEXT NOT NULL,
  propensity DOUBLE PRECISION,
  features TEXT NOT NULL DEFAULT '{}',
  served_at BIGINT NOT NULL,
  PRIMARY KEY (request_id, position)
);
CREATE INDEX IF NOT EXISTS served_items_user_served ON served_items (user_id, served_at);
