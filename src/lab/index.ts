// The lab's API for the CLI and the system tests: `labUp` plans the site, starts the detached lab
// daemon and follows it until the site is up; the other calls talk to that daemon over its socket.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { childEnv } from '../common/config.ts';
import { StarlingError, isStarlingError } from '../common/errors.ts';
import { killAll, teardownLab, waitExit, type TeardownReport } from './cleanup.ts';
import { checkSocketPath, controlRequest } from './control.ts';
import {
  createLabDir,
  defaultLabDir,
  labPaths,
  newLabSecrets,
  readLab,
  readLabSecrets,
  starlingBin,
  type LabPaths,
} from './files.ts';
import { linkStates, listNamespaces, routedSubnet } from './netns.ts';
import type { HostStatus, LabStatus, PowerAction, PowerState } from './supervisor.ts';
import {
  LAB_NETWORKS,
  checkLabName,
  isLabNamespace,
  planLab,
  type BmcChoice,
  type LabNetwork,
  type LabTopology,
} from './topology.ts';

export type { LabStatus, HostStatus, PowerAction, PowerState, LabTopology, TeardownReport };
export { defaultLabDir } from './files.ts';
export { planLab } from './topology.ts';
export { runLabDaemon } from './supervisor.ts';
export { runBmcServer } from './bmc-serve.ts';

export const IPMI_SIM = '/usr/bin/ipmi_sim';
export const DEFAULT_LAB_NAME = 'stl';

export interface LabUpOptions {
  hosts: string[];
  name?: string;
  dir?: string;
  networks?: LabNetwork[];
  bmc?: BmcChoice;
  /** Unlock every locked host once registered, and wait for `available`. */
  unlock?: boolean;
  /** Keep the lab folder (logs) when `up` fails. */
  keepOnFailure?: boolean;
  onProgress?: (message: string) => void;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new StarlingError(
      'LAB_NEEDS_ROOT',
      'the lab creates network namespaces, veths and bridges: run it as root (CI does)',
    );
}

/** The lab folder from --dir, else from --name (default `stl`). */
export function resolveLabDir(o: { name?: string; dir?: string }): string {
  return o.dir ?? defaultLabDir(checkLabName(o.name ?? DEFAULT_LAB_NAME));
}

