// The Redfish BMC driver: what StarlingX's mtce and hwmond do with redfishtool, over node:http(s).
// Service root → Systems → first system; ComputerSystem.Reset for power; Chassis Thermal/Power for sensors.

import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StarlingError } from '../../common/errors.ts';
import { hostPort, parseBmcAddress } from './address.ts';
import {
  chooseResetTypes,
  redfishPowerSensors,
  redfishPowerState,
  redfishSensor,
  redfishThermalSensors,
} from './parse.ts';
import {
  DEFAULT_BMC_TIMEOUT_MS,
  type BmcConnectOptions,
  type BmcDriver,
  type BmcSensor,
  type BmcTarget,
  type PowerAction,
  type PowerState,
} from './types.ts';

type Json = Record<string, unknown>;

/** Redfish resources are small; a BMC answering megabytes is broken (or not a BMC). */
const MAX_BODY = 4 * 1024 * 1024;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

const odataId = (v: unknown): string | undefined => {
  const id = v !== null && typeof v === 'object' ? (v as Json)['@odata.id'] : undefined;
  return typeof id === 'string' ? id : undefined;
};
const members = (collection: Json): string[] =>
  (Array.isArray(collection['Members']) ? collection['Members'] : [])
    .map(odataId)
    .filter((x): x is string => x !== undefined);

/** The message of a Redfish error body ({"error": {message, @Message.ExtendedInfo: [{Message}]}}), if any. */
function redfishMessage(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as Json)['error'] as Json | undefined;
    const info = Array.isArray(e?.['@Message.ExtendedInfo']) ? (e['@Message.ExtendedInfo'] as Json[]) : [];
    const m = info.map((i) => i['Message']).find((x) => typeof x === 'string') ?? e?.['message'];
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined; // not JSON: the caller reports the status alone
  }
}

/** One BMC's HTTP side: Basic auth on every request (redfishtool's default), one timeout per request. */
export class RedfishClient {
  readonly origin: string;
  readonly name: string;
  private readonly auth: string;

  constructor(
    target: BmcTarget,
    private readonly opts: { timeoutMs: number; scheme: 'http' | 'https'; allowSelfSigned: boolean },
  ) {
    const ep = parseBmcAddress(target.address);
    const scheme = ep.scheme ?? opts.scheme;
    const port = ep.port ?? (scheme === 'https' ? 443 : 80);
    this.origin = `${scheme}://${hostPort(ep.host, port)}`;
    this.name = `Redfish BMC ${this.origin}`;
    this.auth = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  }

  async get(path: string): Promise<Json> {
    const { status, body } = await this.request('GET', path);
    return this.json(path, status, body);
  }

  async post(path: string, payload: Json): Promise<void> {
    const { status, body } = await this.request('POST', path, JSON.stringify(payload));
    if (status < 200 || status > 299) this.fail('POST', path, status, body);
  }

  private json(path: string, status: number, body: string): Json {
    if (status < 200 || status > 299) this.fail('GET', path, status, body);
    try {
      const v: unknown = JSON.parse(body);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Json;
    } catch {
      // fall through: reported below with what was asked
    }
    throw new StarlingError('BMC_ERROR', `${this.name}: GET ${path} did not return a JSON object`);
  }

  private fail(method: string, path: string, status: number, body: string): never {
    const why = redfishMessage(body);
    const suffix = why === undefined ? '' : `: ${why}`;
    if (status === 401 || status === 403) {
      throw new StarlingError(
        'BMC_AUTH_FAILED',
        `${this.name} refused the credentials (${method} ${path}: HTTP ${status})${suffix}`,
        {
          details: { status },
        },
      );
    }
    throw new StarlingError(
      'BMC_ERROR',
      `${this.name}: ${method} ${path} failed with HTTP ${status}${suffix}`,
      { details: { status } },
    );
  }

