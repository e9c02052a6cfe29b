// Configuration: one schema per process kind, parsed once at start from defaults, flags and
// STARLING_* / OS_* environment variables. This is the only module that reads process.env.

import path from 'node:path';
import { isIP } from 'node:net';
import { StarlingError } from './errors.ts';

export type Env = Record<string, string | undefined>;

export interface ControllerConfig {
  /** Folder holding the embedded database, secrets and the pid lock. */
  dataDir: string;
  /** postgres://… of an external server; undefined = run the embedded server from dataDir. */
  databaseUrl: string | undefined;
  bind: string;
  port: number;
  /** Password for the first `admin` user; undefined = generate one and print it once. */
  adminPassword: string | undefined;
  tokenTtlSeconds: number;
  logLevel: string;
  /** Region name shown in the catalog (StarlingX: RegionOne). */
  region: string;
  /** Start the local host's agent beside the controller (`starling up`). */
  withAgent: boolean;
  /** Event log retention: newest events kept, and the age after which events are dropped. */
  eventLogMaxCount: number;
  eventLogMaxAgeDays: number;
  maintenance: MaintenanceSettings;
  login: LoginSettings;
  /** The data folder's storage monitor (alarm 100.104): check period and thresholds (percent used). */
  storage: { checkSeconds: number; majorPercent: number; criticalPercent: number };
  /** Distributed cloud role (StarlingX's distributed_cloud_role): undefined = a standalone site. */
  distributedCloudRole: DistributedCloudRole | undefined;
  dcloud: DcloudSettings;
  tls: TlsSettings;
}

/** The API's transport: HTTPS with the data folder's certificate, or plain HTTP on loopback only. */
export interface TlsSettings {
  /** Plain HTTP (`--insecure-http`): allowed only when the API is bound to a loopback address. */
  insecureHttp: boolean;
  /** Alarm 500.200 from this many days before a certificate expires (StarlingX: 30). */
  expiryWarningDays: number;
  /** How often installed certificates are checked for expiry. */
  checkSeconds: number;
}

/** 127.0.0.0/8, ::1 and `localhost`: the addresses plain HTTP may listen on. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address) || /^::ffff:127\./i.test(address);
}

export const DISTRIBUTED_CLOUD_ROLES = ['systemcontroller', 'subcloud'] as const;
export type DistributedCloudRole = (typeof DISTRIBUTED_CLOUD_ROLES)[number];

/** The system controller's subcloud audit (StarlingX's subcloud_audit_interval is 30 s). */
export interface DcloudSettings {
  auditIntervalSeconds: number;
  /** A subcloud not answering within this is a failed audit. */
  auditTimeoutSeconds: number;
  /** Subclouds audited at once. */
  auditConcurrency: number;
  /** Consecutive failed audits before a subcloud is offline. */
  offlineThreshold: number;
  /** The audit's shards (each a lease shared out between the system-controller processes). */
  auditShards: number;
}

/** Login throttling: Keystone's lockout (StarlingX: 5 failures, 1800 s) and the per-source backoff. */
export interface LoginSettings {
  lockoutFailureAttempts: number;
  lockoutDurationSeconds: number;
  sourceFailures: number;
  sourceMaxDelaySeconds: number;
}

/** StarlingX's maintenance service parameters (names and ranges from its `platform maintenance`
 *  section), plus our recovery timers, which default to seconds instead of StarlingX's minutes. */
export interface MaintenanceSettings {
  heartbeatPeriodMs: number;
  heartbeatDegradeThreshold: number;
  heartbeatFailureThreshold: number;
  mnfaThreshold: number;
  mnfaTimeoutSeconds: number;
  bmcResetDelaySeconds: number;
  bootTimeoutSeconds: number;
  recoveryAttempts: number;
  redfishScheme: 'http' | 'https';
  sensorPeriodSeconds: number;
}

export interface ClientConfig {
  authUrl: string;
  username: string | undefined;
  password: string | undefined;
  /** PEM of the CA(s) the API's certificate must chain to (OS_CACERT / --os-cacert); undefined = the system's. */
  caFile: string | undefined;
  projectName: string;
  userDomain: string;
  projectDomain: string;
  token: string | undefined;
}

