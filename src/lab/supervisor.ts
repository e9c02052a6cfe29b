// The lab daemon (`starling lab daemon`): builds the lab's network, owns every process of the
// virtual site (BMC emulators, controller, agents) and carries out cuts and power actions.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { childEnv } from '../common/config.ts';
import { StarlingError, isStarlingError } from '../common/errors.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import { controlRequest, serveControl, type ControlRequest, type ControlServer } from './control.ts';
import {
  labPaths,
  readLab,
  readLabSecrets,
  starlingBin,
  type LabFile,
  type LabPaths,
  type LabSecrets,
} from './files.ts';
import { linkSteps, linkStates, namespacePids, runStep, setupSteps, type LinkState } from './netns.ts';
import { killAll, teardownLab, type TeardownReport } from './cleanup.ts';
import {
  adminClient,
  agentNetworkFlags,
  healthy,
  provisionSite,
  unlockHosts,
  waitFor,
  waitRegistered,
  type UnlockOutcome,
} from './provision.ts';
import {
  API_PORT,
  findHost,
  parseNetworks,
  type LabHost,
  type LabTopology,
  type LabWire,
} from './topology.ts';

export type PowerAction = 'on' | 'off' | 'cycle' | 'reset' | 'status';
export const POWER_ACTIONS: readonly PowerAction[] = ['on', 'off', 'cycle', 'reset', 'status'];
export type PowerState = 'on' | 'off';

export interface LaunchSpec {
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/**
 * One supervised child process: started on demand, restarted with backoff (1 s, then up to 30 s)
 * if it dies while wanted — like `starling up` supervises its agent — and stopped with SIGTERM,
 * then SIGKILL after a grace period.
 */
export class Supervised {
  private child: ChildProcess | undefined;
  private wanted = false;
  private delay = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Why the process last exited, for status and errors. */
  lastExit: string | undefined;
  /** Where its output goes (set at the first start). */
  logFile = '';

  constructor(
    readonly name: string,
    private readonly spec: () => LaunchSpec,
    private readonly log: Logger,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.wanted = true;
    if (this.running || this.timer) return;
    this.delay = 0;
    this.launch();
  }

  private launch(): void {
    this.timer = undefined;
    if (!this.wanted) return;
    const s = this.spec();
    this.logFile = s.logFile;
    fs.mkdirSync(path.dirname(s.logFile), { recursive: true });
    const fd = fs.openSync(s.logFile, 'a');
    const startedAt = Date.now();
    const child = spawn(s.args[0]!, s.args.slice(1), { env: s.env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.child = child;
    this.log.info({ proc: this.name, pid: child.pid }, 'started');
    child.once('error', (e) => this.log.error({ proc: this.name, err: e.message }, 'could not start'));
    child.once('exit', (code, signal) => {
      this.lastExit = signal ?? `exit code ${code}`;
      if (!this.wanted) return;
      // A process that ran a minute before dying starts again at once-ish; a crash loop backs off.
      this.delay =
        Date.now() - startedAt > 60_000 ? 1000 : nextBackoff(this.delay, { initialMs: 1000, maxMs: 30_000 });
      this.log.warn(
        { proc: this.name, exit: this.lastExit, restartInMs: this.delay, log: s.logFile },
        'exited unexpectedly; restarting',
      );
      this.timer = setTimeout(() => this.launch(), this.delay);
    });
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.wanted = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => c.kill('SIGKILL'), graceMs);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill('SIGTERM');
    });
    this.log.info({ proc: this.name }, 'stopped');
  }
}

export interface HostStatus {
  hostname: string;
  personality: string;
  namespace: string;
  power: PowerState;
  agentPid: number | null;
  controllerPid: number | null;
  bmc: { type: string; address: string; port: number };
  interfaces: { ifname: string; network: LabWire; mac: string; address: string; link: string }[];
}

