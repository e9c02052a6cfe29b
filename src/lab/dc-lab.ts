// Building and tearing down a distributed-cloud lab (dc-topology.ts) on this machine: its /24s
// checked free first, every step run, and on teardown every process in its namespaces stopped
// (a site's controller stops its own PostgreSQL) before the namespaces and the root link go.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '../common/config.ts';
import type { Logger } from '../common/log.ts';
import { StarlingError } from '../common/errors.ts';
import { httpRequest } from '../api/http.ts';
import { killAll } from './cleanup.ts';
import { linkKind, listNamespaces, namespacePids, routedSubnet, runIp, runStep } from './netns.ts';
import { dcLabSetupSteps, dcLinkSteps, planDcLab, type DcLabTopology } from './dc-topology.ts';
import { starlingBin } from './files.ts';

/** Builds the lab; a partial build is torn down before the error is thrown. */
export async function buildDcLab(t: DcLabTopology, log?: Logger): Promise<void> {
  for (const subnet of [...t.root.routes, `${t.root.address}/24`]) {
    const taken = await routedSubnet(subnet.split('.').slice(0, 3).join('.'));
    if (taken !== undefined) throw new StarlingError('CONFLICT', `${subnet} is already routed on this machine (${taken}): choose another base`, { field: 'base' });
  }
  try {
    for (const step of dcLabSetupSteps(t)) await runStep(step);
  } catch (e) {
    await teardownDcLab(t, log);
    throw e;
  }
}

/** Cuts (`up` false) or restores a site's WAN link at the router. */
export async function setDcLink(t: DcLabTopology, site: string, up: boolean): Promise<void> {
  for (const step of dcLinkSteps(t, site, up)) await runStep(step);
}

/** Removes everything the lab made, also after a failed or partial build. */
export async function teardownDcLab(t: DcLabTopology, log?: Logger): Promise<{ namespaces: string[]; killed: number[] }> {
  const ours = new Set([t.routerNamespace, ...t.sites.map((s) => s.namespace)]);
  const namespaces = (await listNamespaces()).filter((ns) => ours.has(ns));
  const pids = (await Promise.all(namespaces.map(namespacePids))).flat();
  if (pids.length > 0) {
    // Starling first (each controller stops its PostgreSQL), then whatever is left.
    await killAll(pids, 10_000);
    const left = (await Promise.all(namespaces.map(namespacePids))).flat();
    if (left.length > 0) await killAll(left, 5000);
  }
  if (namespaces.length > 0) {
    await runIp(['-force', '-batch', '-'], namespaces.map((ns) => `netns del ${ns}\n`).join('')).catch((e: unknown) =>
      log?.warn({ namespaces, err: (e as Error).message }, 'could not delete every namespace'),
    );
  }
  // The root veth goes with the router namespace; make sure (only a veth of that name).
  if ((await linkKind(t.root.ifname)) === 'veth') {
    await runIp(['link', 'del', 'dev', t.root.ifname]).catch((e: unknown) => {
      if (!/Cannot find device/.test((e as Error).message)) log?.warn({ link: t.root.ifname, err: (e as Error).message }, 'could not delete the root link');
    });
  }
  return { namespaces, killed: pids };
}

// --- `starling lab dc-up | dc-cut | dc-restore | dc-down` -----------------------------------------

/** What `dc-up` leaves in the lab folder for the other commands (the password sits beside it, 0600). */
export interface DcLabState {
  topology: DcLabTopology;
  /** `ca`: the site CA its API's certificate chains to (made by its first start), to trust it by. */
  sites: { name: string; role: string; namespace: string; url: string; ca: string; dataDir: string; log: string; pid: number | null }[];
}

export const defaultDcLabDir = (name: string): string => `/tmp/starling-dclab-${name}`;
const stateFile = (dir: string): string => path.join(dir, 'dclab.json');

/** The lab's /24s: the first base, from the name, whose n + 2 /24s are not routed here yet. */
async function freePlan(name: string, subclouds: number): Promise<DcLabTopology> {
  const span = subclouds + 2;
  const bases: number[] = [];
  for (let b = 170; b + span - 1 <= 254; b += span) bases.push(b);
  const start = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % bases.length;
  for (let i = 0; i < bases.length; i++) {
    const t = planDcLab(name, subclouds, bases[(start + i) % bases.length]!);
    const nets = [...t.root.routes, `${t.root.address}/24`].map((s) => s.split('.').slice(0, 3).join('.'));
    if ((await Promise.all(nets.map(routedSubnet))).every((r) => r === undefined)) return t;
  }
  throw new StarlingError('CONFLICT', `no free block of ${span} /24s in 169.254.170-254 for the lab`, { field: 'subclouds' });
}

