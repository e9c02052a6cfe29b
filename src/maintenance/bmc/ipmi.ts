// The IPMI BMC driver: ipmitool over lanplus, as StarlingX's mtce (chassis power …) and hwmond
// (sensor list) run it. The password goes through IPMI_PASSWORD (-E), never the command line.

import { spawn } from 'node:child_process';
import { childEnv } from '../../common/config.ts';
import { StarlingError } from '../../common/errors.ts';
import { hostPort, parseBmcAddress } from './address.ts';
import { parseIpmitoolSensorList } from './parse.ts';
import {
  DEFAULT_BMC_TIMEOUT_MS,
  type BmcConnectOptions,
  type BmcDriver,
  type BmcSensor,
  type BmcTarget,
  type PowerAction,
  type PowerState,
} from './types.ts';

export const DEFAULT_IPMITOOL = '/usr/bin/ipmitool';
const MAX_OUTPUT = 4 * 1024 * 1024;

/** ipmitool's `chassis power` verbs. IPMI has no graceful restart: a hard reset, as mtce does for ipmi. */
const POWER_VERB: Record<PowerAction, string> = {
  on: 'on',
  off: 'off',
  'soft-off': 'soft',
  cycle: 'cycle',
  reset: 'reset',
  'graceful-restart': 'reset',
};

// What ipmitool -v prints when the session cannot be opened, by cause (ipmitool 1.8.19 against
// ipmi_sim; the RAKP lines are the standard's names, so real BMCs print the same).
const AUTH_RE =
  /RAKP \d+ (HMAC is invalid|message indicates an error)|unauthorized name|invalid (user ?name|password)|Activate Session error|privilege level exceeds|Set Session Privilege Level to \S+ failed/i;
const CONFIG_RE = /cipher suite|Authentication type \S+ not supported/i;
const UNREACHABLE_RE =
  /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities|No response from remote controller|Address lookup for .* failed|Unable to establish/i;
const NOISE_RE =
  /^(Loading IANA PEN Registry|Running Get VSO Capabilities|Invalid completion code received: Invalid command|Discovered IPMB address)/;

interface RunResult {
  stdout: string;
  stderr: string;
}

export class Ipmitool {
  readonly name: string;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly target: BmcTarget,
    readonly timeoutMs: number,
    private readonly path: string,
  ) {
    const ep = parseBmcAddress(target.address);
    this.host = ep.host;
    this.port = ep.port ?? 623;
    this.name = `IPMI BMC ${hostPort(this.host, this.port)}`;
  }

  /**
   * One ipmitool run, killed at timeoutMs. `-C 3` (cipher suite 3) avoids ipmitool's cipher suite
   * lookup, which costs 10 s per call (feasibility §5). -N 1 -R r: ipmitool's own retries end near
   * the deadline, so an unreachable BMC is reported by whichever comes first.
   */
  run(args: string[], verbose: boolean, timeoutMs = this.timeoutMs): Promise<RunResult> {
    const retries = Math.max(1, Math.min(4, Math.floor(timeoutMs / 1000) - 1));
    const argv = ['-I', 'lanplus', '-C', '3', '-H', this.host, '-p', String(this.port)];
    if (this.target.username !== '') argv.push('-U', this.target.username);
    argv.push('-E', '-N', '1', '-R', String(retries), ...(verbose ? ['-v'] : []), ...args);
    const what = args.join(' ');
    return new Promise((resolve, reject) => {
      let settled = false;
      let stdout = '';
      let stderr = '';
      const child = spawn(this.path, argv, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: childEnv({ IPMI_PASSWORD: this.target.password }),
      });
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() =>
          reject(
            new StarlingError(
              'BMC_UNREACHABLE',
              `${this.name} did not answer '${what}' within ${timeoutMs} ms`,
            ),
          ),
        );
      }, timeoutMs);
      const collect = (into: 'out' | 'err') => (c: Buffer) => {
        if (stdout.length + stderr.length > MAX_OUTPUT) return;
        if (into === 'out') stdout += c.toString('utf8');
        else stderr += c.toString('utf8');
      };
      child.stdout.on('data', collect('out'));
      child.stderr.on('data', collect('err'));
      child.on('error', (e: NodeJS.ErrnoException) =>
        finish(() =>
          reject(
            new StarlingError('BMC_ERROR', `${this.name}: cannot run ${this.path} (${e.code ?? e.message})`, {
              cause: e,
            }),
          ),
        ),
      );
      child.on('close', (code) =>
        finish(() =>
          code === 0 ? resolve({ stdout, stderr }) : reject(this.classify(what, code, stderr, verbose)),
        ),
      );
    });
  }

  /** The error for a failed run, from ipmitool's words. Without -v a refused login and silence read alike. */
  classify(what: string, code: number | null, stderr: string, verbose: boolean): StarlingError {
    const lines = this.scrub(stderr)
      .split('\n')
      .map((l) => l.replace(/^>\s*/, '').trim())
      .filter((l) => l !== '' && !NOISE_RE.test(l));
    const said =
      lines.find((l) => AUTH_RE.test(l)) ??
      lines.find((l) => /^Error/.test(l)) ??
      lines.at(-1) ??
      `exit code ${code}`;
    const details = { ipmitool: lines.slice(-5) };
    if (AUTH_RE.test(stderr)) {
      return new StarlingError(
        'BMC_AUTH_FAILED',
        `${this.name} refused user '${this.target.username}' for '${what}': ${said}`,
        { details },
      );
    }
    if (CONFIG_RE.test(stderr))
      return new StarlingError('BMC_ERROR', `${this.name}: '${what}' failed: ${said}`, { details });
    if (verbose && UNREACHABLE_RE.test(stderr)) {
      return new StarlingError('BMC_UNREACHABLE', `${this.name} cannot be reached ('${what}'): ${said}`, {
        details,
      });
    }
    return new StarlingError('BMC_ERROR', `${this.name}: '${what}' failed: ${said}`, {
      details: { ...details, sessionFailed: /Unable to establish/i.test(stderr) },
    });
  }

  /** ipmitool never prints the password; this makes sure no message ever carries it. */
  private scrub(text: string): string {
    const pw = this.target.password;
    return pw.length >= 3 ? text.split(pw).join('***') : text;
  }
}