export interface LabStatus {
  name: string;
  dir: string;
  phase: string;
  daemonPid: number;
  apiUrl: string;
  mgmtApiUrl: string;
  openrc: string;
  bmcServerPid: number | null;
  root: { ifname: string; address: string; link: string };
  hosts: HostStatus[];
  unlock?: UnlockOutcome[];
}

/** How a link reads in status: up, down (set down: cut or powered off), or no-carrier (the other end is down). */
function linkWord(s: LinkState | undefined): string {
  if (!s) return 'missing';
  if (!s.adminUp) return 'down';
  return s.operstate === 'UP'
    ? 'up'
    : s.operstate === 'LOWERLAYERDOWN' || s.operstate === 'DOWN'
      ? 'no-carrier'
      : s.operstate.toLowerCase();
}

/** Grace periods: an agent gets 2 s (a power cut is abrupt); the controller time to stop PostgreSQL. */
const AGENT_GRACE_MS = 2000;
const CONTROLLER_GRACE_MS = 20_000;

export class LabDaemon {
  readonly paths: LabPaths;
  readonly lab: LabFile;
  readonly t: LabTopology;
  private readonly secrets: LabSecrets;
  private readonly log: Logger;
  private server: ControlServer | undefined;
  private phase: 'starting' | 'ready' | 'failed' | 'stopping' | 'stopped' = 'starting';
  private readonly progressLog: string[] = [];
  private readonly listeners = new Set<(m: string) => void>();
  private upDone: Promise<void> | undefined;
  private upError: StarlingError | undefined;
  private unlock: UnlockOutcome[] | undefined;
  private readonly power = new Map<string, PowerState>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private agentPassword: string | undefined;
  private bmcReady: (() => void) | undefined;
  private stopping: Promise<TeardownReport> | undefined;
  readonly bmc: Supervised;
  readonly controller: Supervised;
  readonly agents = new Map<string, Supervised>();
  /** Resolves when the daemon has nothing left to do: `down` ran, or `up` failed and was reported. */
  readonly finished: Promise<number>;
  private finish: (code: number) => void = () => undefined;

  constructor(dir: string, log: Logger) {
    this.paths = labPaths(dir);
    this.lab = readLab(this.paths);
    this.t = this.lab.topology;
    this.secrets = readLabSecrets(this.paths);
    this.log = log;
    this.finished = new Promise((r) => (this.finish = r));
    const node = process.execPath;
    const bin = starlingBin();
    const inNs = (ns: string, args: string[]): string[] => ['ip', 'netns', 'exec', ns, node, bin, ...args];
    this.bmc = new Supervised(
      'bmc-serve',
      () => ({
        args: inNs(this.t.bmcNamespace, ['lab', 'bmc-serve', '--dir', this.paths.dir]),
        env: childEnv(),
        logFile: path.join(this.paths.bmcDir, 'bmc-serve.log'),
      }),
      log,
    );
    const c0 = findHost(this.t, 'controller-0');
    this.controller = new Supervised(
      'controller',
      () => ({
        args: inNs(c0.namespace, [
          'controller',
          '--data-dir',
          this.paths.controllerData,
          '--bind',
          '0.0.0.0',
          '--port',
          String(API_PORT),
        ]),
        // The lab's controller always runs its embedded PostgreSQL: a server in the root namespace
        // (STARLING_DATABASE_URL) is not reachable from controller-0's namespace.
        env: childEnv({
          STARLING_ADMIN_PASSWORD: this.secrets.admin_password,
          STARLING_REDFISH_SCHEME: 'http',
          STARLING_DATABASE_URL: undefined,
          STARLING_DATA_DIR: undefined,
        }),
        logFile: path.join(this.paths.controllerData, 'stdout.log'),
      }),
      log,
    );
    for (const h of this.t.hosts) {
      this.power.set(h.hostname, 'on');
      const controllerUrl =
        h.hostname === 'controller-0' ? `https://127.0.0.1:${API_PORT}` : this.t.mgmtApiUrl;
      const args = [
        'agent',
        '--controller',
        controllerUrl,
        // Enrolment: the site CA the controller made, the only CA its certificate may chain to.
        '--controller-ca',
        this.paths.caFile,
        '--hostname',
        h.hostname,
        '--mgmt-interface',
        'mgmt0',
        ...agentNetworkFlags(h),
      ];
      if (h.hostname === 'controller-0') args.push('--bootstrap-controller');
      args.push('--state-dir', path.join(this.paths.hostDir(h.hostname), 'state'), '--pmon-dir', writeLabPmon(this.paths.hostDir(h.hostname)));
      this.agents.set(
        h.hostname,
        new Supervised(
          `agent ${h.hostname}`,
          () => ({
            args: inNs(h.namespace, args),
            env: childEnv({ STARLING_AGENT_PASSWORD: this.agentPassword }),
            logFile: path.join(this.paths.hostDir(h.hostname), 'agent.log'),
          }),
          log,
        ),
      );
    }
  }

