-- Login lockout (Keystone's security_compliance): consecutive failed logins per user, the time of
-- the last one, and the users exempt from lockout (Keystone's ignore_lockout_failure_attempts,
-- which StarlingX sets for admin and its service users).

ALTER TABLE users
  ADD COLUMN failed_auth_count integer NOT NULL DEFAULT 0 CHECK (failed_auth_count >= 0),
  ADD COLUMN failed_auth_at timestamptz,
  ADD COLUMN ignore_lockout_failure_attempts boolean NOT NULL DEFAULT false;

UPDATE users SET ignore_lockout_failure_attempts = true
 WHERE domain_id = 'default' AND name IN ('admin', 'starling-agent');