export interface AgentConfig {
  controllerUrl: string;
  /** The site CA given at enrolment: the only CA the controller's certificate may chain to (pinned). */
  controllerCaFile: string | undefined;
  username: string;
  password: string | undefined;
  hostname: string | undefined;
  logLevel: string;
  /** Root folder to discover the inventory from (a captured tree in tests). */
  root: string;
  /** Interface whose MAC identifies the host (default: the default route's). */
  mgmtInterface: string | undefined;
  /** The MAC itself, when the management interface cannot be seen under the root (a captured tree). */
  mgmtMac: string | undefined;
  /** Register as the site's first controller (controller-0) if there is none: `starling up`. */
  bootstrapController: boolean;
  /** Where the agent answers the controller's heartbeat, one endpoint per network it is on. */
  networks: AgentNetwork[];
  /** The agent's own folder: the rendered host configuration (and its dry-run record). */
  stateDir: string;
  /** pmon's process configuration folder (StarlingX /etc/pmon.d). */
  pmonDir: string;
  /** How long a reboot keeps the agent silent (an in-place restart where no reboot command is set). */
  bootDelayMs: number;
  /** The command that really reboots this host (e.g. `systemctl reboot`); unset = no real reboot. */
  rebootCommand: string | undefined;
  /** The OS root the host configuration is applied to (`/` on a real host); unset = dry run only. */
  applyRoot: string | undefined;
}

export const AGENT_NETWORKS = ['mgmt', 'cluster-host', 'oam'] as const;
/** StarlingX's heartbeat receive ports (hbsClient: mgmt 2103, cluster-host 2113); oam ours. */
export const HEARTBEAT_PORTS: Record<(typeof AGENT_NETWORKS)[number], number> = { mgmt: 2103, 'cluster-host': 2113, oam: 2123 };

export interface AgentNetwork {
  network: (typeof AGENT_NETWORKS)[number];
  /** The address to answer on; 0.0.0.0 / :: = any (the controller then uses the address it sees). */
  address: string;
  /** 0 = any free port (reported to the controller at registration). */
  port: number;
}

/** `mgmt=169.254.10.11`, `cluster-host=169.254.11.11:2113`, `mgmt=[fd00::1]:0`. */
export function parseAgentNetwork(value: string, field = '--network'): AgentNetwork {
  const m = /^([a-z-]+)=(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(?::(\d+))?$/.exec(value);
  const bad = (why: string): never => {
    throw new StarlingError('CONFIG_INVALID', `${field} '${value}': ${why}`, { field });
  };
  if (!m) return bad('expected NETWORK=ADDRESS[:PORT], e.g. mgmt=169.254.10.11');
  const network = m[1] as AgentNetwork['network'];
  if (!(AGENT_NETWORKS as readonly string[]).includes(network)) return bad(`network must be one of ${AGENT_NETWORKS.join(', ')}`);
  const address = m[2]!.replace(/^\[|\]$/g, '');
  if (isIP(address) === 0) return bad(`'${address}' is not an IPv4 or IPv6 address`);
  const port = m[3] === undefined ? HEARTBEAT_PORTS[network] : parsePort(m[3], field);
  return { network, address, port };
}

export const DEFAULT_PORT = 6385; // sysinv's port: scripts that assume it keep working
export const DEFAULT_BIND = '127.0.0.1';
export const DEFAULT_DATA_DIR = '.starling';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parsePort(value: string, field: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new StarlingError('CONFIG_INVALID', `${field} must be a port number 0-65535, got '${value}'`, { field });
  }
  return n;
}

function parsePositiveInt(value: string, field: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0) {
    throw new StarlingError('CONFIG_INVALID', `${field} must be a positive integer, got '${value}'`, { field });
  }
  return n;
}

function parseRange(env: Env, name: string, dflt: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return dflt;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new StarlingError('CONFIG_INVALID', `${name} must be an integer from ${min} to ${max}, got '${value}'`, { field: name });
  }
  return n;
}

