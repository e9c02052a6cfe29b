// The controller process: database (embedded or external), migrations, first-start bootstrap,
// the API server with every service's routes, and the background loops. start → handle → stop.

import path from 'node:path';
import { existsSync } from 'node:fs';
import type https from 'node:https';
import { systemClock, type Clock } from '../common/clock.ts';
import type { ControllerConfig } from '../common/config.ts';
import type { Logger } from '../common/log.ts';
import {
  Db,
  Listener,
  embeddedUrl,
  freePort,
  migrate,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../db/index.ts';
import { Lease } from '../runtime/index.ts';
import { buildServer, type App } from '../api/server.ts';
import { dashboardRoutes } from '../api/dashboard.ts';
import { swapServerCertificate } from '../api/tls.ts';
import type { ServiceEntry } from '../api/catalog.ts';
import {
  IDENTITY_SERVICE,
  IdentityService,
  SERVICES_PROJECT,
  adminBootstrap,
  discoveryRoutes,
  identityRoutes,
  identitySyncRoutes,
} from '../identity/index.ts';
import { AuditService, auditRoutes } from '../audit/index.ts';
import {
  HostService,
  InterfaceService,
  InventoryService,
  PLATFORM_SERVICE,
  StorageService,
  hostRoutes,
  interfaceRoutes,
  inventoryRoutes,
  dnsNtpRoutes,
  platformSyncRoutes,
  storageRoutes,
  registerSysinvFields,
} from '../inventory/index.ts';
import { sealer } from '../common/sealed.ts';
import { AgentRegistry, agentLinkRoutes } from '../agentlink/index.ts';
import {
  FAULT_SERVICE,
  FaultNotifier,
  FaultService,
  SnmpTrapSender,
  TRAPDEST_CHANNEL,
  faultRoutes,
  loadCatalog,
  trapDestRoutes,
} from '../fault/index.ts';
import { MAINTENANCE_DEFAULTS, MaintenanceEngine, maintenanceRoutes, siteHeartbeatKey } from '../maintenance/index.ts';
import { DCMANAGER_SERVICE, DcManagerService, SubcloudClient, centralSyncs, dcmanagerRoutes, shardedAudit } from '../dcmanager/index.ts';
import { loadSecrets, lockDataDir, prepareDataDir } from './data-dir.ts';
import { CERTIFICATE_CHANNEL, CertificateExpiryMonitor, CertificateService, apiNames, certificateRoutes, ensureSiteTls } from '../certificates/index.ts';
import { startStorageMonitor, type StorageMonitor } from './storage-monitor.ts';
import { AGENT_USER } from '../common/version.ts';

export interface Controller {
  /** https://host:port of the API (http:// with --insecure-http). */
  url: string;
  /** The site CA's certificate file the API's certificate chains to (OS_CACERT, the agents'
   *  --controller-ca); undefined for plain HTTP or an operator's certificate given without it. */
  caFile: string | undefined;
  app: App;
  db: Db;
  identity: IdentityService;
  fault: FaultService;
  /** Set on the first start when STARLING_ADMIN_PASSWORD was not given. */
  generatedAdminPassword: string | undefined;
  agentPassword: string;
  /** Milliseconds from start() to answering requests. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface ControllerDeps {
  log: Logger;
  clock?: Clock;
}

/** The catalog: every service this controller serves, under StarlingX's service types. */
export const SERVICES: readonly ServiceEntry[] = [IDENTITY_SERVICE, PLATFORM_SERVICE, FAULT_SERVICE];

export async function startController(config: ControllerConfig, deps: ControllerDeps): Promise<Controller> {
  const started = performance.now();
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const cleanups: (() => Promise<void>)[] = [];
  const mark = (step: string): void =>
    log.debug({ step, ms: Math.round(performance.now() - started) }, 'start-up step');
  const stopAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log.error({ err: e }, 'error during shutdown');
      }
    }
    cleanups.length = 0;
  };

  try {
    await prepareDataDir(config.dataDir);
    cleanups.push(await lockDataDir(config.dataDir));
    const secrets = await loadSecrets(config.dataDir);
    mark('data folder');

    // A new embedded folder means a first start: hash the admin password in the thread pool
    // while initdb runs, instead of after it (saves ~200 ms of the start-up).
    const pgDir = path.join(config.dataDir, 'pg');
    const firstStart = config.databaseUrl === undefined && !existsSync(path.join(pgDir, 'PG_VERSION'));
    // Password hashes are not computed while initdb runs: on 2 cores they slow initdb more than
    // they save (measured: initdb 1.1 s alone, 2.4 s beside two scrypt hashes).
    const admin = adminBootstrap(config.adminPassword, false);

    // The embedded server starts (or is created: initdb ~1 s) on a port chosen now, while this
    // thread builds the API and compiles its schemas (~300 ms): the two overlap.
    let embedded: EmbeddedPostgres | undefined;
    let embeddedStart: Promise<EmbeddedPostgres> | undefined;
    let url = config.databaseUrl;
    if (url === undefined) {
      const pgPort = await freePort();
      url = embeddedUrl(pgPort, secrets.postgres_password);
      embeddedStart = startEmbeddedPostgres(pgDir, secrets.postgres_password, log, pgPort);
      // Registered at once, so a failure further on still stops a server that did start.
      cleanups.push(async () => (await embeddedStart!.catch(() => undefined))?.stop());
    }
    const db = new Db(url);
    cleanups.push(() => db.close());
    // The API's certificate: made on a first start (two RSA keys in the thread pool and two
    // signatures: 0.3 s idle, 2 s on a loaded 2-core machine, measured), beside PostgreSQL's start
    // and the routes' compilation; the server takes it just before listening. Real time, not the
    // injected clock: real clients check it against theirs.
    const siteTlsReady = config.tls.insecureHttp ? undefined : ensureSiteTls(config.dataDir, { names: apiNames(config.bind), now: new Date() });
    // Never left unobserved (a failure is thrown where it is awaited).
    siteTlsReady?.catch(() => undefined);

    const audit = new AuditService(db);
    const inventory = new InventoryService(db, clock);
    const agents = new AgentRegistry();
    const eventsDb = new Db(url, 6, true);
    cleanups.push(() => eventsDb.close());
    const fault = new FaultService(
      db,
      clock,
      loadCatalog(),
      { maxCount: config.eventLogMaxCount, maxAgeSeconds: config.eventLogMaxAgeDays * 86_400 },
      eventsDb,
    );
    const identity = new IdentityService(db, clock, config.tokenTtlSeconds, {
      lockout: {
        failureAttempts: config.login.lockoutFailureAttempts,
        durationSeconds: config.login.lockoutDurationSeconds,
      },
      sourcePolicy: {
        failures: config.login.sourceFailures,
        initialDelaySeconds: 1,
        maxDelaySeconds: config.login.sourceMaxDelaySeconds,
        forgetAfterSeconds: Math.max(1800, config.login.sourceMaxDelaySeconds),
      },
      events: fault,
      log: log.child({ module: 'identity' }),
    });
    const listener = new Listener(url, log);
    cleanups.push(() => listener.close());
    const faultNotifier = new FaultNotifier(listener, log);
    const sealing = sealer(secrets.secrets_key);
    const m = config.maintenance;
    const maintenance = new MaintenanceEngine(
      {
        db,
        clock,
        log: log.child({ module: 'maintenance' }),
        alarms: fault,
        agents,
        sealer: sealing,
        siteKey: siteHeartbeatKey(secrets.secrets_key),
        controllerName: 'controller',
        heartbeatBind: config.bind,
      },
      {
        heartbeatPeriodMs: m.heartbeatPeriodMs,
        thresholds: {
          degrade: m.heartbeatDegradeThreshold,
          failure: m.heartbeatFailureThreshold,
          mnfaThreshold: m.mnfaThreshold,
          mnfaTimeoutMs: m.mnfaTimeoutSeconds * 1000,
        },
        timers: {
          ackTimeoutMs: 2_000,
          bootTimeoutMs: m.bootTimeoutSeconds * 1000,
          bmcResetDelayMs: m.bmcResetDelaySeconds * 1000,
          maxRecoveryAttempts: m.recoveryAttempts,
        },
        redfishScheme: m.redfishScheme,
        bmcTimeoutMs: 10_000,
        sensorPeriodMs: m.sensorPeriodSeconds * 1000,
        resyncPeriodMs: MAINTENANCE_DEFAULTS.resyncPeriodMs,
      },
    );
    const hosts = new HostService(db, clock, sealing, fault, log, {
      startAction: (q, uuid, action, task) => maintenance.startAction(q, uuid, action, task),
      saveHeartbeatEndpoints: (q, uuid, endpoints) => maintenance.saveEndpoints(q, uuid, endpoints),
      hostsChanged: (uuids) => maintenance.hostsChanged(uuids),
    });
    const snmpTraps = new SnmpTrapSender(db, faultNotifier, log);
    // The server certificate every controller serves is the installed one (the certificates
    // table); a change is swapped in at once here and, through NOTIFY, in the other processes.
    // Connections already open keep the certificate they were accepted with.
    let swapCertificate: () => Promise<void> = async () => undefined;
    const certificates = new CertificateService(db, clock, sealing, async (certtype) => {
      if (certtype === 'ssl') await swapCertificate();
      expiry.changed();
    });
    // Alarms 500.200/500.210 for every installed certificate (started once the API answers).
    const expiry = new CertificateExpiryMonitor(
      { certificates: () => certificates.watched(), alarms: fault, clock, log: log.child({ module: 'certificates' }) },
      { warningDays: config.tls.expiryWarningDays, periodMs: config.tls.checkSeconds * 1000 },
    );

    const leases: Lease[] = [];
    /** Sharded leases' held shards, by name. */
    const heldLeases: (() => string[])[] = [];
    // Assigned once the database is up; /health reads it (undefined until then).
    // eslint-disable-next-line prefer-const
    let storage: StorageMonitor | undefined;
    // Health checks have a connection of their own: a pool busy with writes must not make the
    // database look unreachable.
    const healthDb = new Db(url, 1);
    cleanups.push(() => healthDb.close());
    const app = buildServer({
      log,
      leases: () => [...leases.filter((l) => l.held).map((l) => l.name), ...heldLeases.flatMap((f) => f())],
      databaseReachable: () => healthDb.ping(1000),
      healthDetails: () => ({
        ...(embedded === undefined ? {} : { database_server: { kind: 'embedded', state: embedded.state(), restarts: embedded.restarts() } }),
        ...(storage === undefined ? {} : { storage: storage.status() }),
      }),
      validateToken: (t) => identity.validate(t),
      audit: (e) => audit.recordApiCall(e),
      ...(siteTlsReady === undefined ? {} : { tls: {} }),
    });
    // A system controller also serves dcmanager (StarlingX runs it there only).
    const systemController = config.distributedCloudRole === 'systemcontroller';
    const services = systemController ? [...SERVICES, DCMANAGER_SERVICE] : SERVICES;
    identityRoutes(app, identity, { catalog: () => services, region: config.region });
    // The web dashboard (dist/dashboard, made by the build): its assets, and its page at `/`
    // for browsers (API clients get Keystone's version document there).
    const dashboardPage = dashboardRoutes(app);
    discoveryRoutes(app, identity, { catalog: () => services, region: config.region, page: dashboardPage });
    // Every site can be a subcloud: its identity can be read and set by a system controller.
    identitySyncRoutes(app, identity);
    platformSyncRoutes(app, inventory);
    auditRoutes(app, audit);
    registerSysinvFields(app);
    inventoryRoutes(app, inventory);
    dnsNtpRoutes(app, inventory);
    hostRoutes(app, hosts);
    interfaceRoutes(app, new InterfaceService(db, clock));
    storageRoutes(app, new StorageService(db, clock));
    agentLinkRoutes(app, agents, {
      lookupHost: (hostname) => hosts.find(hostname),
      agent: { user: AGENT_USER, project: SERVICES_PROJECT },
    });
    faultRoutes(app, fault, faultNotifier);
    trapDestRoutes(app, db, snmpTraps);
    maintenanceRoutes(app, maintenance);
    certificateRoutes(app, certificates);
    const dcmanager = systemController
      ? new DcManagerService(db, clock, sealing, fault, { region: config.region, summary: () => fault.summary(false) })
      : undefined;
    if (dcmanager) dcmanagerRoutes(app, dcmanager);
    app.addHook('onClose', async () => agents.closeAll());
    cleanups.push(() => app.close());
    const compiled = app.ready().then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );

    if (embeddedStart) embedded = await embeddedStart;
    mark('database server');
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    mark('migrations');

    const { generatedAdminPassword } = await identity.bootstrap(admin);
    await inventory.bootstrapSystem(config.region, config.distributedCloudRole);
    await fault.bootstrap();
    await faultNotifier.start();
    // Identity changes made by other controller processes empty this one's token cache.
    await identity.watch(listener);
    // One controller process among those sharing the database sends the traps (the lease holder).
    const trapLease = new Lease('snmp-traps', url, log, {
      onAcquire: () => snmpTraps.start(),
      onLose: () => snmpTraps.stop(),
    });
    await listener.on(TRAPDEST_CHANNEL, () => void snmpTraps.reload());
    // Its first try runs beside the rest of the start (a connection of its own: ~10 ms).
    void trapLease.start();
    leases.push(trapLease);
    cleanups.push(() => trapLease.stop());
    mark('bootstrap');
    // The agents' user is made (first start) or checked just after the API is up — at once on a
    // first start, 3 s later otherwise — so its ~200 ms password hash or check does not hold up
    // the start; agents retry their login until it is there.
    const ensureAgentUser = (): Promise<void> =>
      identity.ensureServiceUser(AGENT_USER, secrets.agent_password).catch((e: unknown) => {
        log.error({ err: e }, `could not set up the ${AGENT_USER} service user`);
      });
    let agentUserReady: Promise<void> = Promise.resolve();
    const agentUserTimer = setTimeout(() => (agentUserReady = ensureAgentUser()), firstStart ? 0 : 3000);
    agentUserTimer.unref();
    cleanups.push(async () => {
      clearTimeout(agentUserTimer);
      await agentUserReady;
    });

    const compileError = await compiled;
    if (compileError !== undefined) throw compileError;
    mark('routes compiled');
    const siteTls = await siteTlsReady;
    if (siteTls) {
      if (siteTls.generated) log.info({ ca: siteTls.caFile }, 'site CA and API server certificate made');
      // A new site's certificate and CA become the installed ones; an installed one wins over the folder's.
      await certificates.bootstrap(siteTls);
      const server = app.server as unknown as https.Server;
      swapCertificate = async () => {
        const installed = await certificates.serverCertificate();
        if (installed === undefined) return;
        swapServerCertificate(server, installed);
        log.info('API server certificate in use: the installed one');
      };
      swapServerCertificate(server, (await certificates.serverCertificate()) ?? { cert: siteTls.cert, key: siteTls.key });
      await listener.on(CERTIFICATE_CHANNEL, (certtype) => {
        expiry.changed();
        if (certtype === 'ssl') swapCertificate().catch((e: unknown) => log.error({ err: e }, 'could not swap the API server certificate'));
      });
      mark('tls');
    }
    await app.listen({ host: config.bind, port: config.port });
    // The data folder's storage: alarm 100.104 at its thresholds; with the embedded server there,
    // a connection lost while it is full is reported as STORAGE_FULL. Started once the API
    // answers: its first check writes (an alarm clear), which must not slow the start-up.
    storage = startStorageMonitor({
      folder: config.dataDir,
      hostname: 'controller',
      thresholds: { major: config.storage.majorPercent, critical: config.storage.criticalPercent },
      periodMs: config.storage.checkSeconds * 1000,
      alarms: fault,
      log,
    });
    const monitor = storage;
    cleanups.push(async () => monitor.stop());
    expiry.start();
    cleanups.push(() => expiry.stop());
    if (embedded) {
      db.storageFull = () => monitor.full();
      eventsDb.storageFull = () => monitor.full();
    }
    // Maintenance starts once the API answers (its worker thread and first reads cost ~100 ms of
    // a start-up an operator waits for); hosts are only pulsed once their agents connect anyway.
    const maintenanceStarted = maintenance
      .start()
      .catch((e: unknown) => log.error({ err: e }, 'maintenance did not start'));
    cleanups.push(async () => {
      await maintenanceStarted;
      await maintenance.stop();
    });
    // The subcloud availability audit: a system controller's, started once the API answers, split
    // into shards leased through the database; this process audits its share of them (all when it
    // is alone), and the others take them over within a second or so when it dies.
    if (dcmanager) {
      const d = config.dcloud;
      const subclouds = new SubcloudClient();
      const audit = shardedAudit(
        {
          databaseUrl: url,
          service: dcmanager,
          probe: subclouds.probe,
          alarms: fault,
          log: log.child({ module: 'dcmanager-audit' }),
          syncs: centralSyncs({ identity, platform: inventory, client: subclouds }),
        },
        { intervalMs: d.auditIntervalSeconds * 1000, timeoutMs: d.auditTimeoutSeconds * 1000, concurrency: d.auditConcurrency, offlineThreshold: d.offlineThreshold, shards: d.auditShards },
        log,
      );
      void audit.start();
      heldLeases.push(() => audit.leases.heldNames());
      cleanups.push(() => audit.stop());
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
    // A wildcard bind is reached here through loopback: 0.0.0.0 is no address a client (the local
    // agent, the openrc) can dial, nor a name on the certificate.
    const dial = config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind === '::' ? '::1' : config.bind;
    const host = dial.includes(':') ? `[${dial}]` : dial;

    const purge = setInterval(() => {
      identity.purgeExpiredTokens().catch((e: unknown) => log.warn({ err: e }, 'token purge failed'));
    }, 3_600_000);
    purge.unref();
    // Event log retention: checked every minute (and once now).
    const retention = (): void => {
      fault.purgeEvents().then(
        (n) => n > 0 && log.info({ dropped: n }, 'event log retention applied'),
        (e: unknown) => log.warn({ err: e }, 'event log retention failed'),
      );
    };
    retention();
    const retentionTimer = setInterval(retention, 60_000);
    retentionTimer.unref();
    cleanups.push(async () => {
      clearInterval(purge);
      clearInterval(retentionTimer);
    });

    const startupMs = performance.now() - started;
    const apiUrl = `${siteTls === undefined ? 'http' : 'https'}://${host}:${port}`;
    log.info(
      {
        url: apiUrl,
        ms: Math.round(startupMs),
        database: embedded ? 'embedded' : 'external',
      },
      'controller ready',
    );
    return {
      url: apiUrl,
      caFile: siteTls?.caFile,
      app,
      db,
      identity,
      fault,
      generatedAdminPassword,
      agentPassword: secrets.agent_password,
      startupMs,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
