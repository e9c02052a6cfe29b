-- Node configuration (sysinv): address pools, platform and data networks, host interfaces (their
-- ports, lower interfaces and networks), and whether a NUMA node can hold 1G huge pages.

-- Address pools. `subnet` holds network and prefix together (cidr: host bits must be zero); two
-- pools never overlap (StarlingX allocates each address from exactly one pool).
CREATE TABLE address_pools (
  id                  bigserial NOT NULL UNIQUE,
  uuid                uuid PRIMARY KEY,
  name                text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
  subnet              cidr NOT NULL,
  "order"             text NOT NULL DEFAULT 'random' CHECK ("order" IN ('random', 'sequential')),
  ranges              jsonb NOT NULL,       -- [[start, end], ...], sorted, inside the subnet
  floating_address    inet,
  controller0_address inet,
  controller1_address inet,
  gateway_address     inet,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz,
  CHECK (masklen(subnet) >= 1),
  EXCLUDE USING gist (subnet inet_ops WITH &&)
);

-- Networks: one per platform type (mgmt, oam, ...), any number of data networks.
CREATE TABLE networks (
  id          bigserial NOT NULL UNIQUE,
  uuid        uuid PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
  type        text NOT NULL CHECK (type IN ('mgmt', 'pxeboot', 'oam', 'cluster-host', 'cluster-pod', 'cluster-service',
                                            'storage', 'admin', 'multicast', 'data')),
  dynamic     boolean NOT NULL DEFAULT true,
  pool_uuid   uuid UNIQUE REFERENCES address_pools(uuid),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz,
  CHECK (type = 'data' OR pool_uuid IS NOT NULL)
);
CREATE UNIQUE INDEX networks_one_per_platform_type ON networks (type) WHERE type <> 'data';

-- Interfaces of a host. ifclass NULL is StarlingX's "none".
CREATE TABLE interfaces (
  id               bigserial NOT NULL UNIQUE,
  uuid             uuid PRIMARY KEY,
  host_uuid        uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  ifname           text NOT NULL CHECK (length(ifname) BETWEEN 1 AND 15),
  iftype           text NOT NULL CHECK (iftype IN ('ethernet', 'vlan', 'ae', 'vf')),
  ifclass          text CHECK (ifclass IN ('platform', 'data', 'pci-sriov', 'pci-passthrough')),
  imtu             integer NOT NULL DEFAULT 1500 CHECK (imtu BETWEEN 576 AND 9216),
  aemode           text CHECK (aemode IN ('active_standby', 'balanced', '802.3ad')),
  txhashpolicy     text CHECK (txhashpolicy IN ('layer2', 'layer2+3', 'layer3+4')),
  vlan_id          integer CHECK (vlan_id BETWEEN 1 AND 4094),
  sriov_numvfs     integer CHECK (sriov_numvfs >= 0),
  sriov_vf_driver  text CHECK (sriov_vf_driver IN ('netdevice', 'vfio')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz,
  UNIQUE (host_uuid, ifname),
  CHECK ((iftype = 'vlan') = (vlan_id IS NOT NULL)),
  CHECK ((iftype = 'ae') = (aemode IS NOT NULL))
);

-- An interface's lower interfaces (VLAN: one; AE: its members; VF: its SR-IOV interface). A lower
-- interface cannot be deleted while an upper one uses it; the check waits for the commit, so a
-- host's deletion, which cascades to both, still works (checked at statement end it fails).
CREATE TABLE interface_uses (
  interface_uuid  uuid NOT NULL REFERENCES interfaces(uuid) ON DELETE CASCADE,
  lower_uuid      uuid NOT NULL REFERENCES interfaces(uuid) DEFERRABLE INITIALLY DEFERRED,
  PRIMARY KEY (interface_uuid, lower_uuid),
  CHECK (interface_uuid <> lower_uuid)
);
CREATE INDEX interface_uses_lower ON interface_uses (lower_uuid);

CREATE TABLE interface_networks (
  interface_uuid  uuid NOT NULL REFERENCES interfaces(uuid) ON DELETE CASCADE,
  network_uuid    uuid NOT NULL REFERENCES networks(uuid),
  PRIMARY KEY (interface_uuid, network_uuid)
);
CREATE INDEX interface_networks_network ON interface_networks (network_uuid);

-- A port belongs to one interface at most (StarlingX's port.interface_id).
ALTER TABLE ethernet_ports ADD COLUMN interface_uuid uuid REFERENCES interfaces(uuid) ON DELETE SET NULL;
CREATE INDEX ethernet_ports_interface ON ethernet_ports (interface_uuid);

-- The processor supports 1G pages (StarlingX's vm_hugepages_use_1G, from the CPU's pdpe1gb flag or
-- the kernel's hugepages-1048576kB folder); reported by the agent.
ALTER TABLE imemorys ADD COLUMN "vm_hugepages_use_1G" boolean NOT NULL DEFAULT false;