  /** Starts the control socket, then builds the lab in the background. */
  async start(): Promise<void> {
    fs.writeFileSync(this.paths.daemonPid, `${process.pid}\n`);
    this.server = await serveControl(this.paths.controlSocket, (req, progress) => this.handle(req, progress));
    this.upDone = this.up().catch(async (e: unknown) => {
      this.upError = isStarlingError(e) ? e : new StarlingError('INTERNAL', (e as Error).message);
      // `lab down` (or SIGTERM) during `up`: that teardown owns the ending.
      if (this.stopping) return;
      this.log.error({ err: this.upError.message }, 'lab up failed; tearing down');
      this.say(`failed: ${this.upError.message}`);
      await this.teardown().catch((te: unknown) =>
        this.log.error({ err: (te as Error).message }, 'teardown after a failed up failed'),
      );
      this.phase = 'failed';
      // Stay long enough for `lab up` to read the error, then leave.
      setTimeout(() => void this.exit(1), 30_000).unref();
    });
  }

  private say(message: string): void {
    this.log.info({ progress: message });
    this.progressLog.push(message);
    for (const l of this.listeners) l(message);
  }

  /** For waits: undefined while `p` runs; once it died, why, with the end of its log (the folder may be removed after a failed `up`). */
  private alive(p: Supervised): () => string | undefined {
    return () => {
      if (p.running || p.lastExit === undefined) return undefined;
      let tail = '';
      try {
        tail = fs.readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-6).join('\n');
      } catch {
        // no log yet
      }
      return `${p.name} exited (${p.lastExit}); ${p.logFile} ends with:\n${tail}`;
    };
  }

  /** Between the steps of `up`: a `down` that arrived meanwhile stops it (nothing is started after a teardown). */
  private continueUp(): void {
    if (this.stopping)
      throw new StarlingError('SERVICE_UNAVAILABLE', 'the lab was stopped while it was starting');
  }

  private async up(): Promise<void> {
    const t = this.t;
    this.say(
      `network: namespaces ${t.switchNamespace} (bridges ${Object.values(t.bridges).join(', ')}), ${t.bmcNamespace}, ${t.hosts.map((h) => h.namespace).join(', ')}; ${t.root.ifname} ${t.root.address} in the root namespace`,
    );
    for (const step of setupSteps(t)) {
      this.continueUp();
      await runStep(step);
    }

    this.say(
      `BMC emulators: ${t.hosts.map((h) => `${h.hostname} ${h.bmc.type} ${h.bmc.address}:${h.bmc.port}`).join(', ')}`,
    );
    let bmcReady = false;
    this.bmcReady = () => (bmcReady = true);
    this.continueUp();
    this.bmc.start();
    await waitFor('BMC emulators ready', async () => (bmcReady ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 100,
      alive: this.alive(this.bmc),
    });

    this.say(`controller in ${findHost(t, 'controller-0').namespace}: ${t.apiUrl}`);
    this.continueUp();
    this.controller.start();
    await waitFor('the controller API', () => healthy(t.apiUrl, this.paths.caFile), {
      timeoutMs: 120_000,
      intervalMs: 200,
      alive: this.alive(this.controller),
    });
    this.agentPassword = await waitFor(
      'the agents’ password in controller-0/secrets.json',
      async () => this.readAgentPassword(),
      { timeoutMs: 30_000 },
    );

    this.continueUp();
    this.agents.get('controller-0')!.start();
    const client = await adminClient(t.apiUrl, this.secrets.admin_password, this.paths.caFile);
    await waitRegistered(client, ['controller-0'], 90_000, this.alive(this.agents.get('controller-0')!));
    this.say('controller-0 registered');
    this.continueUp();
    await provisionSite(client, t, this.secrets.bmc_password, (m) => this.say(m));
    for (const h of t.hosts) if (h.hostname !== 'controller-0') this.agents.get(h.hostname)!.start();
    await waitRegistered(
      client,
      t.hosts.map((h) => h.hostname),
      120_000,
    );
    this.say(`every host registered (${t.hosts.map((h) => h.hostname).join(', ')})`);
    this.continueUp();
    if (this.lab.options.unlock) this.unlock = await unlockHosts(client, 300_000, (m) => this.say(m));
    this.phase = 'ready';
    this.say('ready');
  }

  private readAgentPassword(): string | undefined {
    try {
      return (
        JSON.parse(fs.readFileSync(path.join(this.paths.controllerData, 'secrets.json'), 'utf8')) as {
          agent_password?: string;
        }
      ).agent_password;
    } catch {
      return undefined;
    }
  }

  /** Runs `fn` after every earlier action on the same host: power and link changes never interleave. */
  private serial<T>(host: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(host) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      host,
      next.catch(() => undefined),
    );
    return next;
  }

  private requireReady(): void {
    if (this.phase !== 'ready') throw new StarlingError('SERVICE_UNAVAILABLE', `the lab is ${this.phase}`);
  }

  private async handle(req: ControlRequest, progress: (m: string) => void): Promise<unknown> {
    if (!['ping', 'status', 'wait-up'].includes(req.op))
      this.log.info(
        { op: req.op, host: req.host, networks: req.networks, action: req.action, source: req.source },
        'control request',
      );
    switch (req.op) {
      case 'ping':
        return { pid: process.pid, phase: this.phase };
      case 'wait-up':
        return this.waitUp(progress);
      case 'status':
        return this.status();
      case 'bmc-ready':
        // The emulators (re)started: they learn the power state of every host from us.
        this.bmcReady?.();
        return { power: Object.fromEntries(this.power) };
      case 'cut':
      case 'restore': {
        this.requireReady();
        const h = findHost(this.t, String(req.host));
        const names = Array.isArray(req.networks) ? (req.networks as unknown[]).map(String) : [];
        if (req.op === 'cut' && names.length === 0)
          throw new StarlingError('USAGE', 'name the networks to cut', { field: 'network' });
        const wires: LabWire[] =
          names.length > 0 ? parseNetworks(this.t, names) : h.interfaces.map((i) => i.wire);
        return this.serial(h.hostname, async () => {
          if (this.power.get(h.hostname) === 'off')
            throw new StarlingError(
              'HOST_STATE_CONFLICT',
              `${h.hostname} is powered off: its links are down until it is powered on`,
              { field: 'host' },
            );
          for (const s of linkSteps(h, wires, req.op === 'restore')) await runStep(s);
          this.log.info({ host: h.hostname, wires, op: req.op }, 'links changed');
          return { host: h.hostname, interfaces: await this.interfaces(h) };
        });
      }
      case 'power': {
        // A BMC may be driven by the controller's maintenance while the lab still starts up.
        if (!(req.source === 'bmc' && this.phase === 'starting')) this.requireReady();
        const h = findHost(this.t, String(req.host));
        const action = String(req.action) as PowerAction;
        if (!POWER_ACTIONS.includes(action))
          throw new StarlingError('USAGE', `power action must be one of ${POWER_ACTIONS.join(', ')}`, {
            field: 'action',
          });
        const fromBmc = req.source === 'bmc';
        const run = async (): Promise<PowerState> => {
          const state = await this.serial(h.hostname, () => this.powerAction(h, action));
          // An operator's power action goes through the host's BMC too, so the controller's BMC
          // driver reads the same state (a BMC-originated one is already there).
          if (!fromBmc && action !== 'status') await this.syncBmc(h, state);
          return state;
        };
        if (req.wait === false && action !== 'status') {
          // Queued in arrival order (serial), answered at once: what ipmi_sim's chassis script needs.
          run().catch((e: unknown) =>
            this.log.error({ host: h.hostname, action, err: (e as Error).message }, 'power action failed'),
          );
          return { host: h.hostname, power: action === 'off' ? 'off' : 'on', queued: true };
        }
        return { host: h.hostname, power: await run() };
      }
      case 'down':
        return this.down();
      default:
        throw new StarlingError('BAD_REQUEST', `unknown lab control operation '${req.op}'`);
    }
  }

  private async waitUp(progress: (m: string) => void): Promise<LabStatus> {
    for (const m of this.progressLog) progress(m);
    this.listeners.add(progress);
    try {
      await this.upDone;
    } finally {
      this.listeners.delete(progress);
    }
    if (this.upError) {
      // Reported: nothing keeps the daemon now.
      setTimeout(() => void this.exit(1), 200).unref();
      throw this.upError;
    }
    return this.status();
  }

  private async syncBmc(h: LabHost, state: PowerState): Promise<void> {
    try {
      await controlRequest(
        this.paths.bmcSocket,
        { op: 'set-power', host: h.hostname, power: state },
        { timeoutMs: 10_000 },
      );
    } catch (e) {
      this.log.warn(
        { host: h.hostname, err: (e as Error).message },
        'could not set the BMC emulator’s power state',
      );
    }
  }

  /** Power off: links down (a powered-off NIC has no link) and the host's processes stopped. Power on: like a boot, every link up, then the processes. */
  private async powerAction(h: LabHost, action: PowerAction): Promise<PowerState> {
    const current = this.power.get(h.hostname)!;
    if (action === 'status') return current;
    if (action === 'off' || action === 'cycle' || action === 'reset') {
      if (current === 'on') await this.powerOff(h);
      if (action === 'off') return 'off';
    }
    if (this.power.get(h.hostname) === 'off') await this.powerOn(h);
    return 'on';
  }

  private async powerOff(h: LabHost): Promise<void> {
    this.power.set(h.hostname, 'off');
    // Processes first, links second: the agent's channel closes cleanly, so the controller sees
    // the agent gone at once (GET /v1/agents); with the links down first its FIN would be lost and
    // only heartbeat loss would tell. Anything else left in the namespace dies with the power.
    const stops: Promise<void>[] = [this.agents.get(h.hostname)!.stop(AGENT_GRACE_MS)];
    if (h.hostname === 'controller-0') stops.push(this.controller.stop(CONTROLLER_GRACE_MS));
    await Promise.all(stops);
    const left = await namespacePids(h.namespace);
    if (left.length > 0) await killAll(left, AGENT_GRACE_MS);
    for (const s of linkSteps(
      h,
      h.interfaces.map((i) => i.wire),
      false,
    ))
      await runStep(s);
    this.log.info({ host: h.hostname, killed: left }, 'powered off');
  }

  private async powerOn(h: LabHost): Promise<void> {
    for (const s of linkSteps(
      h,
      h.interfaces.map((i) => i.wire),
      true,
    ))
      await runStep(s);
    if (h.hostname === 'controller-0') this.controller.start();
    this.agents.get(h.hostname)!.start();
    this.power.set(h.hostname, 'on');
    this.log.info({ host: h.hostname }, 'powered on');
  }

  private async interfaces(h: LabHost): Promise<HostStatus['interfaces']> {
    const states = await linkStates(h.namespace).catch(() => [] as LinkState[]);
    return h.interfaces.map((i) => ({
      ifname: i.ifname,
      network: i.wire,
      mac: i.mac,
      address: `${i.address}/${i.prefixLength}`,
      link: linkWord(states.find((s) => s.ifname === i.ifname)),
    }));
  }

  async status(): Promise<LabStatus> {
    const t = this.t;
    const rootStates = await linkStates(undefined).catch(() => [] as LinkState[]);
    return {
      name: t.name,
      dir: this.paths.dir,
      phase: this.phase,
      daemonPid: process.pid,
      apiUrl: t.apiUrl,
      mgmtApiUrl: t.mgmtApiUrl,
      openrc: this.paths.openrc,
      bmcServerPid: this.bmc.pid ?? null,
      root: {
        ifname: t.root.ifname,
        address: `${t.root.address}/${t.root.prefixLength}`,
        link: linkWord(rootStates.find((s) => s.ifname === t.root.ifname)),
      },
      hosts: await Promise.all(
        t.hosts.map(async (h) => ({
          hostname: h.hostname,
          personality: h.personality,
          namespace: h.namespace,
          power: this.power.get(h.hostname)!,
          agentPid: this.agents.get(h.hostname)!.pid ?? null,
          controllerPid: h.hostname === 'controller-0' ? (this.controller.pid ?? null) : null,
          bmc: h.bmc,
          interfaces: await this.interfaces(h),
        })),
      ),
      ...(this.unlock ? { unlock: this.unlock } : {}),
    };
  }

  /** Stops every process and deletes the lab's network; the folder stays (the CLI removes it). */
  private teardown(): Promise<TeardownReport> {
    this.stopping ??= (async () => {
      this.phase = 'stopping';
      await Promise.all([...this.agents.values()].map((a) => a.stop(AGENT_GRACE_MS)));
      await this.controller.stop(CONTROLLER_GRACE_MS);
      await this.bmc.stop(5000);
      const report = await teardownLab(this.t.name, this.t, this.log);
      this.phase = 'stopped';
      return report;
    })();
    return this.stopping;
  }

  private async down(): Promise<TeardownReport> {
    const report = await this.teardown();
    setTimeout(() => void this.exit(0), 100).unref();
    return report;
  }

  private async exit(code: number): Promise<void> {
    await this.server?.close();
    fs.rmSync(this.paths.daemonPid, { force: true });
    this.finish(code);
  }

  /** SIGTERM/SIGINT: the same as `lab down`, without removing the folder. */
  async onSignal(): Promise<void> {
    await this.teardown();
    await this.exit(0);
  }
}