async function daemonAnswers(p: LabPaths): Promise<boolean> {
  try {
    await controlRequest(p.controlSocket, { op: 'ping' }, { timeoutMs: 3000 });
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Builds the lab and returns once every host's agent has registered (and, with `unlock`, after unlocking). */
export async function labUp(o: LabUpOptions): Promise<LabStatus> {
  requireRoot();
  const name = checkLabName(o.name ?? DEFAULT_LAB_NAME);
  const t = planLab({
    name,
    hosts: o.hosts,
    networks: o.networks ?? [...LAB_NETWORKS],
    bmc: o.bmc ?? 'mixed',
    ipmiAvailable: fs.existsSync(IPMI_SIM),
  });
  const p = labPaths(o.dir ?? defaultLabDir(name));
  checkSocketPath(p.controlSocket);
  checkSocketPath(p.bmcSocket);

  if (fs.existsSync(p.labJson)) {
    throw new StarlingError(
      'LAB_IN_USE',
      (await daemonAnswers(p))
        ? `a lab is running in ${p.dir}`
        : `${p.dir} holds a lab that is not running: remove it with 'starling lab down --dir ${p.dir}'`,
      { field: '--dir' },
    );
  }
  const mine = (await listNamespaces()).filter((ns) => isLabNamespace(name, ns));
  if (mine.length > 0)
    throw new StarlingError(
      'LAB_IN_USE',
      `namespaces of a lab named ${name} exist (${mine.join(', ')}): 'starling lab down --name ${name}' removes them`,
      { field: '--name' },
    );
  if ((await linkStates(undefined)).some((l) => l.ifname === t.root.ifname)) {
    throw new StarlingError('LAB_IN_USE', `the root namespace already has a link ${t.root.ifname}`, {
      field: '--name',
    });
  }
  const rootSubnet = t.subnets[t.root.wire];
  const routed = await routedSubnet(rootSubnet);
  if (routed !== undefined) {
    throw new StarlingError(
      'LAB_IN_USE',
      `${rootSubnet}.0/24, this lab's ${t.root.wire} network, is already routed here (${routed}): choose another --name`,
      { field: '--name' },
    );
  }

  createLabDir(
    p,
    {
      options: {
        name,
        hosts: t.hosts.map((h) => h.hostname),
        networks: t.networks,
        bmc: o.bmc ?? 'mixed',
        unlock: o.unlock ?? false,
      },
      topology: t,
    },
    newLabSecrets(),
  );
  const fail = async (e: unknown): Promise<never> => {
    const logTail = tail(p.daemonLog, 8);
    await teardownLab(name, t).catch(() => undefined);
    if (!o.keepOnFailure) fs.rmSync(p.dir, { recursive: true, force: true });
    const err = isStarlingError(e) ? e : new StarlingError('INTERNAL', (e as Error).message);
    const where = o.keepOnFailure
      ? `logs in ${p.dir}`
      : `the lab folder was removed; --keep-on-failure keeps its logs`;
    throw new StarlingError(
      err.code,
      `lab up failed: ${err.message}\n(${where}; last lines of lab.log:)\n${logTail}`,
      err.field === undefined ? {} : { field: err.field },
    );
  };

  // The daemon outlives this command: its own session, output to the lab log.
  const log = fs.openSync(p.daemonLog, 'a');
  const daemon = spawn(process.execPath, [starlingBin(), 'lab', 'daemon', '--dir', p.dir], {
    detached: true,
    stdio: ['ignore', log, log],
    env: childEnv(),
  });
  fs.closeSync(log);
  let exited: string | undefined;
  daemon.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  daemon.unref();
  try {
    // The first start may rebuild dist/ (bin/starling does when src/ is newer): allow a minute.
    const until = Date.now() + 60_000;
    while (!(await daemonAnswers(p))) {
      if (exited !== undefined)
        throw new StarlingError('INTERNAL', `the lab daemon exited (${exited}) before it answered`);
      if (Date.now() > until)
        throw new StarlingError(
          'SERVICE_UNAVAILABLE',
          'the lab daemon did not open its control socket within 60 s',
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    return await controlRequest<LabStatus>(
      p.controlSocket,
      { op: 'wait-up' },
      { timeoutMs: 15 * 60_000, ...(o.onProgress ? { onProgress: o.onProgress } : {}) },
    );
  } catch (e) {
    return fail(e);
  }
}

export async function labStatus(dir: string): Promise<LabStatus> {
  return controlRequest<LabStatus>(labPaths(dir).controlSocket, { op: 'status' });
}

export async function labCut(
  dir: string,
  host: string,
  networks: string[],
): Promise<{ host: string; interfaces: HostStatus['interfaces'] }> {
  return controlRequest(labPaths(dir).controlSocket, { op: 'cut', host, networks });
}

export async function labRestore(
  dir: string,
  host: string,
  networks: string[] = [],
): Promise<{ host: string; interfaces: HostStatus['interfaces'] }> {
  return controlRequest(labPaths(dir).controlSocket, { op: 'restore', host, networks });
}

/** A power action through the lab daemon; `source: 'bmc'` is what a BMC emulator reports. */
export async function labPower(
  dir: string,
  host: string,
  action: PowerAction,
  o: { source?: 'cli' | 'bmc'; wait?: boolean } = {},
): Promise<{ host: string; power: PowerState }> {
  // Powering off controller-0 waits for the controller to stop its PostgreSQL.
  return controlRequest(
    labPaths(dir).controlSocket,
    { op: 'power', host, action, source: o.source ?? 'cli', wait: o.wait ?? true },
    { timeoutMs: 90_000 },
  );
}

export interface DownReport extends TeardownReport {
  dir: string;
  daemon: 'stopped' | 'not running';
  removed: boolean;
}

/**
 * Stops the lab: through its daemon when it answers; otherwise (a daemon that died) by what is on
 * the machine: the namespaces of the lab's name, their processes, the root veth. Then the folder
 * goes, unless `keep`.
 */
export async function labDown(o: { name?: string; dir?: string; keep?: boolean }): Promise<DownReport> {
  requireRoot();
  const p = labPaths(resolveLabDir(o));
  let t: LabTopology | undefined;
  try {
    t = readLab(p).topology;
  } catch {
    t = undefined;
  }
  const name = t?.name ?? checkLabName(o.name ?? DEFAULT_LAB_NAME);
  let daemon: DownReport['daemon'] = 'not running';
  let byDaemon: TeardownReport | undefined;
  if (await daemonAnswers(p)) {
    byDaemon = await controlRequest<TeardownReport>(p.controlSocket, { op: 'down' }, { timeoutMs: 120_000 });
    daemon = 'stopped';
    // It exits right after answering.
    const pid = readPid(p.daemonPid);
    if (pid !== undefined && !(await waitExit([pid], 5000))) await killAll([pid], 3000);
  } else {
    // A daemon that no longer answers (stuck, or killed mid-way) must not keep restarting children.
    const pid = readPid(p.daemonPid);
    if (pid !== undefined && isLabDaemon(pid, p.dir)) await killAll([pid], 3000);
  }
  // Whatever the daemon did, look again: what is left of the lab's name goes too.
  const left = await teardownLab(name, t);
  const report: TeardownReport = {
    namespaces: [...(byDaemon?.namespaces ?? []), ...left.namespaces],
    killed: [...(byDaemon?.killed ?? []), ...left.killed],
    rootLinks: [...(byDaemon?.rootLinks ?? []), ...left.rootLinks],
  };
  const removed = !o.keep && fs.existsSync(p.dir);
  if (removed) fs.rmSync(p.dir, { recursive: true, force: true });
  else if (o.keep) {
    fs.rmSync(p.controlSocket, { force: true });
    fs.rmSync(p.bmcSocket, { force: true });
  }
  return { ...report, dir: p.dir, daemon, removed };
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Is `pid` this folder's lab daemon (and not some other process that reused the pid)? */
function isLabDaemon(pid: number, dir: string): boolean {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('daemon') && args.includes('lab') && args.includes(dir);
  } catch {
    return false;
  }
}

/** A running lab, for tests and scripts. */
export interface Lab {
  name: string;
  dir: string;
  /** The controller's API from this machine (over the root namespace's OAM veth). */
  url: string;
  adminPassword: string;
  bmcPassword: string;
  openrc: string;
  /** The site CA's certificate (OS_CACERT): the API's certificate chains to it. */
  caFile: string;
  topology: LabTopology;
  hosts: HostStatus[];
  cut(host: string, networks: string[]): Promise<void>;
  restore(host: string, networks?: string[]): Promise<void>;
  powerOff(host: string): Promise<void>;
  powerOn(host: string): Promise<void>;
  status(): Promise<LabStatus>;
  down(o?: { keep?: boolean }): Promise<DownReport>;
}

export async function startLab(o: LabUpOptions): Promise<Lab> {
  const s = await labUp(o);
  const p = labPaths(s.dir);
  const secrets = readLabSecrets(p);
  return {
    name: s.name,
    dir: s.dir,
    url: s.apiUrl,
    adminPassword: secrets.admin_password,
    bmcPassword: secrets.bmc_password,
    openrc: s.openrc,
    caFile: p.caFile,
    topology: readLab(p).topology,
    hosts: s.hosts,
    cut: async (host, networks) => void (await labCut(s.dir, host, networks)),
    restore: async (host, networks) => void (await labRestore(s.dir, host, networks)),
    powerOff: async (host) => void (await labPower(s.dir, host, 'off')),
    powerOn: async (host) => void (await labPower(s.dir, host, 'on')),
    status: () => labStatus(s.dir),
    down: (d = {}) => labDown({ dir: s.dir, ...d }),
  };
}
