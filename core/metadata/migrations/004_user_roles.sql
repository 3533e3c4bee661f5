-- Roles for operator and moderation routes. Every account is a 'user'; an operator grants 'moderator' or
-- 'admin' (ADMIN_HANDLES at start-up and registration, or `npm run users -- set-role <handle> <role>`).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin'));
