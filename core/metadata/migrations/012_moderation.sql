-- Safety and moderation (domain/moderation): reports, one case per reported target, the audit of every
-- moderator action, one appeal per case, a video's moderation label and a user's ban, and notifications.
-- videos.moderation: 'none'; 'held' (past the report threshold, kept from recommendation pending review);
-- 'limited' (kept out of For You and trending); 'removed' (hidden everywhere by domain/access.ts).
ALTER TABLE videos ADD COLUMN moderation TEXT NOT NULL DEFAULT 'none';
ALTER TABLE users ADD COLUMN banned_at BIGINT;

CREATE TABLE IF NOT EXISTS moderation_cases (
  id TEXT PRIMARY KEY,
  target_type TEXT NOT NULL CHECK (target_type IN ('video', 'comment', 'user')),
  target_id TEXT NOT NULL,
  -- The creator who is told the outcome and may appeal: the video's or comment's author, or the user.
  owner_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'actioned', 'dismissed')),
  report_count INTEGER NOT NULL DEFAULT 0,
  -- Sum of the reporters' trust and the target's reach when last reported (domain/moderation/risk.ts).
  trust_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
  reach BIGINT NOT NULL DEFAULT 0,
  risk DOUBLE PRECISION NOT NULL DEFAULT 0,
  decision TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  decided_at BIGINT,
  UNIQUE (target_type, target_id)
);
CREATE INDEX IF NOT EXISTS moderation_cases_queue ON moderation_cases (status, risk);
CREATE INDEX IF NOT EXISTS moderation_cases_owner ON moderation_cases (owner_id);

-- One report per reporter and target: a second report of the same target is a no-op.
CREATE TABLE IF NOT EXISTS reports (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  reporter_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  trust DOUBLE PRECISION NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (reporter_id, target_type, target_id)
);
CREATE INDEX IF NOT EXISTS reports_case ON reports (case_id);

-- The audit trail: who did what to which case, when and why. Rows are never updated or deleted.
CREATE TABLE IF NOT EXISTS moderation_actions (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  moderator_id TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS moderation_actions_case ON moderation_actions (case_id, created_at);

-- One appeal per case (the primary key), by the case's owner.
CREATE TABLE IF NOT EXISTS appeals (
  case_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'reversed')),
  created_at BIGINT NOT NULL,
  decided_at BIGINT
);
CREATE INDEX IF NOT EXISTS appeals_status ON appeals (status, created_at);

CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  actor_id TEXT,
  video_id TEXT,
  comment_id TEXT,
  case_id TEXT,
  data TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications (user_id, id);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (user_id, read_at);
