-- sysinv's NUMA nodes (inodes): each host's memory row stands for its node, and carries the
-- node's own uuid (inode_uuid), which memory rows and GET /v1/inodes/{uuid} use.
ALTER TABLE imemorys ADD COLUMN inode_uuid uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX imemorys_inode_uuid ON imemorys (inode_uuid);
