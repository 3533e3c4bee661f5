-- Private accounts (domain/access.ts): a private user's videos, grid, likes and people lists are seen by
-- approved followers only; a follow of a private account waits in `follow_requests` until the owner
-- approves it (then it becomes a row of `follows`) or denies it.
ALTER TABLE users ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
-- The author's account privacy copied onto each video, so every read of a video row (the feed's catalogue
-- and live check, the media origin, search and lists) has what the access rule needs without a join.
-- Written only by accountPrivacyRepo.set, in the same transaction as users.private.
ALTER TABLE videos ADD COLUMN author_private INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS follow_requests (
  requester_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (requester_id, target_id)
);
CREATE INDEX IF NOT EXISTS follow_requests_target ON follow_requests (target_id, created_at);