/** `starling lab daemon --dir DIR`: runs until `lab down` (or SIGTERM). */
export async function runLabDaemon(dir: string): Promise<number> {
  const log = createLogger('info', 'lab', pino.destination({ dest: 1, sync: true }));
  const daemon = new LabDaemon(dir, log);
  const onSignal = (sig: NodeJS.Signals): void => {
    log.info({ signal: sig }, 'stopping the lab');
    void daemon.onSignal();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await daemon.start();
  const code = await daemon.finished;
  log.info({ code }, 'lab daemon exits');
  // Nothing of the lab is left to serve; an idle keep-alive socket to the stopped controller must
  // not keep the process (and `lab down`, which waits for it) around.
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}

/** The process every lab host's pmon watches: `lab-critical`, a stand-in for a platform daemon
 *  (StarlingX: sm, mtcClient…), critical, so tests and demos can kill it (pmon restarts it) or
 *  break its start script (`hosts/HOST/bin/lab-critical`) to make the host fail. */
export function writeLabPmon(hostDir: string): string {
  const bin = path.join(hostDir, 'bin');
  const pmonDir = path.join(hostDir, 'pmon.d');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(pmonDir, { recursive: true });
  const script = path.join(bin, 'lab-critical');
  fs.writeFileSync(script, '#!/bin/sh\nexec sleep 2147483647\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(pmonDir, 'lab-critical.conf'),
    `[process]\nprocess = lab-critical\ncommand = ${script}\nseverity = critical\nrestarts = 2\ninterval = 1\ndebounce = 2\nstartuptime = 1\n`,
  );
  return pmonDir;
}