function loadMaintenanceSettings(env: Env): MaintenanceSettings {
  const m: MaintenanceSettings = {
    heartbeatPeriodMs: parseRange(env, 'STARLING_HEARTBEAT_PERIOD_MS', 100, 100, 1000),
    heartbeatDegradeThreshold: parseRange(env, 'STARLING_HEARTBEAT_DEGRADE_THRESHOLD', 6, 4, 100),
    heartbeatFailureThreshold: parseRange(env, 'STARLING_HEARTBEAT_FAILURE_THRESHOLD', 10, 10, 100),
    mnfaThreshold: parseRange(env, 'STARLING_MNFA_THRESHOLD', 2, 2, 100),
    mnfaTimeoutSeconds: parseRange(env, 'STARLING_MNFA_TIMEOUT', 0, 0, 86_400),
    bmcResetDelaySeconds: parseRange(env, 'STARLING_BMC_RESET_DELAY', 3, 0, 300),
    bootTimeoutSeconds: parseRange(env, 'STARLING_BOOT_TIMEOUT', 120, 10, 1800),
    recoveryAttempts: parseRange(env, 'STARLING_RECOVERY_ATTEMPTS', 3, 1, 10),
    redfishScheme: env.STARLING_REDFISH_SCHEME === 'http' ? 'http' : 'https',
    sensorPeriodSeconds: parseRange(env, 'STARLING_SENSOR_PERIOD', 60, 0, 3600),
  };
  if (env.STARLING_REDFISH_SCHEME !== undefined && !['http', 'https'].includes(env.STARLING_REDFISH_SCHEME)) {
    throw new StarlingError('CONFIG_INVALID', `STARLING_REDFISH_SCHEME must be http or https, got '${env.STARLING_REDFISH_SCHEME}'`, { field: 'STARLING_REDFISH_SCHEME' });
  }
  if (m.heartbeatDegradeThreshold > m.heartbeatFailureThreshold) {
    throw new StarlingError('CONFIG_INVALID', 'STARLING_HEARTBEAT_DEGRADE_THRESHOLD must not be above STARLING_HEARTBEAT_FAILURE_THRESHOLD', { field: 'STARLING_HEARTBEAT_DEGRADE_THRESHOLD' });
  }
  return m;
}

function parseLogLevel(value: string, field: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new StarlingError('CONFIG_INVALID', `${field} must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`, {
      field,
    });
  }
  return value;
}

function parseDatabaseUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StarlingError('CONFIG_INVALID', `${field} is not a URL: '${value}'`, { field });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StarlingError('CONFIG_INVALID', `${field} must be a postgres:// URL`, { field });
  }
  return value;
}

export interface ControllerFlags {
  dataDir?: string;
  port?: string;
  bind?: string;
  agent?: boolean;
  role?: string;
  insecureHttp?: boolean;
}

function parseRole(value: string | undefined, field: string): DistributedCloudRole | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(DISTRIBUTED_CLOUD_ROLES as readonly string[]).includes(value)) {
    throw new StarlingError('CONFIG_INVALID', `${field} must be one of ${DISTRIBUTED_CLOUD_ROLES.join(', ')}, got '${value}'`, { field });
  }
  return value as DistributedCloudRole;
}

