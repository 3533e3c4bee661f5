-- The learning loop's audit trail: every gate decision, promotion, canary verdict and rollback of a
-- registered model version, with who or what made it and why (the registry's lineage beside `models`).
CREATE TABLE IF NOT EXISTS model_decisions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '{}',
  at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS model_decisions_name_at ON model_decisions (name, at);
