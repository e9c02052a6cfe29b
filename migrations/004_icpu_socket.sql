-- A CPU's socket (physical package): core ids repeat across the sockets of one NUMA node.
ALTER TABLE icpus ADD COLUMN socket integer NOT NULL DEFAULT 0;
