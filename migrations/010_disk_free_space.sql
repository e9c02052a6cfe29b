-- What the agent finds on each disk (sysinv-agent's idisk available_mib): the space free after the
-- partitions already there (0: the disk is used whole, e.g. a mounted filesystem or a
-- device-mapper device on it), and the highest number of those partitions. NULL: not reported
-- (the disk counts as empty). Partitions the operator adds go after them.
ALTER TABLE idisks ADD COLUMN available_mib bigint CHECK (available_mib >= 0);
ALTER TABLE idisks ADD COLUMN last_partition integer CHECK (last_partition >= 0);
