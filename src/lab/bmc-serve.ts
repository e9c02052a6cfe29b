// `starling lab bmc-serve`: runs inside the lab's BMC namespace, one emulator per host on that
// host's BMC address, and relays power changes between the emulators and the lab daemon.

import path from 'node:path';
import { pino } from 'pino';
import { StarlingError } from '../common/errors.ts';
import { createLogger, type Logger } from '../common/log.ts';
import { controlRequest, serveControl } from './control.ts';
import { labPaths, readLab, readLabSecrets, starlingBin, type LabPaths } from './files.ts';
import type { PowerAction, PowerState } from './supervisor.ts';
import type { LabHost } from './topology.ts';

/** One running BMC emulator, whatever its protocol. */
export interface EmulatedBmc {
  /** Sets the emulated power state without reporting it back (the daemon asked for it). */
  setPower(state: PowerState): Promise<void>;
  stop(): Promise<void>;
}

export interface BmcContext {
  paths: LabPaths;
  username: string;
  password: string;
  log: Logger;
  /** Tells the lab daemon about a power action the emulator carried out (from the controller's BMC driver or ipmitool). */
  report: (host: string, action: PowerAction) => Promise<void>;
}

/** Redfish ResetTypes that restart the host (the emulator reports them as "on"). */
const RESTARTS = new Set(['ForceRestart', 'GracefulRestart', 'PowerCycle']);

/**
 * A Redfish emulator on the host's BMC address, port 80, plain http (the controller runs with
 * STARLING_REDFISH_SCHEME=http). A ComputerSystem.Reset waits for the lab to carry it out: the
 * controller's driver sees its request fail if the lab could not.
 */
async function startRedfish(h: LabHost, ctx: BmcContext): Promise<EmulatedBmc> {
  const { startRedfishEmulator } = await import('./redfish-emulator.ts');
  const e = await startRedfishEmulator({
    host: h.bmc.address,
    port: h.bmc.port,
    username: ctx.username,
    password: ctx.password,
    initialPowerState: 'on',
    onPower: async (state, resetType) => {
      if (resetType === 'Nmi') return; // a diagnostic interrupt: nothing for the lab to do
      await ctx.report(h.hostname, RESTARTS.has(resetType) ? 'reset' : state);
    },
  });
  return {
    setPower: async (state) => e.setPowerState(state),
    stop: () => e.close(),
  };
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * ipmi_sim on the host's BMC address, UDP 623 (this process already runs in the BMC namespace).
 * Its chassis script runs `starling lab power … --no-wait` for each power request: ipmi_sim waits
 * for the script and ipmitool resends after 1 s, so the daemon only queues the action and answers;
 * a synchronous call also keeps a cycle's off and on in order.
 */
async function startIpmi(h: LabHost, ctx: BmcContext): Promise<EmulatedBmc> {
  const { startIpmiSim } = await import('./ipmi-sim.ts');
  const dir = path.join(ctx.paths.bmcDir, h.hostname);
  const powerCommand = [
    process.execPath,
    starlingBin(),
    'lab',
    'power',
    '--source',
    'bmc',
    '--no-wait',
    '--dir',
    ctx.paths.dir,
    h.hostname,
  ]
    .map(shq)
    .join(' ');
  const sim = await startIpmiSim({
    dir,
    address: h.bmc.address,
    port: h.bmc.port,
    username: ctx.username,
    password: ctx.password,
    powerCommand,
    initialPowerState: 'on',
  });
  return {
    setPower: async (state) => sim.setPowerState(state),
    stop: () => sim.close(),
  };
}

function startBmc(h: LabHost, ctx: BmcContext): Promise<EmulatedBmc> {
  return h.bmc.type === 'redfish' ? startRedfish(h, ctx) : startIpmi(h, ctx);
}

/** Runs until SIGTERM: every host's emulator, and a socket the daemon sets power states through. */
export async function runBmcServer(dir: string): Promise<void> {
  const paths = labPaths(dir);
  const t = readLab(paths).topology;
  const secrets = readLabSecrets(paths);
  const log = createLogger('info', 'bmc', pino.destination({ dest: 1, sync: true }));
  const ctx: BmcContext = {
    paths,
    username: 'admin',
    password: secrets.bmc_password,
    log,
    report: async (host, action) => {
      log.info({ host, action }, 'power action at the BMC');
      await controlRequest(
        paths.controlSocket,
        { op: 'power', host, action, source: 'bmc' },
        { timeoutMs: 90_000 },
      );
    },
  };
  const bmcs = new Map<string, EmulatedBmc>();
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      [...bmcs.values()].map((b) =>
        b.stop().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'BMC emulator stop failed')),
      ),
    );
  };
  try {
    for (const h of t.hosts) {
      bmcs.set(h.hostname, await startBmc(h, ctx));
      log.info(
        { host: h.hostname, type: h.bmc.type, address: `${h.bmc.address}:${h.bmc.port}` },
        'BMC emulator listening',
      );
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const server = await serveControl(paths.bmcSocket, async (req) => {
    if (req.op !== 'set-power') throw new StarlingError('BAD_REQUEST', `unknown BMC operation '${req.op}'`);
    const b = bmcs.get(String(req.host));
    if (!b) throw new StarlingError('NOT_FOUND', `no BMC for host ${String(req.host)}`, { field: 'host' });
    await b.setPower(req.power === 'off' ? 'off' : 'on');
    return { host: req.host, power: req.power };
  });
  // Ready: the daemon answers with every host's power state (after a restart of this process, a
  // powered-off host's emulator must not come back saying On).
  const { power } = await controlRequest<{ power: Record<string, PowerState> }>(paths.controlSocket, {
    op: 'bmc-ready',
  });
  for (const [host, state] of Object.entries(power))
    if (state === 'off') await bmcs.get(host)?.setPower('off');

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info('stopping the BMC emulators');
  await server.close();
  await stopAll();
}
