-- Addresses given to hosts from the pools (sysinv's addresses): one per host and dynamic platform
-- network, on the interface that carries the network. Released when the interface leaves the
-- network or goes; an address is held by one host at a time.
CREATE TABLE addresses (
  id              bigserial NOT NULL UNIQUE,
  uuid            uuid PRIMARY KEY,
  host_uuid       uuid NOT NULL REFERENCES ihosts(uuid) ON DELETE CASCADE,
  interface_uuid  uuid NOT NULL REFERENCES interfaces(uuid) ON DELETE CASCADE,
  network_uuid    uuid NOT NULL REFERENCES networks(uuid),
  pool_uuid       uuid NOT NULL REFERENCES address_pools(uuid),
  address         inet NOT NULL,
  prefix          integer NOT NULL,
  name            text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz,
  UNIQUE (pool_uuid, address),
  UNIQUE (host_uuid, network_uuid)
);
CREATE INDEX addresses_interface ON addresses (interface_uuid);
