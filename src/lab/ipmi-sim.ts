// Starts one IPMI BMC for the lab: OpenIPMI's ipmi_sim (Debian `openipmi`) with a generated
// lan.conf, an .emu file with a few threshold sensors, and a chassis-control script that keeps the
// power state in a file and runs the lab's power command. StarlingX's mtce and hwmond reach it
// with ipmitool over lanplus like any BMC (chassis power …, sensor list).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { childEnv } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import type { PowerState } from '../maintenance/index.ts';

export const DEFAULT_IPMI_SIM = '/usr/bin/ipmi_sim';

export interface IpmiSimSensor {
  /** At most 16 characters (the SDR's ID string). */
  name: string;
  kind: 'temperature' | 'fan' | 'voltage' | 'power';
  value: number;
  /** Lower/upper non-critical, critical, non-recoverable: ipmitool's lnc … unr. */
  thresholds?: Partial<Record<'lnr' | 'lcr' | 'lnc' | 'unc' | 'ucr' | 'unr', number>>;
}

/** The readings of DMTF's rack-mount mockup (the Redfish emulator's), so both BMC kinds agree. */
export const IPMI_SIM_SENSORS: readonly IpmiSimSensor[] = [
  { name: 'CPU1 Temp', kind: 'temperature', value: 41, thresholds: { unc: 42, ucr: 45, unr: 48 } },
  { name: 'System Fan', kind: 'fan', value: 2100, thresholds: { lnr: 0, lcr: 0, lnc: 30 } },
  {
    name: 'VRM1 Voltage',
    kind: 'voltage',
    value: 12,
    thresholds: { lnr: 10, lcr: 11, lnc: 11.5, unc: 12.5, ucr: 13, unr: 15 },
  },
  { name: 'System Power', kind: 'power', value: 344 },
];

export interface IpmiSimOptions {
  /** Folder for lan.conf (0600), the .emu file, the chassis script, the power state and ipmi_sim's state. */
  dir: string;
  address: string;
  /** UDP port; 0 = a free one. */
  port: number;
  /** At most 16 characters. */
  username: string;
  /** At most 20 characters (IPMI v2.0), no quotes, backslashes or control characters. */
  password: string;
  /**
   * A shell command the chassis script runs as `<cmd> on|off|reset` for every power request
   * (a soft shutdown runs `off`; a cycle runs `off`, then `on` when ipmi_sim powers back on about
   * 1 s later). ipmi_sim waits for it, and ipmitool resends after 1 s: start slow work in the
   * background. A non-zero exit fails the IPMI request and keeps the power state.
   */
  powerCommand?: string;
  /** Default on. */
  initialPowerState?: PowerState;
  sensors?: readonly IpmiSimSensor[];
  /** Run ipmi_sim inside this network namespace (`ip netns exec`): the lab's BMC network. */
  namespace?: string;
  ipmiSimPath?: string;
}

export interface IpmiSim {
  port: number;
  /** What a driver is given: address:port, IPv6 in brackets. */
  address: string;
  pid: number;
  powerState(): PowerState;
  /** Changes the state without the power command: the host died or came back by itself. */
  setPowerState(state: PowerState): void;
  close(): Promise<void>;
}

const SAFE_RE = /^[\x20-\x7e]+$/;