export function loadControllerConfig(flags: ControllerFlags = {}, env: Env = process.env): ControllerConfig {
  const dataDir = path.resolve(flags.dataDir ?? env.STARLING_DATA_DIR ?? DEFAULT_DATA_DIR);
  const port =
    flags.port !== undefined
      ? parsePort(flags.port, '--port')
      : env.STARLING_PORT !== undefined
        ? parsePort(env.STARLING_PORT, 'STARLING_PORT')
        : DEFAULT_PORT;
  const adminPassword = env.STARLING_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new StarlingError('CONFIG_INVALID', 'STARLING_ADMIN_PASSWORD must have at least 8 characters', {
      field: 'STARLING_ADMIN_PASSWORD',
    });
  }
  const role = flags.role !== undefined ? parseRole(flags.role, '--role') : parseRole(env.STARLING_DC_ROLE, 'STARLING_DC_ROLE');
  const bind = flags.bind ?? env.STARLING_BIND ?? DEFAULT_BIND;
  const insecureHttp = flags.insecureHttp ?? (env.STARLING_INSECURE_HTTP === '1' || env.STARLING_INSECURE_HTTP === 'true');
  if (insecureHttp && !isLoopback(bind)) {
    throw new StarlingError('CONFIG_INVALID', `--insecure-http serves plain HTTP on loopback only; the API is bound to ${bind}: drop --insecure-http (HTTPS) or bind to 127.0.0.1`, { field: '--insecure-http' });
  }
  return {
    dataDir,
    databaseUrl:
      env.STARLING_DATABASE_URL === undefined || env.STARLING_DATABASE_URL === ''
        ? undefined
        : parseDatabaseUrl(env.STARLING_DATABASE_URL, 'STARLING_DATABASE_URL'),
    bind,
    port,
    adminPassword,
    tokenTtlSeconds:
      env.STARLING_TOKEN_TTL === undefined ? 3600 : parsePositiveInt(env.STARLING_TOKEN_TTL, 'STARLING_TOKEN_TTL'),
    logLevel: parseLogLevel(env.STARLING_LOG_LEVEL ?? 'info', 'STARLING_LOG_LEVEL'),
    // A system controller's region is StarlingX's SystemController.
    region: env.STARLING_REGION ?? (role === 'systemcontroller' ? 'SystemController' : 'RegionOne'),
    withAgent: flags.agent ?? true,
    eventLogMaxCount:
      env.STARLING_EVENT_LOG_MAX_COUNT === undefined ? 100_000 : parsePositiveInt(env.STARLING_EVENT_LOG_MAX_COUNT, 'STARLING_EVENT_LOG_MAX_COUNT'),
    eventLogMaxAgeDays:
      env.STARLING_EVENT_LOG_MAX_AGE_DAYS === undefined ? 90 : parsePositiveInt(env.STARLING_EVENT_LOG_MAX_AGE_DAYS, 'STARLING_EVENT_LOG_MAX_AGE_DAYS'),
    maintenance: loadMaintenanceSettings(env),
    login: {
      lockoutFailureAttempts: parseRange(env, 'STARLING_LOCKOUT_FAILURE_ATTEMPTS', 5, 0, 1000),
      lockoutDurationSeconds: parseRange(env, 'STARLING_LOCKOUT_DURATION', 1800, 1, 86_400 * 365),
      sourceFailures: parseRange(env, 'STARLING_LOGIN_SOURCE_FAILURES', 10, 0, 100_000),
      sourceMaxDelaySeconds: parseRange(env, 'STARLING_LOGIN_SOURCE_MAX_DELAY', 300, 1, 86_400),
    },
    storage: loadStorageSettings(env),
    distributedCloudRole: role,
    dcloud: {
      auditIntervalSeconds: parseRange(env, 'STARLING_DC_AUDIT_INTERVAL', 30, 1, 3600),
      auditTimeoutSeconds: parseRange(env, 'STARLING_DC_AUDIT_TIMEOUT', 10, 1, 600),
      auditConcurrency: parseRange(env, 'STARLING_DC_AUDIT_CONCURRENCY', 50, 1, 10_000),
      offlineThreshold: parseRange(env, 'STARLING_DC_OFFLINE_THRESHOLD', 2, 1, 100),
      auditShards: parseRange(env, 'STARLING_DC_AUDIT_SHARDS', 16, 1, 1024),
    },
    tls: {
      insecureHttp,
      expiryWarningDays: parseRange(env, 'STARLING_CERT_EXPIRY_WARNING_DAYS', 30, 1, 3650),
      checkSeconds: parseRange(env, 'STARLING_CERT_CHECK_SECONDS', 3600, 1, 86_400),
    },
  };
}

function loadStorageSettings(env: Env): ControllerConfig['storage'] {
  const s = {
    checkSeconds: parseRange(env, 'STARLING_FS_CHECK_SECONDS', 30, 1, 3600),
    majorPercent: parseRange(env, 'STARLING_FS_MAJOR_PERCENT', 80, 1, 100),
    criticalPercent: parseRange(env, 'STARLING_FS_CRITICAL_PERCENT', 90, 1, 100),
  };
  if (s.majorPercent > s.criticalPercent) {
    throw new StarlingError('CONFIG_INVALID', 'STARLING_FS_MAJOR_PERCENT must not be above STARLING_FS_CRITICAL_PERCENT', { field: 'STARLING_FS_MAJOR_PERCENT' });
  }
  return s;
}

export interface ClientFlags {
  osAuthUrl?: string;
  osUsername?: string;
  osPassword?: string;
  osProjectName?: string;
  osToken?: string;
  osCacert?: string;
}

