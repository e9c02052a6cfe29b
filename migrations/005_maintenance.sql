-- Maintenance (mtce): where each host answers heartbeat, and the one workflow (an operator's
-- action or an automatic recovery) each host may have in progress.

CREATE TABLE host_hb_endpoints (
  host_uuid  uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  network    text NOT NULL CHECK (network IN ('mgmt', 'cluster-host', 'oam')),
  address    inet NOT NULL,
  port       integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  PRIMARY KEY (host_uuid, network)
);

CREATE TABLE host_workflows (
  host_uuid        uuid PRIMARY KEY REFERENCES ihosts(uuid) ON DELETE CASCADE,
  kind             text NOT NULL CHECK (kind IN ('lock', 'force-lock', 'unlock', 'force-unlock', 'reboot', 'reset',
                                                 'power-on', 'power-off', 'reinstall', 'recovery')),
  step             text NOT NULL,
  attempt          integer NOT NULL DEFAULT 0,
  started_at       timestamptz NOT NULL,
  step_started_at  timestamptz NOT NULL,
  pending          text,
  reason           text
);