/**
 * Builds the lab and starts one `starling up` per site in its namespace (the system controller with
 * `auditIntervalSeconds`), detached, each with its data folder and log in `dir`; waits until every
 * API answers. On failure everything is torn down again.
 */
export async function dcLabUp(o: { name: string; subclouds: number; dir?: string; adminPassword: string; auditIntervalSeconds: number; waitMs?: number }): Promise<DcLabState> {
  const dir = o.dir ?? defaultDcLabDir(o.name);
  if (fs.existsSync(stateFile(dir))) throw new StarlingError('CONFLICT', `a distributed-cloud lab already uses ${dir}: run lab dc-down first`, { field: 'name' });
  const t = await freePlan(o.name, o.subclouds);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  await buildDcLab(t);
  // Each site runs its own embedded PostgreSQL: never a database URL from this shell.
  const { STARLING_DATABASE_URL: _ours, ...siteEnv } = childEnv({
    STARLING_ADMIN_PASSWORD: o.adminPassword,
    STARLING_DC_AUDIT_INTERVAL: String(o.auditIntervalSeconds),
    // An audit waits at most as long as its interval (2-10 s), so a cut link shows within seconds.
    STARLING_DC_AUDIT_TIMEOUT: String(Math.max(2, Math.min(10, o.auditIntervalSeconds))),
  });
  try {
    const sites: DcLabState['sites'] = t.sites.map((s) => {
      const dataDir = path.join(dir, s.name);
      const log = path.join(dir, `${s.name}.log`);
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
      const out = fs.openSync(log, 'a');
      const child = spawn('ip', ['netns', 'exec', s.namespace, starlingBin(), 'up', '--data-dir', dataDir, '--port', '6385', '--bind', '0.0.0.0', '--role', s.role], {
        detached: true,
        stdio: ['ignore', out, out],
        env: siteEnv,
      });
      child.unref();
      fs.closeSync(out);
      const ca = path.join(dataDir, 'tls', 'ca.crt');
      return { name: s.name, role: s.role, namespace: s.namespace, url: `https://${s.address}:6385`, ca, dataDir, log, pid: child.pid ?? null };
    });
    const state: DcLabState = { topology: t, sites };
    fs.writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
    const end = Date.now() + (o.waitMs ?? 300_000);
    for (const s of sites) {
      for (;;) {
        // Its CA exists once its first start has made it; until then it cannot be trusted (nor asked).
        const ok =
          fs.existsSync(s.ca) &&
          (await httpRequest(`${s.url}/health/ready`, { method: 'GET', ca: fs.readFileSync(s.ca, 'utf8'), signal: AbortSignal.timeout(3000) }).then(
            async (r) => (await r.text(), r.status === 200),
            () => false,
          ));
        if (ok) break;
        if (Date.now() > end) throw new StarlingError('SERVICE_UNAVAILABLE', `${s.name} did not answer at ${s.url} (see ${s.log})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    return state;
  } catch (e) {
    await teardownDcLab(t);
    fs.rmSync(stateFile(dir), { force: true });
    throw e;
  }
}

export function readDcLab(o: { name: string; dir?: string }): DcLabState {
  const file = stateFile(o.dir ?? defaultDcLabDir(o.name));
  if (!fs.existsSync(file)) throw new StarlingError('NOT_FOUND', `no distributed-cloud lab ${o.name} (${file} is missing)`, { field: 'name' });
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DcLabState;
}

/** Stops every site, removes the namespaces and the root link, and the folder unless `keep`. */
export async function dcLabDown(o: { name: string; dir?: string; keep?: boolean }): Promise<{ namespaces: string[]; killed: number[]; removed: boolean }> {
  const dir = o.dir ?? defaultDcLabDir(o.name);
  // Without the state file the plan is unknown: every namespace the name owns is recognised instead.
  const t = fs.existsSync(stateFile(dir)) ? readDcLab(o).topology : undefined;
  const r = t
    ? await teardownDcLab(t)
    : await teardownDcLab({
        name: o.name,
        routerNamespace: `${o.name}-rt`,
        sites: (await listNamespaces())
          .filter((ns) => ns === `${o.name}-sc` || new RegExp(`^${o.name}-sub\\d+$`).test(ns))
          .map((namespace) => ({ name: namespace, role: 'subcloud', namespace, routerPort: '', address: '', gateway: '', subnet: '' })),
        root: { ifname: `${o.name}-dc`, routerPort: '', address: '', gateway: '', routes: [] },
      });
  if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  return { ...r, removed: !o.keep };
}
