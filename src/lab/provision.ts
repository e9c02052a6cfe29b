// Provisioning the lab's site through the REST API, as a StarlingX operator would: the system made
// duplex, controller-0's BMC set, the other hosts added with their MACs and BMCs, then waited for.

import fs from 'node:fs';
import { ApiClient, login } from '../api/client.ts';
import { httpRequest } from '../api/http.ts';
import { StarlingError, isStarlingError } from '../common/errors.ts';
import type { LabHost, LabTopology } from './topology.ts';
import { hostAddress } from './topology.ts';

export const BMC_USERNAME = 'admin';

export interface SiteHost {
  uuid: string;
  hostname: string | null;
  personality: string | null;
  administrative: string;
  operational: string;
  availability: string;
  mgmt_mac: string | null;
  bm_type: string | null;
  bm_ip: string | null;
}

/** Availability states that mean the host's agent has registered (StarlingX: online or better). */
export const REGISTERED = new Set(['online', 'available', 'degraded']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value; `alive` stops early when what we wait for has died. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  o: { timeoutMs: number; intervalMs?: number; alive?: () => string | undefined },
): Promise<T> {
  const until = Date.now() + o.timeoutMs;
  let last: unknown;
  for (;;) {
    const dead = o.alive?.();
    if (dead !== undefined) throw new StarlingError('SERVICE_UNAVAILABLE', `${what}: ${dead}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      const why = last === undefined ? '' : ` (last error: ${(last as Error).message})`;
      throw new StarlingError(
        'SERVICE_UNAVAILABLE',
        `${what}: not within ${Math.round(o.timeoutMs / 1000)} s${why}`,
      );
    }
    await sleep(o.intervalMs ?? 250);
  }
}

/** Resolves once the API answers /health. */
/** The site CA's PEM once the controller has made it (undefined before: its API is not up yet). */
export function readCa(caFile: string): string | undefined {
  try {
    return fs.readFileSync(caFile, 'utf8');
  } catch {
    return undefined;
  }
}

export async function healthy(apiUrl: string, caFile: string): Promise<true | undefined> {
  const ca = readCa(caFile);
  if (ca === undefined) return undefined;
  const r = await httpRequest(`${apiUrl}/health`, { method: 'GET', signal: AbortSignal.timeout(2000), ca });
  await r.text();
  return r.status === 200 ? true : undefined;
}

export async function adminClient(apiUrl: string, password: string, caFile: string): Promise<ApiClient> {
  const authUrl = `${apiUrl}/v3`;
  const ca = readCa(caFile);
  return new ApiClient(await login({ authUrl, username: 'admin', password, projectName: 'admin', ...(ca === undefined ? {} : { ca }) }), authUrl, ca);
}

export async function listSiteHosts(client: ApiClient): Promise<SiteHost[]> {
  return (await client.get<{ ihosts: SiteHost[] }>('platform', '/ihosts')).ihosts;
}

const bmcFields = (h: LabHost, password: string) => ({
  bm_type: h.bmc.type,
  bm_ip: h.bmc.address,
  bm_username: BMC_USERNAME,
  bm_password: password,
});

/**
 * After controller-0 registered: the system becomes duplex when the lab has more hosts (StarlingX
 * refuses a second host on a simplex system), controller-0 gets its BMC, and every other host is
 * added with its management MAC, so its agent's registration lands on it. Idempotent: hosts that
 * exist are left as they are.
 */
export async function provisionSite(
  client: ApiClient,
  t: LabTopology,
  bmcPassword: string,
  progress: (m: string) => void,
): Promise<void> {
  const hosts = await listSiteHosts(client);
  const c0 = hosts.find((h) => h.hostname === 'controller-0');
  if (!c0) throw new StarlingError('INTERNAL', 'controller-0 is not registered');
  const c0Lab = t.hosts.find((h) => h.hostname === 'controller-0')!;
  if (c0.bm_ip !== c0Lab.bmc.address) {
    await client.request('PATCH', 'platform', `/ihosts/${c0.uuid}`, {
      body: Object.entries(bmcFields(c0Lab, bmcPassword)).map(([k, v]) => ({
        op: 'replace',
        path: `/${k}`,
        value: v,
      })),
    });
  }
  const others = t.hosts.filter(
    (h) => h.hostname !== 'controller-0' && !hosts.some((x) => x.hostname === h.hostname),
  );
  if (others.length === 0) return;
  const sys = (
    await client.get<{ isystems: { uuid: string; system_mode: string }[] }>('platform', '/isystems')
  ).isystems[0];
  if (sys?.system_mode === 'simplex') {
    progress('system mode: simplex → duplex (the lab has more than one host)');
    await client.request('PATCH', 'platform', `/isystems/${sys.uuid}`, {
      body: [{ op: 'replace', path: '/system_mode', value: 'duplex' }],
    });
  }
  for (const h of others) {
    const mac = h.interfaces.find((i) => i.wire === 'mgmt')!.mac;
    await client.request('POST', 'platform', '/ihosts', {
      body: { hostname: h.hostname, personality: h.personality, mgmt_mac: mac, ...bmcFields(h, bmcPassword) },
    });
    progress(
      `host-add ${h.hostname} (${h.personality}, mgmt_mac ${mac}, ${h.bmc.type} BMC at ${h.bmc.address})`,
    );
  }
}

/** Waits until each named host's agent has registered (availability online or better). */
export async function waitRegistered(
  client: ApiClient,
  hostnames: string[],
  timeoutMs: number,
  alive?: () => string | undefined,
): Promise<SiteHost[]> {
  let missing = hostnames;
  return waitFor(
    `hosts registered (${hostnames.join(', ')})`,
    async () => {
      const hosts = await listSiteHosts(client);
      missing = hostnames.filter(
        (n) => !hosts.some((h) => h.hostname === n && REGISTERED.has(h.availability)),
      );
      return missing.length === 0 ? hosts : undefined;
    },
    { timeoutMs, intervalMs: 300, ...(alive ? { alive } : {}) },
  ).catch((e: unknown) => {
    throw isStarlingError(e)
      ? new StarlingError(e.code, `${e.message}; still waiting for ${missing.join(', ')}`)
      : e;
  });
}

export interface UnlockOutcome {
  hostname: string;
  ok: boolean;
  message: string;
}

/** `--unlock`: unlocks each locked host and waits for it to become available. */
export async function unlockHosts(
  client: ApiClient,
  timeoutMs: number,
  progress: (m: string) => void,
): Promise<UnlockOutcome[]> {
  const out: UnlockOutcome[] = [];
  for (const h of await listSiteHosts(client)) {
    if (h.administrative !== 'locked' || h.hostname === null) continue;
    try {
      await client.request('PATCH', 'platform', `/ihosts/${h.uuid}`, {
        body: [{ op: 'replace', path: '/action', value: 'unlock' }],
      });
      progress(`host-unlock ${h.hostname}`);
      await waitFor(
        `${h.hostname} available`,
        async () =>
          (await listSiteHosts(client)).find((x) => x.uuid === h.uuid)?.availability === 'available'
            ? true
            : undefined,
        { timeoutMs, intervalMs: 500 },
      );
      out.push({ hostname: h.hostname, ok: true, message: 'unlocked, available' });
    } catch (e) {
      out.push({
        hostname: h.hostname,
        ok: false,
        message: isStarlingError(e) ? `${e.code}: ${e.message}` : String(e),
      });
    }
  }
  return out;
}

/** Host addresses for an agent's --network flags. */
export function agentNetworkFlags(h: LabHost): string[] {
  const flags: string[] = [];
  for (const n of ['mgmt', 'cluster-host', 'oam'] as const) {
    const a = hostAddress(h, n);
    if (a !== undefined) flags.push('--network', `${n}=${a}`);
  }
  return flags;
}
