// The runtime engines run on: backoff, time as a port, the reconciler contract, the keyed work queue,
// and leases (which one controller process runs an engine).

export { nextBackoff, type BackoffOptions } from './backoff.ts';
export { ManualScheduler, realScheduler, type Cancel, type Scheduler } from './scheduler.ts';
export { done, requeueAfter, retry, terminal, type ReconcileResult, type Reconciler } from './reconciler.ts';
export { WorkQueue, type WorkQueueOptions, type WorkQueueStats } from './work-queue.ts';
export { Lease, LEASES, SHARDED_LEASES, ShardLeases, type LeaseName, type LeaseOptions, type ShardLeaseOptions, type ShardedLeaseName } from './lease.ts';
export { GroupCommit, type GroupCommitOptions } from './group-commit.ts';
