// A Redfish BMC for the lab: serves DMTF's public rack-mount mockup read-only and overlays what a
// BMC changes — the system's PowerState (ComputerSystem.Reset), its Boot override, sessions.
// It plays the BMC StarlingX's mtce and hwmond reach with redfishtool: Basic auth or X-Auth-Token
// sessions, an unauthenticated service root (as DSP0266 says), Redfish error bodies, and a
// ComputerSystem.Reset that calls onPower so the lab can stop or start the host's agent.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import path from 'node:path';
import { StarlingError } from '../common/errors.ts';
import { packageRoot } from '../common/paths.ts';
import type { PowerState } from '../maintenance/index.ts';

export const DEFAULT_MOCKUP_DIR = path.join(
  packageRoot(),
  'src',
  'lab',
  'redfish-mockup',
  'public-rackmount1',
);

export interface RedfishEmulatorOptions {
  host: string;
  /** 0 = a free port. */
  port: number;
  username: string;
  password: string;
  /** A DMTF mockup folder: every resource as <path below /redfish/v1>/index.json. */
  mockupDir?: string;
  /**
   * Called for every accepted ComputerSystem.Reset with the power state it leads to and the
   * ResetType, before PowerState changes; a rejection fails the request (500) and keeps the state.
   */
  onPower?: (state: PowerState, action: string) => void | Promise<void>;
  /** Default: the mockup's PowerState. */
  initialPowerState?: PowerState;
  /** ResetType@Redfish.AllowableValues. Default: the mockup's list plus PowerCycle. */
  resetTypes?: string[];
}

export interface BootOverride {
  BootSourceOverrideEnabled?: string;
  BootSourceOverrideTarget?: string;
  BootSourceOverrideMode?: string;
}

