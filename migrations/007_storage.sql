-- Host storage configuration (sysinv): disk partitions, LVM volume groups (ilvgs) and physical
-- volumes (ipvs), and storage functions (istors: disks given to Ceph as OSDs).

-- The disk's WWN, as the agent reports it (StarlingX's device_wwn).
ALTER TABLE idisks ADD COLUMN device_wwn text;
-- Lets the tables below say "a disk of the same host" with one foreign key.
ALTER TABLE idisks ADD CONSTRAINT idisks_uuid_host UNIQUE (uuid, host_uuid);

-- Partitions made by the operator (StarlingX lists only these: type LVM Physical Volume). A disk's
-- partitions follow each other from its first MiB; only the last one grows or goes, so `number`
-- is also the order on the disk. A disk that disappears from the agent's report takes its
-- partitions, and what uses them, with it.
CREATE TABLE partitions (
  id           bigserial NOT NULL UNIQUE,
  uuid         uuid PRIMARY KEY,
  host_uuid    uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  idisk_uuid   uuid NOT NULL,
  number       integer NOT NULL CHECK (number >= 1),
  device_node  text NOT NULL,
  device_path  text,
  start_mib    bigint NOT NULL CHECK (start_mib >= 1),
  end_mib      bigint NOT NULL,
  size_mib     bigint NOT NULL CHECK (size_mib > 0),
  type_guid    uuid NOT NULL,
  type_name    text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz,
  FOREIGN KEY (idisk_uuid, host_uuid) REFERENCES idisks(uuid, host_uuid) ON DELETE CASCADE,
  UNIQUE (idisk_uuid, number),
  UNIQUE (uuid, host_uuid),
  CHECK (end_mib = start_mib + size_mib)
);
CREATE INDEX partitions_host ON partitions (host_uuid);

-- Volume groups: StarlingX's cgts-vg (platform) and nova-local (worker local storage), one each
-- per host.
CREATE TABLE ilvgs (
  id           bigserial NOT NULL UNIQUE,
  uuid         uuid PRIMARY KEY,
  host_uuid    uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  lvm_vg_name  text NOT NULL CHECK (lvm_vg_name IN ('cgts-vg', 'nova-local')),
  vg_state     text NOT NULL DEFAULT 'adding' CHECK (vg_state IN ('adding', 'provisioned', 'removing')),
  capabilities jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz,
  UNIQUE (host_uuid, lvm_vg_name),
  UNIQUE (uuid, host_uuid)
);

-- Physical volumes: a whole disk or a partition of the same host, each used once, in a volume
-- group of the same host. Deleting the group deletes its physical volumes (StarlingX does so).
CREATE TABLE ipvs (
  id              bigserial NOT NULL UNIQUE,
  uuid            uuid PRIMARY KEY,
  host_uuid       uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  ilvg_uuid       uuid NOT NULL,
  idisk_uuid      uuid UNIQUE,
  partition_uuid  uuid UNIQUE,
  pv_state        text NOT NULL DEFAULT 'adding' CHECK (pv_state IN ('adding', 'provisioned', 'removing')),
  capabilities    jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz,
  FOREIGN KEY (ilvg_uuid, host_uuid) REFERENCES ilvgs(uuid, host_uuid) ON DELETE CASCADE,
  FOREIGN KEY (idisk_uuid, host_uuid) REFERENCES idisks(uuid, host_uuid) ON DELETE CASCADE,
  FOREIGN KEY (partition_uuid, host_uuid) REFERENCES partitions(uuid, host_uuid) ON DELETE CASCADE,
  CHECK ((idisk_uuid IS NULL) <> (partition_uuid IS NULL))
);
CREATE INDEX ipvs_host ON ipvs (host_uuid);
CREATE INDEX ipvs_lvg ON ipvs (ilvg_uuid);

-- Storage functions: a whole disk of the host given to Ceph as an OSD. OSD ids are unique in the
-- cluster (Ceph hands out the lowest free one).
CREATE TABLE istors (
  id                bigserial NOT NULL UNIQUE,
  uuid              uuid PRIMARY KEY,
  host_uuid         uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  idisk_uuid        uuid NOT NULL UNIQUE,
  function          text NOT NULL DEFAULT 'osd' CHECK (function IN ('osd')),
  osdid             integer UNIQUE CHECK (osdid >= 0),
  state             text NOT NULL DEFAULT 'configuring-on-unlock',
  capabilities      jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz,
  FOREIGN KEY (idisk_uuid, host_uuid) REFERENCES idisks(uuid, host_uuid) ON DELETE CASCADE,
  CHECK (function <> 'osd' OR osdid IS NOT NULL)
);
CREATE INDEX istors_host ON istors (host_uuid);