function check(value: string, field: string, max: number): void {
  if (value.length === 0 || value.length > max || !SAFE_RE.test(value) || /["\\]/.test(value)) {
    throw new StarlingError(
      'CONFIG_INVALID',
      `${field} must be 1-${max} printable characters without quotes or backslashes`,
      { field },
    );
  }
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** Sensor type, unit, entity, M and R-exponent of each kind: the raw byte is value / (M·10^R). */
const KIND = {
  temperature: { type: 0x01, unit: 0x01, entity: 0x03, m: 1, rexp: 0 },
  fan: { type: 0x04, unit: 0x12, entity: 0x1d, m: 30, rexp: 0 },
  voltage: { type: 0x02, unit: 0x04, entity: 0x07, m: 1, rexp: -1 },
  power: { type: 0x0b, unit: 0x06, entity: 0x07, m: 4, rexp: 0 },
} as const;

// The six thresholds in the SDR's and sensor_set_threshold's order (value5 … value0), with their
// bit in the readable/settable mask.
const THRESHOLDS = [
  ['unr', 5],
  ['ucr', 4],
  ['unc', 3],
  ['lnr', 2],
  ['lcr', 1],
  ['lnc', 0],
] as const;

/**
 * The .emu commands for one analog sensor: sensor_add, its Full Sensor Record (IPMI v2.0 table
 * 43-1) and value, thresholds and scanning. ipmi_sim reads emu numbers C-style: bytes need 0x.
 */
export function sensorEmu(num: number, s: IpmiSimSensor): string[] {
  const k = KIND[s.kind];
  const raw = (v: number) => {
    const r = Math.round(v / (k.m * 10 ** k.rexp));
    if (r < 0 || r > 255)
      throw new StarlingError(
        'CONFIG_INVALID',
        `sensor ${s.name}: ${v} is out of range for a ${s.kind} sensor`,
        { field: 'sensors' },
      );
    return r;
  };
  const name = Buffer.from(s.name, 'latin1');
  if (name.length === 0 || name.length > 16)
    throw new StarlingError('CONFIG_INVALID', `sensor name '${s.name}' must be 1-16 characters`, {
      field: 'sensors',
    });
  const th = s.thresholds ?? {};
  let mask = 0;
  for (const [key, bit] of THRESHOLDS) if (th[key] !== undefined) mask |= 1 << bit;
  const lowerReadingMask = ((mask & 0b111) << 4) & 0x70; // lnc/lcr/lnr comparison returned (bits 12-14)
  const upperReadingMask = (((mask >> 3) & 0b111) << 4) & 0x70;
  const body = [
    0x20,
    0x00,
    num, // owner, LUN, sensor number
    k.entity,
    0x01,
    0x7f,
    0x68,
    k.type,
    0x01, // entity, instance, init, capabilities, type, threshold reading type
    0x00,
    lowerReadingMask,
    0x00,
    upperReadingMask,
    mask,
    mask, // event masks / reading masks, readable, settable
    0x00,
    k.unit,
    0x00,
    0x00, // unsigned, base unit, no modifier, linear
    k.m & 0xff,
    (k.m >> 8) & 0x03,
    0x00,
    0x00,
    0x00,
    (k.rexp & 0x0f) << 4, // M, B, accuracy, R/B exponents
    0x00,
    0x00,
    0x00,
    0x00,
    0xff,
    0x00, // analog flags, nominal, normal max/min, sensor max/min
    ...THRESHOLDS.map(([key]) => (th[key] === undefined ? 0 : raw(th[key]))),
    0x00,
    0x00,
    0x00,
    0x00,
    0x00, // hysteresis, reserved, OEM
    0xc0 | name.length,
    ...name,
  ];
  const header = [0x00, 0x00, 0x51, 0x01, body.length];
  const lines = [
    `sensor_add 0x20 0 ${num} ${hex(k.type)} 0x01`,
    `main_sdr_add 0x20 ${[...header, ...body].map(hex).join(' ')}`,
  ];
  if (mask !== 0) {
    const bits = mask.toString(2).padStart(6, '0');
    lines.push(
      `sensor_set_threshold 0x20 0 ${num} settable ${bits} ${THRESHOLDS.map(([key]) => (th[key] === undefined ? 0 : raw(th[key]))).join(' ')}`,
    );
  }
  // Without scanning enabled ipmi_sim answers "Device Not Present" to every reading.
  lines.push(
    `sensor_set_event_support 0x20 0 ${num} enable scanning per-state ${'0'.repeat(15)} ${'0'.repeat(15)} ${'0'.repeat(15)} ${'0'.repeat(15)}`,
  );
  // Last: ipmi_sim compares a value with the thresholds when it is set, not when it is read.
  lines.push(`sensor_set_value 0x20 0 ${num} ${raw(s.value)} 0`);
  return lines;
}

export function emuFile(sensors: readonly IpmiSimSensor[]): string {
  return [
    '# Written by Starling (src/lab/ipmi-sim.ts): one BMC at IPMB 0x20 with threshold sensors.',
    'mc_setbmc 0x20',
    // No persist_sdr: the SDRs below are added at every start, never twice.
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
    'sel_enable 0x20 1000 0x0a',
    ...sensors.flatMap((s, i) => sensorEmu(i + 1, s)),
    'mc_enable 0x20',
    '',
  ].join('\n');
}

export function lanConf(o: {
  address: string;
  port: number;
  username: string;
  password: string;
  chassisScript: string;
}): string {
  // No "none" authentication: IPMI 1.5 clients could otherwise log in without the password.
  const auths = 'md2 md5 straight';
  return [
    '# Written by Starling (src/lab/ipmi-sim.ts). Holds the BMC password: mode 0600.',
    'name "bmc"',
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${o.address} ${o.port}`,
    '    priv_limit admin',
    `    allowed_auths_callback ${auths}`,
    `    allowed_auths_user ${auths}`,
    `    allowed_auths_operator ${auths}`,
    `    allowed_auths_admin ${auths}`,
    `    guid ${randomBytes(16).toString('hex')}`,
    '    lan_config_program "/bin/true"',
    '  endlan',
    `  chassis_control "${o.chassisScript}"`,
    `  user 2 true "${o.username}" "${o.password}" admin 10 ${auths}`,
    '',
  ].join('\n');
}

/**
 * ipmi_sim's chassis_control program: `get power [boot]` prints name:value lines, `set power 0|1`,
 * `set reset 1`, `set shutdown 1` and `set boot <dev>` act; `check` succeeds.
 */
export function chassisScript(dir: string, powerCommand: string | undefined): string {
  return `#!/bin/sh
# Written by Starling (src/lab/ipmi-sim.ts): ipmi_sim's chassis control.
state=${shq(path.join(dir, 'power'))}
bootf=${shq(path.join(dir, 'boot'))}
log=${shq(path.join(dir, 'chassis.log'))}
power_cmd() { ${powerCommand === undefined ? ':' : `${powerCommand} "$1" >>"$log" 2>&1`}; }
get_power() { if [ "$(cat "$state" 2>/dev/null)" = 0 ]; then echo 0; else echo 1; fi; }
put_power() { echo "$1" > "$state.tmp" && mv "$state.tmp" "$state"; }
op=$1; shift
case "$op" in
  get)
    for k in "$@"; do
      case "$k" in
        power) echo "power:$(get_power)" ;;
        boot) echo "boot:$(cat "$bootf" 2>/dev/null || echo default)" ;;
      esac
    done ;;
  set)
    while [ $# -ge 2 ]; do
      k=$1; v=$2; shift 2
      case "$k" in
        power) if [ "$v" = 0 ]; then power_cmd off || exit 1; put_power 0; else power_cmd on || exit 1; put_power 1; fi ;;
        reset) if [ "$(get_power)" = 1 ]; then power_cmd reset || exit 1; fi ;;
        shutdown) if [ "$(get_power)" = 1 ]; then power_cmd off || exit 1; fi; put_power 0 ;;
        boot) echo "$v" > "$bootf" ;;
      esac
    done ;;
