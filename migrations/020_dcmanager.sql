-- Distributed cloud (StarlingX's dcmanager): subcloud groups, subclouds, each subcloud's sync
-- status per endpoint type, and its alarm summary as the audit last saw it.

-- Groups: StarlingX's group 1 is `Default` (parallel, 2 at a time) and always exists.
CREATE TABLE subcloud_groups (
  id                      serial PRIMARY KEY,
  name                    text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 254),
  description             text NOT NULL CHECK (length(description) BETWEEN 1 AND 254),
  update_apply_type       text NOT NULL CHECK (update_apply_type IN ('parallel', 'serial')),
  max_parallel_subclouds  integer NOT NULL CHECK (max_parallel_subclouds BETWEEN 1 AND 500),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz
);
INSERT INTO subcloud_groups (id, name, description, update_apply_type, max_parallel_subclouds)
  VALUES (1, 'Default', 'Default Subcloud Group', 'parallel', 2);
SELECT setval('subcloud_groups_id_seq', 1);

-- Subclouds. Two subclouds' management subnets never overlap (an exclusion constraint, so two
-- concurrent adds cannot both pass the check). The subcloud's admin password is sealed with the
-- site key, like BMC passwords.
CREATE TABLE subclouds (
  id                          serial PRIMARY KEY,
  name                        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
  description                 text,
  location                    text,
  software_version            text NOT NULL,
  management_state            text NOT NULL DEFAULT 'unmanaged' CHECK (management_state IN ('managed', 'unmanaged')),
  availability_status         text NOT NULL DEFAULT 'offline' CHECK (availability_status IN ('online', 'offline')),
  deploy_status               text NOT NULL,
  backup_status               text,
  backup_datetime             timestamptz,
  error_description           text NOT NULL DEFAULT 'No errors present',
  region_name                 text NOT NULL UNIQUE,
  management_subnet           cidr NOT NULL,
  management_start_ip         inet NOT NULL,
  management_end_ip           inet NOT NULL,
  management_gateway_ip       inet NOT NULL,
  systemcontroller_gateway_ip inet NOT NULL,
  group_id                    integer NOT NULL DEFAULT 1 REFERENCES subcloud_groups(id),
  prestage_status             text,
  prestage_versions           text,
  bootstrap_address           text NOT NULL,
  admin_username              text NOT NULL,
  admin_project               text NOT NULL,
  admin_password_sealed       text NOT NULL,
  -- The availability audit: consecutive failures, when it last finished, and why the last failed.
  audit_fail_count            integer NOT NULL DEFAULT 0,
  last_audit_at               timestamptz,
  last_audit_error            text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz,
  EXCLUDE USING gist (management_subnet inet_ops WITH &&)
);
CREATE INDEX subclouds_group ON subclouds (group_id);

-- Sync status per endpoint type (dcmanager's subcloud_status).
CREATE TABLE subcloud_status (
  subcloud_id    integer NOT NULL REFERENCES subclouds(id) ON DELETE CASCADE,
  endpoint_type  text NOT NULL,
  sync_status    text NOT NULL DEFAULT 'unknown' CHECK (sync_status IN ('in-sync', 'out-of-sync', 'unknown')),
  updated_at     timestamptz,
  PRIMARY KEY (subcloud_id, endpoint_type)
);

-- The subcloud's alarm counts as the last audit read them (dcmanager's subcloud_alarms);
-- -1 = unknown (the subcloud is offline), shown as '-'.
CREATE TABLE subcloud_alarms (
  subcloud_id      integer PRIMARY KEY REFERENCES subclouds(id) ON DELETE CASCADE,
  critical_alarms  integer NOT NULL DEFAULT -1,
  major_alarms     integer NOT NULL DEFAULT -1,
  minor_alarms     integer NOT NULL DEFAULT -1,
  warnings         integer NOT NULL DEFAULT -1,
  cloud_status     text NOT NULL DEFAULT 'disabled' CHECK (cloud_status IN ('OK', 'degraded', 'critical', 'disabled')),
  updated_at       timestamptz
);
