-- Counter changes written in the transaction of the like, unlike, comment or share they count (an outbox):
-- applied to the cache counters once each (a marker per row) right after the commit and then deleted; the
-- counter flush applies the rows a process killed between its commit and its cache increment left behind.
CREATE TABLE IF NOT EXISTS counter_outbox (
  id TEXT PRIMARY KEY,
  video_id TEXT NOT NULL,
  deltas TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS counter_outbox_created ON counter_outbox (created_at);
