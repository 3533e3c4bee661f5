-- Videos made by the simulator's fast mode (platform/media/synthetic-videos.ts): rows that share the
-- media of a transcoded template video. Flagged so they are never mistaken for, or mixed with, uploads.
ALTER TABLE videos ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
