// `starling dc-worker`: a system-controller worker process with no API. It shares the system
// controller's database and runs the subcloud audit (and the sync it makes) for its share of the
// audit's shards: the shard leases split them between it and the controller processes, and each
// takes over the others' shards when they stop. It needs the system controller's secrets (its
// data folder, or a copy of its secrets.json) to open the subclouds' admin passwords.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ControllerConfig } from '../common/config.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import { StarlingError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { sealer } from '../common/sealed.ts';
import { Db, embeddedUrl } from '../db/index.ts';
import { DcManagerService, SubcloudClient, shardedAudit, type ShardedAudit } from '../dcmanager/index.ts';
import { FaultService, loadCatalog } from '../fault/index.ts';
import { IdentityService } from '../identity/index.ts';
import { loadSecrets } from './data-dir.ts';

export interface DcWorker {
  audit: ShardedAudit;
  /** Where its database is (external, or the controller's embedded server). */
  database: 'external' | 'embedded';
  stop(): Promise<void>;
}

/** The URL of the embedded server a controller runs in `dataDir` (its port from postmaster.pid). */
export async function embeddedServerUrl(dataDir: string, password: string): Promise<string> {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  let text: string;
  try {
    text = await fs.readFile(pidFile, 'utf8');
  } catch {
    throw new StarlingError(
      'CONFIG_INVALID',
      `no embedded database server runs in ${dataDir}: start the system controller there first, or set STARLING_DATABASE_URL`,
      { field: 'STARLING_DATABASE_URL' },
    );
  }
  const port = Number(text.split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) throw new StarlingError('CONFIG_INVALID', `${pidFile} names no port`, { field: pidFile });
  return embeddedUrl(port, password);
}

export async function startDcWorker(config: ControllerConfig, deps: { log: Logger; clock?: Clock }): Promise<DcWorker> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const secretsFile = path.join(config.dataDir, 'secrets.json');
  try {
    await fs.access(secretsFile);
  } catch {
    throw new StarlingError(
      'CONFIG_INVALID',
      `${secretsFile} not found: give the system controller's data folder (--data-dir), or a folder with a copy of its secrets.json`,
      { field: '--data-dir' },
    );
  }
  const secrets = await loadSecrets(config.dataDir);
  const url = config.databaseUrl ?? (await embeddedServerUrl(config.dataDir, secrets.postgres_password));
  const db = new Db(url);
  try {
    const ok = (await db.query<{ t: string | null }>("SELECT to_regclass('subclouds')::text AS t")).rows[0]?.t;
    if (!ok) throw new StarlingError('CONFIG_INVALID', 'the database holds no system controller (no subclouds table): start the system controller first', { field: 'STARLING_DATABASE_URL' });
  } catch (e) {
    await db.close();
    throw e;
  }
  const fault = new FaultService(db, clock, loadCatalog(), { maxCount: config.eventLogMaxCount, maxAgeSeconds: config.eventLogMaxAgeDays * 86_400 });
  const identity = new IdentityService(db, clock, config.tokenTtlSeconds);
  const service = new DcManagerService(db, clock, sealer(secrets.secrets_key), fault);
  const subclouds = new SubcloudClient();
  const d = config.dcloud;
  const audit = shardedAudit(
    {
      databaseUrl: url,
      service,
      probe: subclouds.probe,
      alarms: fault,
      log: log.child({ module: 'dcmanager-audit' }),
      sync: { central: () => identity.exportSnapshot([]), client: subclouds },
    },
    { intervalMs: d.auditIntervalSeconds * 1000, timeoutMs: d.auditTimeoutSeconds * 1000, concurrency: d.auditConcurrency, offlineThreshold: d.offlineThreshold, shards: d.auditShards },
    log,
  );
  await audit.start();
  return {
    audit,
    database: config.databaseUrl ? 'external' : 'embedded',
    stop: async () => {
      await audit.stop();
      await db.close();
    },
  };
}
