-- The look-alike skeleton of each handle, as handleSkeleton in platform/api/auth/handles.ts computes it:
-- lower case, dots and underscores removed, rn to m, vv to w, 1 and i to l, 0 to o, 5 to s.
-- Registration refuses a handle whose skeleton exists. Not unique: older accounts may already share one.
ALTER TABLE users ADD COLUMN handle_skeleton TEXT;
UPDATE users SET handle_skeleton = replace(replace(replace(replace(replace(replace(replace(replace(lower(handle), '.', ''), '_', ''), 'rn', 'm'), 'vv', 'w'), '1', 'l'), 'i', 'l'), '0', 'o'), '5', 's');
CREATE INDEX IF NOT EXISTS users_handle_skeleton ON users (handle_skeleton);