/** The CLI's login, from flags or an openrc-style environment (OS_AUTH_URL, OS_USERNAME, …). */
export function loadClientConfig(flags: ClientFlags = {}, env: Env = process.env): ClientConfig {
  const authUrl = flags.osAuthUrl ?? env.OS_AUTH_URL ?? `https://${DEFAULT_BIND}:${DEFAULT_PORT}/v3`;
  try {
    new URL(authUrl);
  } catch {
    throw new StarlingError('USAGE', `OS_AUTH_URL / --os-auth-url is not a URL: '${authUrl}'`, {
      field: 'OS_AUTH_URL',
    });
  }
  return {
    authUrl,
    username: flags.osUsername ?? env.OS_USERNAME,
    password: flags.osPassword ?? env.OS_PASSWORD,
    caFile: nonEmpty(flags.osCacert ?? env.OS_CACERT),
    projectName: flags.osProjectName ?? env.OS_PROJECT_NAME ?? 'admin',
    userDomain: env.OS_USER_DOMAIN_NAME ?? 'Default',
    projectDomain: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
    token: flags.osToken ?? env.OS_TOKEN,
  };
}

export interface AgentFlags {
  controller?: string;
  hostname?: string;
  root?: string;
  mgmtInterface?: string;
  mgmtMac?: string;
  bootstrapController?: boolean;
  network?: string[];
  stateDir?: string;
  pmonDir?: string;
  controllerCa?: string;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

export function loadAgentConfig(flags: AgentFlags = {}, env: Env = process.env): AgentConfig {
  const controllerUrl = flags.controller ?? env.STARLING_CONTROLLER_URL ?? `https://${DEFAULT_BIND}:${DEFAULT_PORT}`;
  try {
    new URL(controllerUrl);
  } catch {
    throw new StarlingError('CONFIG_INVALID', `--controller is not a URL: '${controllerUrl}'`, {
      field: '--controller',
    });
  }
  const caFile = nonEmpty(flags.controllerCa ?? env.STARLING_CONTROLLER_CA);
  return {
    controllerUrl,
    controllerCaFile: caFile === undefined ? undefined : path.resolve(caFile),
    username: env.STARLING_AGENT_USER ?? 'starling-agent',
    password: env.STARLING_AGENT_PASSWORD,
    hostname: flags.hostname ?? env.STARLING_HOSTNAME,
    logLevel: parseLogLevel(env.STARLING_LOG_LEVEL ?? 'info', 'STARLING_LOG_LEVEL'),
    root: path.resolve(flags.root ?? env.STARLING_AGENT_ROOT ?? '/'),
    mgmtInterface: flags.mgmtInterface ?? env.STARLING_MGMT_INTERFACE,
    mgmtMac: flags.mgmtMac ?? env.STARLING_MGMT_MAC,
    bootstrapController: flags.bootstrapController ?? false,
    networks: agentNetworks(flags.network ?? (env.STARLING_AGENT_NETWORKS ?? '').split(/[\s,]+/).filter(Boolean)),
    stateDir: path.resolve(flags.stateDir ?? env.STARLING_AGENT_STATE_DIR ?? `/var/lib/starling/agent-${flags.hostname ?? env.STARLING_HOSTNAME ?? 'host'}`),
    pmonDir: path.resolve(flags.pmonDir ?? env.STARLING_PMON_DIR ?? '/etc/pmon.d'),
    bootDelayMs: parseRange(env, 'STARLING_AGENT_BOOT_MS', 2000, 0, 600_000),
    rebootCommand: env.STARLING_AGENT_REBOOT_COMMAND === '' ? undefined : env.STARLING_AGENT_REBOOT_COMMAND,
    applyRoot: env.STARLING_AGENT_APPLY_ROOT === undefined || env.STARLING_AGENT_APPLY_ROOT === '' ? undefined : path.resolve(env.STARLING_AGENT_APPLY_ROOT),
  };
}

function agentNetworks(values: string[]): AgentNetwork[] {
  const nets = values.map((v) => parseAgentNetwork(v));
  const seen = new Set<string>();
  for (const n of nets) {
    if (seen.has(n.network)) throw new StarlingError('CONFIG_INVALID', `--network ${n.network} is given twice`, { field: '--network' });
    seen.add(n.network);
  }
  // Default: answer on the management network on any address (the controller uses the address
  // it sees the agent's registration come from).
  return nets.length > 0 ? nets : [{ network: 'mgmt', address: '0.0.0.0', port: HEARTBEAT_PORTS.mgmt }];
}

/** This process's environment, for the CLI's openrc variables. */
export const currentEnv = (): Env => process.env;

/** The environment for a child process: ours plus `extra`. */
export const childEnv = (extra: Env = {}): NodeJS.ProcessEnv => ({ ...process.env, ...extra });
