// The availability audit (and the sync it runs) split into shards, each a lease through the
// database: every system-controller process (the controllers and `starling dc-worker`s sharing
// one database) runs an auditor and audits the shards it holds; the shard leases balance the
// shards between the live processes (ShardLeases), so PostgreSQL is the only coordinator.

import type { Logger } from '../common/log.ts';
import { ShardLeases } from '../runtime/index.ts';
import { SubcloudAuditor, type AuditDeps, type AuditOptions } from './reconciler.ts';

export interface ShardedAudit {
  auditor: SubcloudAuditor;
  leases: ShardLeases;
  /** Makes the first lease step (resolved once made); the shards follow. */
  start(): Promise<void>;
  /** Gives every shard up (its audits finish first) and stops. */
  stop(): Promise<void>;
}

export function shardedAudit(
  deps: AuditDeps & { databaseUrl: string },
  o: AuditOptions & { shards: number; leaseIntervalMs?: number },
  log: Logger,
): ShardedAudit {
  const auditor = new SubcloudAuditor(deps, o);
  const leases = new ShardLeases('dcmanager-audit-shard', deps.databaseUrl, log, {
    count: o.shards,
    onAcquire: (shard) => auditor.addShard(shard),
    onLose: (shard) => auditor.removeShard(shard),
    ...(o.leaseIntervalMs === undefined ? {} : { intervalMs: o.leaseIntervalMs }),
  });
  return {
    auditor,
    leases,
    start: async () => {
      await auditor.start();
      await leases.start();
    },
    stop: async () => {
      await leases.stop();
      await auditor.stop();
    },
  };
}