  /** Never rejects with anything but a StarlingError; never outlives timeoutMs. */
  private request(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    let url: URL;
    try {
      url = new URL(path, this.origin);
    } catch (e) {
      return Promise.reject(
        new StarlingError('BMC_ERROR', `${this.name} links an invalid path '${path}'`, { cause: e }),
      );
    }
    const secure = url.protocol === 'https:';
    const lib = secure ? https : http;
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: this.auth,
      'odata-version': '4.0',
      connection: 'close',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const req = lib.request(url, {
        method,
        headers,
        agent: false,
        ...(secure ? { rejectUnauthorized: !this.opts.allowSelfSigned } : {}),
      });
      const timer = setTimeout(() => {
        done(() =>
          reject(
            new StarlingError(
              'BMC_UNREACHABLE',
              `${this.name} did not answer ${method} ${url.pathname} within ${this.opts.timeoutMs} ms`,
            ),
          ),
        );
        req.destroy();
      }, this.opts.timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            done(() =>
              reject(
                new StarlingError(
                  'BMC_ERROR',
                  `${this.name}: ${method} ${url.pathname} answered more than ${MAX_BODY} bytes`,
                ),
              ),
            );
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          done(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })),
        );
        res.on('error', (e) => done(() => reject(this.networkError(method, url.pathname, e))));
      });
      req.on('error', (e) => done(() => reject(this.networkError(method, url.pathname, e))));
      req.end(body);
    });
  }

  private networkError(method: string, path: string, e: NodeJS.ErrnoException): StarlingError {
    const code = e.code ?? e.message;
    if (UNREACHABLE_CODES.has(code)) {
      return new StarlingError(
        'BMC_UNREACHABLE',
        `${this.name} cannot be reached (${method} ${path}: ${code})`,
        { cause: e },
      );
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
      return new StarlingError(
        'BMC_ERROR',
        `${this.name} presents a certificate that is not trusted (${code}); allow self-signed certificates for this BMC to accept it`,
        {
          cause: e,
        },
      );
    }
    return new StarlingError('BMC_ERROR', `${this.name}: ${method} ${path} failed (${code})`, { cause: e });
  }
}

/** The reset action of a system: its target and the ResetTypes it allows (undefined = not said). */
interface ResetAction {
  target: string;
  allowed: string[] | undefined;
}

export class RedfishDriver implements BmcDriver {
  readonly type = 'redfish' as const;

  constructor(
    private readonly client: RedfishClient,
    private readonly systemUri: string,
    private readonly chassisUris: string[],
    private readonly timeoutMs: number,
  ) {}

  get name(): string {
    return this.client.name;
  }

  async powerState(): Promise<PowerState> {
    return this.stateOf(await this.client.get(this.systemUri));
  }

  async power(action: PowerAction): Promise<void> {
    const system = await this.client.get(this.systemUri);
    const current = this.stateOf(system);
    // Like mtce's power-on/off: already there is success, and some BMCs refuse On while on.
    if (
      (action === 'on' && current === 'on') ||
      ((action === 'off' || action === 'soft-off') && current === 'off')
    )
      return;
    const reset = await this.resetAction(system);
    const types = chooseResetTypes(action, reset.allowed);
    if (types === undefined) {
      throw new StarlingError(
        'BMC_ERROR',
        `${this.name} cannot ${action} ${this.systemUri}: it allows only ResetType ${reset.allowed?.join(', ') || '(none)'}`,
      );
    }
    for (const resetType of types) {
      if (resetType === 'ForceOff' && types.length > 1) {
        // The first half of a two-step cycle: skipped when already off, else waited for, as some
        // BMCs refuse On while the system is still PoweringOff.
        if (current === 'off') continue;
        await this.client.post(reset.target, { ResetType: resetType });
        await this.waitFor('off');
        continue;
      }
      await this.client.post(reset.target, { ResetType: resetType });
    }
  }

  async sensors(): Promise<BmcSensor[]> {
    const out: BmcSensor[] = [];
    for (const uri of this.chassisUris) {
      const chassis = await this.client.get(uri);
      const thermal = odataId(chassis['Thermal']);
      const power = odataId(chassis['Power']);
      if (thermal !== undefined) out.push(...redfishThermalSensors(await this.client.get(thermal)));
      if (power !== undefined) out.push(...redfishPowerSensors(await this.client.get(power)));
      const sensors = odataId(chassis['Sensors']);
      // Newer BMCs drop the deprecated Thermal/Power resources for the Sensors collection.
      if (thermal === undefined && power === undefined && sensors !== undefined) {
        for (const m of members(await this.client.get(sensors)))
          out.push(redfishSensor(await this.client.get(m)));
      }
    }
    return out;
  }