export interface RedfishEmulator {
  /** http://host:port (IPv6 in brackets), the address a driver is given. */
  url: string;
  port: number;
  readonly powerState: PowerState;
  /** Changes the state without onPower: the host died or came back by itself. */
  setPowerState(state: PowerState): void;
  /** The system's Boot override as last PATCHed. */
  readonly boot: BootOverride;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** ResetType → the power state it leads to (undefined: toggles or leaves it). */
const RESET_RESULT: Record<string, PowerState | 'toggle' | 'same'> = {
  On: 'on',
  ForceOn: 'on',
  ForceOff: 'off',
  GracefulShutdown: 'off',
  ForceRestart: 'on',
  GracefulRestart: 'on',
  PowerCycle: 'on',
  PushPowerButton: 'toggle',
  Nmi: 'same',
};

const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'];
const MAX_BODY = 64 * 1024;
const REGISTRY = 'Base.1.5.0';

function redfishError(messageId: string, message: string, args: string[] = [], severity = 'Critical'): Json {
  return {
    error: {
      code: `${REGISTRY}.${messageId === 'Success' ? 'GeneralError' : messageId}`,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: `${REGISTRY}.${messageId}`,
          Message: message,
          MessageArgs: args,
          Severity: severity,
        },
      ],
    },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const notFound = (uri: string) =>
  new HttpError(
    404,
    redfishError('ResourceMissingAtURI', `The resource at the URI ${uri} was not found.`, [uri]),
  );
const methodNotAllowed = (allow: string) =>
  new HttpError(
    405,
    redfishError('GeneralError', `The method is not allowed on this resource; allowed: ${allow}.`),
    { allow },
  );

/** Constant-time comparison of two secrets of any length. */
function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export async function startRedfishEmulator(opts: RedfishEmulatorOptions): Promise<RedfishEmulator> {
  const dir = path.resolve(opts.mockupDir ?? DEFAULT_MOCKUP_DIR);
  const cache = new Map<string, Json | null>();

  /** The mockup's resource at a /redfish/v1/... path, or null. Never leaves the mockup folder. */
  const mockup = (uri: string): Json | null => {
    const key = uri.replace(/\/+$/, '');
    if (key !== '/redfish/v1' && !key.startsWith('/redfish/v1/')) return null;
    if (cache.has(key)) return cache.get(key) ?? null;
    const rel = key
      .slice('/redfish/v1'.length)
      .split('/')
      .filter((s) => s !== '');
    let found: Json | null = null;
    if (!rel.some((s) => s === '..' || s === '.' || s.includes('\0'))) {
      const file = path.join(dir, ...rel, 'index.json');
      if (file.startsWith(dir + path.sep) && fs.existsSync(file))
        found = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    }
    cache.set(key, found);
    return found;
  };

  const root = mockup('/redfish/v1');
  if (root === null)
    throw new StarlingError('CONFIG_INVALID', `${dir} is not a Redfish mockup (no index.json)`, {
      field: 'mockupDir',
    });
  const systemsUri =
    ((root['Systems'] as Json | undefined)?.['@odata.id'] as string | undefined) ?? '/redfish/v1/Systems';
  const systemUris = ((mockup(systemsUri)?.['Members'] as Json[] | undefined) ?? []).map((m) =>
    String(m['@odata.id']).replace(/\/+$/, ''),
  );
  const firstSystem = systemUris[0] === undefined ? null : mockup(systemUris[0]);
  if (firstSystem === null)
    throw new StarlingError('CONFIG_INVALID', `${dir} has no computer system`, { field: 'mockupDir' });
  const chassisUris = (
    ((firstSystem['Links'] as Json | undefined)?.['Chassis'] as Json[] | undefined) ?? []
  ).map((m) => String(m['@odata.id']).replace(/\/+$/, ''));
  const resetAction = ((firstSystem['Actions'] as Json | undefined)?.['#ComputerSystem.Reset'] ?? {}) as Json;
  const mockupResetTypes =
    (resetAction['ResetType@Redfish.AllowableValues'] as string[] | undefined) ?? Object.keys(RESET_RESULT);
  const resetTypes = opts.resetTypes ?? [...new Set([...mockupResetTypes, 'PowerCycle'])];
  const resetTarget = (uri: string) => `${uri}/Actions/ComputerSystem.Reset`;

  let power: PowerState = opts.initialPowerState ?? (firstSystem['PowerState'] === 'Off' ? 'off' : 'on');
  const boot: BootOverride = {};
  const writable: Json = {};
  const sessions = new Map<string, { id: string; user: string; token: string }>();
  const sessionsUri = '/redfish/v1/SessionService/Sessions';
  // One reset at a time: onPower calls never interleave.
  let resetChain: Promise<unknown> = Promise.resolve();

  const systemView = (uri: string): Json => {
    const base = mockup(uri)!;
    const actions = (base['Actions'] ?? {}) as Json;
    const reset = (actions['#ComputerSystem.Reset'] ?? {}) as Json;
    return {
      ...base,
      ...writable,
      PowerState: power === 'on' ? 'On' : 'Off',
      Boot: { ...(base['Boot'] ?? {}), ...boot },
      Actions: {
        ...actions,
        '#ComputerSystem.Reset': {
          ...reset,
          target: resetTarget(uri),
          'ResetType@Redfish.AllowableValues': resetTypes,
        },
      },
    };
  };

  const sessionView = (s: { id: string; user: string }): Json => ({
    '@odata.type': '#Session.v1_6_0.Session',
    '@odata.id': `${sessionsUri}/${s.id}`,
    Id: s.id,
    Name: 'User Session',
    UserName: s.user,
  });

  /** The resource at a GET path, with the overlays. */
  const view = (uri: string): Json | null => {
    if (uri === '/redfish') return { v1: '/redfish/v1/' };
    if (systemUris.includes(uri)) return systemView(uri);
    if (chassisUris.includes(uri)) {
      const c = mockup(uri);
      return c && (c['PowerState'] === undefined ? c : { ...c, PowerState: power === 'on' ? 'On' : 'Off' });
    }
    if (uri === sessionsUri) {
      const list = [...sessions.values()].map((s) => ({ '@odata.id': `${sessionsUri}/${s.id}` }));
      return { ...mockup(uri), Members: list, 'Members@odata.count': list.length };
    }
    if (uri.startsWith(`${sessionsUri}/`)) {
      const s = [...sessions.values()].find((x) => `${sessionsUri}/${x.id}` === uri);
      return s ? sessionView(s) : null;
    }
    return mockup(uri);
  };

  const authenticated = (req: IncomingMessage): string | undefined => {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') {
      const s = [...sessions.values()].find((x) => same(x.token, token));
      if (s) return s.user;
    }
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      if (colon > 0 && same(user, opts.username) && same(decoded.slice(colon + 1), opts.password))
        return user;
    }
    return undefined;
  };

  const readJson = async (req: IncomingMessage): Promise<Json> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY)
        throw new HttpError(413, redfishError('GeneralError', 'The request body is too large.'));
      chunks.push(c);
    }
    try {
      const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Json;
    } catch {
      // reported below
    }
    throw new HttpError(
      400,
      redfishError(
        'MalformedJSON',
        'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
      ),
    );
  };

  const reset = async (body: Json): Promise<void> => {
    const type = body['ResetType'];
    const action = 'ComputerSystem.Reset';
    if (type === undefined) {
      throw new HttpError(
        400,
        redfishError(
          'ActionParameterMissing',
          `The action ${action} requires the parameter ResetType to be present in the request body.`,
          [action, 'ResetType'],
        ),
      );
    }
    if (typeof type !== 'string' || !resetTypes.includes(type) || RESET_RESULT[type] === undefined) {
      const shown = typeof type === 'string' ? type : JSON.stringify(type);
      throw new HttpError(
        400,
        redfishError(
          'PropertyValueNotInList',
          `The value ${shown} for the property ResetType is not in the list of acceptable values.`,
          [shown, 'ResetType'],
          'Warning',
        ),
      );
    }
    const run = async () => {
      const effect = RESET_RESULT[type]!;
      const next: PowerState =
        effect === 'toggle' ? (power === 'on' ? 'off' : 'on') : effect === 'same' ? power : effect;
      try {
        await opts.onPower?.(next, type);
      } catch (e) {
        throw new HttpError(
          500,
          redfishError(
            'GeneralError',
            `The system could not be reset (${type}): ${e instanceof Error ? e.message : String(e)}`,
          ),
        );
      }
      power = next;
    };
    const p = resetChain.then(run);
    resetChain = p.catch(() => undefined);
    await p;
  };

  const patchSystem = (body: Json): void => {
    for (const [k, v] of Object.entries(body)) {
      if (k === 'Boot' && v !== null && typeof v === 'object') {
        for (const [bk, bv] of Object.entries(v as Json)) {
          const allowed =
            bk === 'BootSourceOverrideEnabled'
              ? BOOT_ENABLED
              : bk === 'BootSourceOverrideTarget'
                ? ((((firstSystem['Boot'] as Json | undefined) ?? {})[
                    'BootSourceOverrideTarget@Redfish.AllowableValues'
                  ] as string[] | undefined) ?? null)
                : bk === 'BootSourceOverrideMode'
                  ? ['Legacy', 'UEFI']
                  : undefined;
          if (allowed === undefined)
            throw new HttpError(
              400,
              redfishError(
                'PropertyNotWritable',
                `The property Boot/${bk} is a read only property and cannot be assigned a value.`,
                [`Boot/${bk}`],
                'Warning',
              ),
            );
          if (typeof bv !== 'string' || (allowed !== null && !allowed.includes(bv))) {
            throw new HttpError(
              400,
              redfishError(
                'PropertyValueNotInList',
                `The value ${String(bv)} for the property Boot/${bk} is not in the list of acceptable values.`,
                [String(bv), `Boot/${bk}`],
                'Warning',
              ),
            );
          }
          boot[bk as keyof BootOverride] = bv;
        }
      } else if (k === 'AssetTag' || k === 'IndicatorLED') {
        writable[k] = v;
      } else {
        throw new HttpError(
          400,
          redfishError(
            'PropertyNotWritable',
            `The property ${k} is a read only property and cannot be assigned a value.`,
            [k],
            'Warning',
          ),
        );
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    let uri: string;
    try {
      uri = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/+$/, '') || '/';
    } catch {
      throw new HttpError(400, redfishError('GeneralError', 'The request URI is malformed.'));
    }
    if (uri === '/redfish/v1/$metadata' && method === 'GET') {
      const file = path.join(dir, '$metadata', 'index.xml');
      if (!fs.existsSync(file)) throw notFound(uri);
      res
        .writeHead(200, { 'content-type': 'application/xml', 'odata-version': '4.0' })
        .end(fs.readFileSync(file));
      return;
    }
    const open =
      method === 'GET' && (uri === '/redfish' || uri === '/redfish/v1' || uri === '/redfish/v1/odata');
    const login = method === 'POST' && uri === sessionsUri;
    if (!open && !login && authenticated(req) === undefined) {
      throw new HttpError(
        401,
        redfishError('NoValidSession', 'There is no valid session established with the implementation.'),
        {
          'www-authenticate': 'Basic realm="Redfish"',
        },
      );
    }

    if (method === 'GET' || method === 'HEAD') {
      const body = view(uri);
      if (body === null) throw notFound(uri);
      return send(res, 200, body);
    }
    if (method === 'POST') {
      if (login) {
        const body = await readJson(req);
        if (
          typeof body['UserName'] !== 'string' ||
          typeof body['Password'] !== 'string' ||
          !same(body['UserName'], opts.username) ||
          !same(body['Password'], opts.password)
        ) {
          throw new HttpError(401, redfishError('NoValidSession', 'The user name or password is wrong.'));
        }
        const s = {
          id: randomBytes(8).toString('hex'),
          user: body['UserName'],
          token: randomBytes(24).toString('hex'),
        };
        sessions.set(s.id, s);
        return send(res, 201, sessionView(s), {
          'x-auth-token': s.token,
          location: `${sessionsUri}/${s.id}`,
        });
      }
      const system = systemUris.find((s) => resetTarget(s) === uri);
      if (system !== undefined) {
        await reset(await readJson(req));
        res.writeHead(204, { 'odata-version': '4.0' }).end();
        return;
      }
      if (view(uri) === null) throw notFound(uri);
      throw methodNotAllowed('GET');
    }
    if (method === 'PATCH' && systemUris.includes(uri)) {
      patchSystem(await readJson(req));
      return send(res, 200, systemView(uri));
    }
    if (method === 'DELETE' && uri.startsWith(`${sessionsUri}/`)) {
      const id = uri.slice(sessionsUri.length + 1);
      if (!sessions.delete(id)) throw notFound(uri);
      res.writeHead(204, { 'odata-version': '4.0' }).end();
      return;
    }
    if (view(uri) === null && !uri.endsWith('/Actions/ComputerSystem.Reset')) throw notFound(uri);
    throw methodNotAllowed(
      systemUris.includes(uri)
        ? 'GET, PATCH'
        : uri.endsWith('/Actions/ComputerSystem.Reset')
          ? 'POST'
          : 'GET',
    );
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return res.destroy();
      if (e instanceof HttpError) return send(res, e.status, e.body, e.headers);
      send(
        res,
        500,
        redfishError(
          'InternalError',
          'The request failed due to an internal service error.  The service is still operational.',
        ),
      );
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new StarlingError(
          'INTERNAL',
          `the Redfish emulator cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`,
          { cause: e },
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${isIPv6(opts.host) ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    get powerState() {
      return power;
    },
    setPowerState(state: PowerState) {
      power = state;
    },
    get boot() {
      return { ...boot };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'odata-version': '4.0',
    'cache-control': 'no-cache',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
