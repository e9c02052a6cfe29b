-- Inventory (sysinv): hosts and what their agents discovered, labels.

CREATE TABLE ihosts (
  id                bigserial NOT NULL UNIQUE,
  uuid              uuid PRIMARY KEY,
  hostname          text UNIQUE CHECK (hostname ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  personality       text CHECK (personality IN ('controller', 'worker', 'storage')),
  subfunctions      text,
  invprovision      text NOT NULL DEFAULT 'unprovisioned' CHECK (invprovision IN ('unprovisioned', 'provisioning', 'provisioned')),
  administrative    text NOT NULL DEFAULT 'locked' CHECK (administrative IN ('locked', 'unlocked')),
  operational       text NOT NULL DEFAULT 'disabled' CHECK (operational IN ('enabled', 'disabled')),
  availability      text NOT NULL DEFAULT 'offline' CHECK (availability IN
                      ('not-installed', 'available', 'degraded', 'failed', 'intest', 'power-off', 'offline', 'online', 'offduty')),
  task              text,
  action            text NOT NULL DEFAULT 'none',
  mgmt_mac          macaddr UNIQUE,
  mgmt_ip           inet,
  bm_type           text NOT NULL DEFAULT 'none' CHECK (bm_type IN ('none', 'ipmi', 'redfish', 'dynamic')),
  bm_ip             text,
  bm_username       text,
  bm_password_enc   text,                 -- AES-256-GCM with the site's key; never returned
  boot_device       text NOT NULL DEFAULT '/dev/sda',
  rootfs_device     text NOT NULL DEFAULT '/dev/sda',
  install_output    text NOT NULL DEFAULT 'text' CHECK (install_output IN ('text', 'graphical')),
  console           text NOT NULL DEFAULT 'ttyS0,115200',
  location          jsonb NOT NULL DEFAULT '{}',
  capabilities      jsonb NOT NULL DEFAULT '{}',
  inv_state         text,
  config_status     text,
  sw_version        text,
  uptime            integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz,
  CHECK (personality IS NULL OR hostname IS NOT NULL)
);
CREATE INDEX ihosts_personality ON ihosts (personality, hostname);

CREATE TABLE icpus (
  uuid               uuid PRIMARY KEY,
  host_uuid          uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  cpu                integer NOT NULL,
  core               integer NOT NULL,
  thread             integer NOT NULL,
  numa_node          integer NOT NULL,
  cpu_family         text,
  cpu_model          text,
  allocated_function text NOT NULL DEFAULT 'Application'
                       CHECK (allocated_function IN ('Platform', 'Vswitch', 'Shared', 'Application', 'Application-isolated', 'None')),
  UNIQUE (host_uuid, cpu)
);

CREATE TABLE imemorys (
  uuid                  uuid PRIMARY KEY,
  host_uuid             uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  numa_node             integer NOT NULL,
  memtotal_mib          integer NOT NULL,
  memavail_mib          integer NOT NULL,
  platform_reserved_mib integer,
  hugepages_configured  boolean NOT NULL DEFAULT false,
  "vm_hugepages_nr_2M"    integer NOT NULL DEFAULT 0,
  "vm_hugepages_avail_2M" integer NOT NULL DEFAULT 0,
  "vm_hugepages_nr_1G"    integer NOT NULL DEFAULT 0,
  "vm_hugepages_avail_1G" integer NOT NULL DEFAULT 0,
  "vm_hugepages_nr_2M_pending" integer,
  "vm_hugepages_nr_1G_pending" integer,
  UNIQUE (host_uuid, numa_node)
);

CREATE TABLE ethernet_ports (
  uuid           uuid PRIMARY KEY,
  host_uuid      uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  name           text NOT NULL,
  mac            macaddr,
  mtu            integer,
  speed          integer,
  link_mode      text,
  pciaddr        text,
  driver         text,
  numa_node      integer,
  pvendor        text,
  pdevice        text,
  sriov_totalvfs integer,
  sriov_numvfs   integer,
  UNIQUE (host_uuid, name)
);

CREATE TABLE idisks (
  uuid         uuid PRIMARY KEY,
  host_uuid    uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  device_node  text NOT NULL,
  device_path  text,
  device_type  text,
  size_mib     bigint NOT NULL,
  serial_id    text,
  model        text,
  UNIQUE (host_uuid, device_node)
);

CREATE TABLE pci_devices (
  uuid           uuid PRIMARY KEY,
  host_uuid      uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  pciaddr        text NOT NULL,
  pclass_id      text,
  pclass         text,
  pvendor_id     text,
  pdevice_id     text,
  psvendor       text,
  psdevice       text,
  numa_node      integer,
  driver         text,
  sriov_totalvfs integer,
  kind           text,
  enabled        boolean NOT NULL DEFAULT true,
  UNIQUE (host_uuid, pciaddr)
);

CREATE TABLE labels (
  uuid         uuid PRIMARY KEY,
  host_uuid    uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  label_key    text NOT NULL CHECK (label_key ~ '^[A-Za-z0-9]([A-Za-z0-9._/-]{0,251}[A-Za-z0-9])?$'),
  label_value  text NOT NULL CHECK (length(label_value) <= 63),
  UNIQUE (host_uuid, label_key)
);
