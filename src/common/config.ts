// Configuration: one schema per process kind, parsed once at start from defaults, flags and
// STARLING_* / OS_* environment variables. This is the only module that reads process.env.

import path from 'node:path';
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
}

export interface ClientConfig {
  authUrl: string;
  username: string | undefined;
  password: string | undefined;
  projectName: string;
  userDomain: string;
  projectDomain: string;
  token: string | undefined;
}

export interface AgentConfig {
  controllerUrl: string;
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
  return {
    dataDir,
    databaseUrl:
      env.STARLING_DATABASE_URL === undefined || env.STARLING_DATABASE_URL === ''
        ? undefined
        : parseDatabaseUrl(env.STARLING_DATABASE_URL, 'STARLING_DATABASE_URL'),
    bind: flags.bind ?? env.STARLING_BIND ?? DEFAULT_BIND,
    port,
    adminPassword,
    tokenTtlSeconds:
      env.STARLING_TOKEN_TTL === undefined ? 3600 : parsePositiveInt(env.STARLING_TOKEN_TTL, 'STARLING_TOKEN_TTL'),
    logLevel: parseLogLevel(env.STARLING_LOG_LEVEL ?? 'info', 'STARLING_LOG_LEVEL'),
    region: env.STARLING_REGION ?? 'RegionOne',
    withAgent: flags.agent ?? true,
    eventLogMaxCount:
      env.STARLING_EVENT_LOG_MAX_COUNT === undefined ? 100_000 : parsePositiveInt(env.STARLING_EVENT_LOG_MAX_COUNT, 'STARLING_EVENT_LOG_MAX_COUNT'),
    eventLogMaxAgeDays:
      env.STARLING_EVENT_LOG_MAX_AGE_DAYS === undefined ? 90 : parsePositiveInt(env.STARLING_EVENT_LOG_MAX_AGE_DAYS, 'STARLING_EVENT_LOG_MAX_AGE_DAYS'),
  };
}

export interface ClientFlags {
  osAuthUrl?: string;
  osUsername?: string;
  osPassword?: string;
  osProjectName?: string;
  osToken?: string;
}

/** The CLI's login, from flags or an openrc-style environment (OS_AUTH_URL, OS_USERNAME, …). */
export function loadClientConfig(flags: ClientFlags = {}, env: Env = process.env): ClientConfig {
  const authUrl = flags.osAuthUrl ?? env.OS_AUTH_URL ?? `http://${DEFAULT_BIND}:${DEFAULT_PORT}/v3`;
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
}

export function loadAgentConfig(flags: AgentFlags = {}, env: Env = process.env): AgentConfig {
  const controllerUrl = flags.controller ?? env.STARLING_CONTROLLER_URL ?? `http://${DEFAULT_BIND}:${DEFAULT_PORT}`;
  try {
    new URL(controllerUrl);
  } catch {
    throw new StarlingError('CONFIG_INVALID', `--controller is not a URL: '${controllerUrl}'`, {
      field: '--controller',
    });
  }
  return {
    controllerUrl,
    username: env.STARLING_AGENT_USER ?? 'starling-agent',
    password: env.STARLING_AGENT_PASSWORD,
    hostname: flags.hostname ?? env.STARLING_HOSTNAME,
    logLevel: parseLogLevel(env.STARLING_LOG_LEVEL ?? 'info', 'STARLING_LOG_LEVEL'),
    root: path.resolve(flags.root ?? env.STARLING_AGENT_ROOT ?? '/'),
    mgmtInterface: flags.mgmtInterface ?? env.STARLING_MGMT_INTERFACE,
    mgmtMac: flags.mgmtMac ?? env.STARLING_MGMT_MAC,
    bootstrapController: flags.bootstrapController ?? false,
  };
}

/** This process's environment, for the CLI's openrc variables. */
export const currentEnv = (): Env => process.env;

/** The environment for a child process: ours plus `extra`. */
export const childEnv = (extra: Env = {}): NodeJS.ProcessEnv => ({ ...process.env, ...extra });