esac
exit 0
`;
}

/** A UDP port free on `address` right now (ipmi_sim binds with SO_REUSEADDR, so a clash is silent: checked after start too). */
async function freeUdpPort(address: string): Promise<number> {
  const sock = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address, port: 0, exclusive: true }, () => resolve());
    });
    return sock.address().port;
  } finally {
    sock.close();
  }
}

/** The UDP sockets bound on `port` in pid's network namespace, and which of them are pid's own. */
function udpSockets(pid: number, port: number): { ours: number; others: number } {
  const own = new Set<string>();
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }));
      if (m) own.add(m[1]!);
    }
  } catch {
    return { ours: 0, others: 0 }; // the process is gone or not started yet
  }
  let ours = 0;
  let others = 0;
  for (const table of ['udp', 'udp6']) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const inode = cols[9];
      if (local === undefined || inode === undefined) continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      if (own.has(inode)) ours++;
      else others++;
    }
  }
  return { ours, others };
}

export async function startIpmiSim(opts: IpmiSimOptions): Promise<IpmiSim> {
  check(opts.username, 'username', 16);
  check(opts.password, 'password', 20);
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(dir, 'power');
  const writePower = (s: PowerState) => {
    fs.writeFileSync(`${stateFile}.tmp`, s === 'on' ? '1\n' : '0\n');
    fs.renameSync(`${stateFile}.tmp`, stateFile);
  };
  writePower(opts.initialPowerState ?? 'on');
  const script = path.join(dir, 'chassis.sh');
  fs.writeFileSync(script, chassisScript(dir, opts.powerCommand), { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'sim.emu'), emuFile(opts.sensors ?? IPMI_SIM_SENSORS));

  const attempts = opts.port === 0 ? 3 : 1;
  let lastError: StarlingError | undefined;
  for (let i = 0; i < attempts; i++) {
    const port =
      opts.port !== 0
        ? opts.port
        : opts.namespace === undefined
          ? await freeUdpPort(opts.address)
          : 20000 + Math.floor(Math.random() * 40000);
    const conf = path.join(dir, 'lan.conf');
    fs.rmSync(conf, { force: true });
    fs.writeFileSync(
      conf,
      lanConf({
        address: opts.address,
        port,
        username: opts.username,
        password: opts.password,
        chassisScript: script,
      }),
      { mode: 0o600 },
    );
    // ipmi_sim keeps SEL and SDR state here; a fresh one each start keeps runs identical.
    const stateDir = path.join(dir, 'state');
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.mkdirSync(stateDir);
    const simArgs = ['-c', conf, '-f', path.join(dir, 'sim.emu'), '-s', stateDir, '-n'];
    const bin = opts.ipmiSimPath ?? DEFAULT_IPMI_SIM;
    const [cmd, args] =
      opts.namespace === undefined
        ? [bin, simArgs]
        : ['ip', ['netns', 'exec', opts.namespace, bin, ...simArgs]];
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
    try {
      await waitListening(child, port, opts.port === 0);
    } catch (e) {
      await stop(child);
      if (!(e instanceof StarlingError) || e.details?.['retry'] !== true) throw e;
      lastError = e;
      continue;
    }
    const address = `${isIPv6(opts.address) ? `[${opts.address}]` : opts.address}:${port}`;
    return {
      port,
      address,
      pid: child.pid!,
      powerState: () => (fs.readFileSync(stateFile, 'utf8').trim() === '0' ? 'off' : 'on'),
      setPowerState: writePower,
      close: () => stop(child),
    };
  }
  throw lastError ?? new StarlingError('INTERNAL', 'ipmi_sim did not start');
}

/** Resolves once ipmi_sim's own socket is bound on `port` and nobody else's is. */
async function waitListening(child: ChildProcess, port: number, retryable: boolean): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2000)));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new StarlingError('INTERNAL', `cannot run ipmi_sim: ${e.code ?? e.message}`, { cause: e })),
    ),
  );
  spawnError.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StarlingError(
        'INTERNAL',
        `ipmi_sim exited at start (${child.exitCode ?? child.signalCode}): ${stderr.trim() || 'no message'}`,
      );
    }
    const { ours, others } = udpSockets(child.pid ?? -1, port);
    if (ours > 0 && others > 0) {
      throw new StarlingError('INTERNAL', `UDP port ${port} is already used by another process`, {
        details: { retry: retryable },
      });
    }
    if (ours > 0) return;
    if (Date.now() > deadline)
      throw new StarlingError(
        'INTERNAL',
        `ipmi_sim did not bind UDP port ${port} within 10 s (an .emu error stops it silently)`,
      );
    await Promise.race([new Promise((r) => setTimeout(r, 50)), spawnError]);
  }
}

/** SIGTERM (ipmi_sim exits within 1.5 s, feasibility §5), SIGKILL after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