  private stateOf(system: Json): PowerState {
    const s = redfishPowerState(system['PowerState']);
    if (s === undefined) {
      throw new StarlingError(
        'BMC_ERROR',
        `${this.name}: ${this.systemUri} has no usable PowerState (${JSON.stringify(system['PowerState'] ?? null)})`,
      );
    }
    return s;
  }

  private async resetAction(system: Json): Promise<ResetAction> {
    const actions = (system['Actions'] ?? {}) as Json;
    const reset = (actions['#ComputerSystem.Reset'] ?? {}) as Json;
    const target = reset['target'];
    if (typeof target !== 'string')
      throw new StarlingError(
        'BMC_ERROR',
        `${this.name}: ${this.systemUri} offers no ComputerSystem.Reset action`,
      );
    const listed = reset['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(listed))
      return { target, allowed: listed.filter((x): x is string => typeof x === 'string') };
    const info = reset['@Redfish.ActionInfo'];
    if (typeof info === 'string') {
      const params = (await this.client.get(info))['Parameters'];
      const p = (Array.isArray(params) ? (params as Json[]) : []).find((x) => x['Name'] === 'ResetType');
      if (Array.isArray(p?.['AllowableValues']))
        return { target, allowed: p['AllowableValues'].filter((x): x is string => typeof x === 'string') };
    }
    return { target, allowed: undefined };
  }

  private async waitFor(state: PowerState): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if ((await this.powerState()) === state) return;
      if (Date.now() > deadline)
        throw new StarlingError(
          'BMC_ERROR',
          `${this.name}: ${this.systemUri} did not power ${state} within ${this.timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** GET the service root without credentials (the standard allows it): is there a Redfish service at all? */
export async function probeRedfish(client: RedfishClient): Promise<Json> {
  const root = await client.get('/redfish/v1/');
  if (typeof root['RedfishVersion'] !== 'string' && odataId(root['Systems']) === undefined) {
    throw new StarlingError('BMC_ERROR', `${client.name}: /redfish/v1/ is not a Redfish service root`);
  }
  return root;
}

export async function connectRedfish(
  target: BmcTarget,
  opts: BmcConnectOptions = {},
  root?: Json,
): Promise<RedfishDriver> {
  const client = redfishClient(target, opts);
  const serviceRoot = root ?? (await probeRedfish(client));
  const systemsUri = odataId(serviceRoot['Systems']);
  if (systemsUri === undefined)
    throw new StarlingError('BMC_ERROR', `${client.name}: the service root links no Systems collection`);
  // The first authenticated request: a wrong password shows here, at connect time.
  const systemUri = members(await client.get(systemsUri))[0];
  if (systemUri === undefined)
    throw new StarlingError('BMC_ERROR', `${client.name}: ${systemsUri} lists no computer system`);
  const system = await client.get(systemUri);
  const links = (system['Links'] ?? {}) as Json;
  let chassis = (Array.isArray(links['Chassis']) ? links['Chassis'] : [])
    .map(odataId)
    .filter((x): x is string => x !== undefined);
  const chassisCollection = odataId(serviceRoot['Chassis']);
  if (chassis.length === 0 && chassisCollection !== undefined)
    chassis = members(await client.get(chassisCollection));
  return new RedfishDriver(client, systemUri, chassis, opts.timeoutMs ?? DEFAULT_BMC_TIMEOUT_MS);
}

export function redfishClient(target: BmcTarget, opts: BmcConnectOptions = {}): RedfishClient {
  return new RedfishClient(target, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_BMC_TIMEOUT_MS,
    scheme: opts.redfishScheme ?? 'https',
    allowSelfSigned: opts.allowSelfSigned ?? false,
  });
}