export class IpmiDriver implements BmcDriver {
  readonly type = 'ipmi' as const;

  constructor(private readonly tool: Ipmitool) {}

  get name(): string {
    return this.tool.name;
  }

  async powerState(): Promise<PowerState> {
    const { stdout } = await this.tool.run(['chassis', 'power', 'status'], true);
    const m = /Chassis Power is (on|off)/i.exec(stdout);
    if (!m)
      throw new StarlingError(
        'BMC_ERROR',
        `${this.name}: unexpected answer to 'chassis power status': ${stdout.trim().slice(0, 200)}`,
      );
    return m[1]!.toLowerCase() as PowerState;
  }

  async power(action: PowerAction): Promise<void> {
    // Some BMCs refuse a cycle while off (IPMI completion code 0xD5); the host then just needs power.
    const verb = action === 'cycle' && (await this.powerState()) === 'off' ? 'on' : POWER_VERB[action];
    await this.tool.run(['chassis', 'power', verb], true);
  }

  async sensors(): Promise<BmcSensor[]> {
    const started = Date.now();
    try {
      // Not -v: it turns the table into a long form. A failed login is told apart just below.
      return parseIpmitoolSensorList((await this.tool.run(['sensor', 'list'], false)).stdout);
    } catch (e) {
      if (!(e instanceof StarlingError) || e.details?.['sessionFailed'] !== true) throw e;
      const elapsed = Date.now() - started;
      // A refusal comes back within one round trip; ipmitool only gives up on silence after its
      // 1 s retry timer (-N 1). So a slow failure is an unreachable BMC, and a fast one is asked
      // again with -v, which names the cause (BMC_AUTH_FAILED or BMC_UNREACHABLE).
      if (elapsed >= 1_000) {
        throw new StarlingError(
          'BMC_UNREACHABLE',
          `${this.name} did not answer 'sensor list' (no session after ${elapsed} ms)`,
          { details: e.details },
        );
      }
      await this.tool.run(['chassis', 'power', 'status'], true, this.tool.timeoutMs - elapsed);
      throw e; // the BMC answers again: report the first failure as it was
    }
  }
}

export async function connectIpmi(target: BmcTarget, opts: BmcConnectOptions = {}): Promise<IpmiDriver> {
  const driver = new IpmiDriver(
    new Ipmitool(target, opts.timeoutMs ?? DEFAULT_BMC_TIMEOUT_MS, opts.ipmitoolPath ?? DEFAULT_IPMITOOL),
  );
  await driver.powerState(); // opens a session: a wrong password or a silent BMC shows here
  return driver;
}
