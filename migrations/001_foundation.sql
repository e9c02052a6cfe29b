-- Foundation: identity (Keystone v3 subset), tokens, the audit log and the system record.

CREATE TABLE domains (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  domain_id   text NOT NULL REFERENCES domains(id),
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_id, name)
);

CREATE TABLE users (
  id                  text PRIMARY KEY,
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  domain_id           text NOT NULL REFERENCES domains(id),
  password_hash       text NOT NULL,
  enabled             boolean NOT NULL DEFAULT true,
  default_project_id  text REFERENCES projects(id) ON DELETE SET NULL,
  email               text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_id, name)
);

CREATE TABLE roles (
  id    text PRIMARY KEY,
  name  text NOT NULL UNIQUE
);

CREATE TABLE role_assignments (
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id  text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  role_id     text NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, project_id, role_id)
);

-- Tokens are opaque random strings; only their SHA-256 is kept.
CREATE TABLE tokens (
  digest      text PRIMARY KEY,
  audit_id    text NOT NULL,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id  text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CHECK (expires_at > issued_at)
);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE INDEX tokens_user ON tokens (user_id);

-- Every mutating API call and every CLI command. Not foreign-keyed: entries outlive users.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL CHECK (kind IN ('api', 'cli')),
  user_id       text,
  user_name     text,
  project_id    text,
  project_name  text,
  method        text,
  path          text,
  command       text,
  target        text,
  status        integer NOT NULL,
  source        text,
  request_id    text,
  duration_ms   double precision
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_name, id);

-- The one system record (sysinv's isystem).
CREATE TABLE isystem (
  uuid                   uuid PRIMARY KEY,
  singleton              boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  name                   text NOT NULL,
  system_type            text NOT NULL CHECK (system_type IN ('All-in-one', 'Standard')),
  system_mode            text NOT NULL CHECK (system_mode IN ('simplex', 'duplex', 'duplex-direct')),
  description            text NOT NULL DEFAULT '',
  location               text NOT NULL DEFAULT '',
  contact                text NOT NULL DEFAULT '',
  software_version       text NOT NULL,
  timezone               text NOT NULL DEFAULT 'UTC',
  region_name            text NOT NULL DEFAULT 'RegionOne',
  distributed_cloud_role text CHECK (distributed_cloud_role IN ('systemcontroller', 'subcloud')),
  capabilities           jsonb NOT NULL DEFAULT '{}',
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz
);
