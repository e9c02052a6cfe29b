// Host maintenance workflows (StarlingX mtcAgent's action and recovery FSMs) as pure code: a
// workflow is a persisted (kind, step) pair; `advance` looks at what was observed of the host
// and returns the next step, the host state to write, the commands to send and the alarms to
// change — it never runs anything itself. A controller restart re-reads the workflow and goes on.

import type { HbHealth } from './heartbeat.ts';
import type { Administrative, Availability, HostAction, Operational } from '../../inventory/index.ts';

/** The operator's actions maintenance carries out (swact waits for HA; delete is inventory's),
 *  and the automatic recovery. */
export type ActionKind = Exclude<HostAction, 'delete' | 'swact' | 'force-swact'>;
export type WorkflowKind = ActionKind | 'recovery';

export interface Workflow {
  kind: WorkflowKind;
  step: string;
  /** Recovery attempts made (recovery), or retries of the current step. */
  attempt: number;
  startedAt: number;
  stepStartedAt: number;
  /** The command the step waits for (its id), if any. */
  pending: string | null;
  reason: string | null;
}

/** What the host is, as stored. */
export interface WfHost {
  hostname: string;
  administrative: Administrative;
  operational: Operational;
  availability: Availability;
  hasBmc: boolean;
  /** The only unlocked-enabled controller of the site: it cannot be rebooted by its own controller. */
  onlyController: boolean;
}

export type CommandResult = { ok: true; detail?: unknown } | { ok: false; error: string };

/** What was observed of the host since the step started. */
export interface WfObservation {
  agentConnected: boolean;
  /** When the agent's current channel opened (ms), to tell a reconnect after a reboot. */
  agentConnectedAt: number | null;
  hb: HbHealth | 'unknown';
  /** Results of commands by id (agent commands and BMC operations). */
  results: Record<string, CommandResult>;
}

export interface MtceTimers {
  /** How long an agent has to acknowledge a command. */
  ackTimeoutMs: number;
  /** How long a host has to come back after a reboot, reset or power-on (StarlingX worker_boot_timeout 720 s). */
  bootTimeoutMs: number;
  /** Wait after a failure before the BMC reset (StarlingX bmc_reset_delay 300 s: the crash-dump window). */
  bmcResetDelayMs: number;
  /** Recovery attempts (reboot/reset, then power-cycles) before giving up. */
  maxRecoveryAttempts: number;
}

export const MTCE_DEFAULTS: MtceTimers = {
  ackTimeoutMs: 2_000,
  bootTimeoutMs: 120_000,
  bmcResetDelayMs: 3_000,
  maxRecoveryAttempts: 3,
};

export type AgentCommandName = 'lock' | 'apply-config' | 'reboot' | 'goenabled';
export type BmcOp = 'reset' | 'cycle' | 'on' | 'off';
export type WfCommand =
  { to: 'agent'; id: string; command: AgentCommandName } | { to: 'bmc'; id: string; op: BmcOp };

export interface HostPatch {
  administrative?: Administrative;
  operational?: Operational;
  availability?: Availability;
  task?: string | null;
}

export type AlarmChange =
  | {
      op: 'raise';
      alarm_id: string;
      entity: string;
      severity: 'critical' | 'major' | 'minor' | 'warning';
      reason: string;
    }
  | { op: 'clear'; alarm_id: string; entity: string };

export interface StepResult {
  /** null: the workflow is over. */
  workflow: Workflow | null;
  host: HostPatch;
  commands: WfCommand[];
  alarms: AlarmChange[];
  /** A line for the event log / controller log, when something happened. */
  note?: string;
}

type Ctx = { h: WfHost; wf: Workflow; obs: WfObservation; now: number; t: MtceTimers; newId: () => string };
type Handler = (c: Ctx) => StepResult;

const stay = (c: Ctx): StepResult => ({ workflow: c.wf, host: {}, commands: [], alarms: [] });
const go = (
  c: Ctx,
  step: string,
  extra: Partial<StepResult> & { pending?: string | null; attempt?: number; reason?: string | null } = {},
): StepResult => ({
  workflow: {
    ...c.wf,
    step,
    stepStartedAt: c.now,
    pending: extra.pending ?? null,
    attempt: extra.attempt ?? c.wf.attempt,
    reason: extra.reason === undefined ? c.wf.reason : extra.reason,
  },
  host: extra.host ?? {},
  commands: extra.commands ?? [],
  alarms: extra.alarms ?? [],
  ...(extra.note === undefined ? {} : { note: extra.note }),
});
const done = (c: Ctx, host: HostPatch, alarms: AlarmChange[] = [], note?: string): StepResult => ({
  workflow: null,
  host: { task: null, ...host },
  commands: [],
  alarms,
  ...(note === undefined ? {} : { note }),
});
const elapsed = (c: Ctx): number => c.now - c.wf.stepStartedAt;
const result = (c: Ctx): CommandResult | undefined =>
  c.wf.pending === null ? undefined : c.obs.results[c.wf.pending];
/** The agent is back after a restart: a channel opened after the step began, and heartbeat answers. */
const backUp = (c: Ctx): boolean =>
  c.obs.agentConnected &&
  c.obs.agentConnectedAt !== null &&
  c.obs.agentConnectedAt >= c.wf.stepStartedAt &&
  c.obs.hb !== 'failed';
const reachable = (c: Ctx): boolean =>
  c.obs.agentConnected || c.obs.hb === 'healthy' || c.obs.hb === 'degraded';
const availableNow = (c: Ctx): Availability => (c.obs.hb === 'degraded' ? 'degraded' : 'available');
const lockedAvailability = (c: Ctx): Availability => (reachable(c) ? 'online' : 'offline');

const agentCmd = (c: Ctx, command: AgentCommandName): WfCommand => ({ to: 'agent', id: c.newId(), command });
const bmcCmd = (c: Ctx, op: BmcOp): WfCommand => ({ to: 'bmc', id: c.newId(), op });
type More = Partial<StepResult> & { attempt?: number };
const sendAgent = (
  c: Ctx,
  step: string,
  command: AgentCommandName,
  task: string,
  more: More = {},
): StepResult => {
  const cmd = agentCmd(c, command);
  return go(c, step, { ...more, pending: cmd.id, commands: [cmd], host: { task, ...(more.host ?? {}) } });
};
const sendBmc = (c: Ctx, step: string, op: BmcOp, task: string, more: More = {}): StepResult => {
  const cmd = bmcCmd(c, op);
  return go(c, step, { ...more, pending: cmd.id, commands: [cmd], host: { task, ...(more.host ?? {}) } });
};

const LOCKED_ALARM = (h: WfHost): AlarmChange => ({
  op: 'raise',
  alarm_id: '200.001',
  entity: `host=${h.hostname}`,
  severity: 'warning',
  reason: `${h.hostname} was administratively locked to take it out of service.`,
});
const FAILED_ALARM = (h: WfHost, reason: string): AlarmChange => ({
  op: 'raise',
  alarm_id: '200.004',
  entity: `host=${h.hostname}`,
  severity: 'critical',
  reason,
});
const BMC_ALARM = (h: WfHost, error: string): AlarmChange => ({
  op: 'raise',
  alarm_id: '200.010',
  entity: `host=${h.hostname}`,
  severity: 'warning',
  reason: `Access to the BMC of ${h.hostname} failed: ${error}`,
});
const clear = (alarm_id: string, h: WfHost): AlarmChange => ({
  op: 'clear',
  alarm_id,
  entity: `host=${h.hostname}`,
});

// --- lock: tell the agent (it stops accepting work), then locked-disabled. Force does not wait. ---
const lockStart: Handler = (c) =>
  c.wf.kind === 'force-lock' || !c.obs.agentConnected
    ? lockFinish(c)
    : sendAgent(c, 'await-lock', 'lock', 'Locking');
const lockFinish: Handler = (c) =>
  done(
    c,
    { administrative: 'locked', operational: 'disabled', availability: lockedAvailability(c) },
    [LOCKED_ALARM(c.h), clear('200.004', c.h)],
    'locked',
  );
const awaitLock: Handler = (c) =>
  result(c) !== undefined || elapsed(c) > c.t.ackTimeoutMs ? lockFinish(c) : stay(c);

// --- unlock: the agent applies the host's configuration, the host "reboots" into it, passes its
// go-enabled tests (processes healthy) and becomes unlocked-enabled-available (StarlingX: unlock →
// reboot → online → intest → available). ---
const unlockStart: Handler = (c) => {
  if (!c.obs.agentConnected) {
    return c.wf.kind === 'force-unlock'
      ? go(c, 'booting', { host: { task: 'Booting' } })
      : failUnlock(c, 'its agent is not connected');
  }
  return sendAgent(c, 'await-config', 'apply-config', 'Unlocking');
};
const awaitConfig: Handler = (c) => {
  const r = result(c);
  if (r === undefined)
    return elapsed(c) > c.t.ackTimeoutMs * 5
      ? failUnlock(c, 'the agent did not apply the configuration in time')
      : stay(c);
  if (!r.ok) return failUnlock(c, `the configuration could not be applied: ${r.error}`);
  return sendAgent(c, 'await-reboot-ack', 'reboot', 'Rebooting');
};
/** Unlock that cannot proceed: back to locked, as StarlingX leaves a host whose unlock failed. */
const failUnlock = (c: Ctx, why: string): StepResult =>
  done(
    c,
    { administrative: 'locked', operational: 'disabled', availability: lockedAvailability(c) },
    [],
    `unlock of ${c.h.hostname} failed: ${why}`,
  );
const awaitRebootAck: Handler = (c) => {
  const r = result(c);
  if (r?.ok === true) return go(c, 'booting', { host: { task: 'Booting', availability: 'offline' } });
  if (r !== undefined || elapsed(c) > c.t.ackTimeoutMs) {
    // The agent did not take the reboot: the BMC does it, if there is one.
    return c.h.hasBmc
      ? sendBmc(c, 'await-bmc-then-boot', 'reset', 'Resetting')
      : go(c, 'booting', { host: { task: 'Booting' } });
  }
  return stay(c);
};
const awaitBmcThenBoot: Handler = (c) => {
  const r = result(c);
  if (r === undefined)
    return elapsed(c) > c.t.bootTimeoutMs ? go(c, 'booting', { host: { task: 'Booting' } }) : stay(c);
  if (!r.ok) return go(c, 'booting', { host: { task: 'Booting' }, alarms: [BMC_ALARM(c.h, r.error)] });
  return go(c, 'booting', {
    host: { task: 'Booting', availability: 'offline' },
    alarms: [clear('200.010', c.h)],
  });
};
const unlockBooting: Handler = (c) => {
  if (backUp(c) || (c.wf.kind === 'force-unlock' && c.obs.agentConnected))
    return sendAgent(c, 'testing', 'goenabled', 'Testing', { host: { availability: 'intest' } });
  if (elapsed(c) > c.t.bootTimeoutMs)
    return enterRecovery(
      c,
      `${c.h.hostname} did not come back within ${Math.round(c.t.bootTimeoutMs / 1000)} s of its unlock`,
    );
  return stay(c);
};
const unlockTesting: Handler = (c) => {
  const r = result(c);
  if (r?.ok === true) {
    return done(
      c,
      { administrative: 'unlocked', operational: 'enabled', availability: availableNow(c) },
      [clear('200.001', c.h), clear('200.004', c.h), clear('200.011', c.h)],
      'enabled',
    );
  }
  if (r !== undefined) return enterRecovery(c, `${c.h.hostname} failed its go-enabled tests: ${r.error}`);
  if (elapsed(c) > c.t.ackTimeoutMs * 5)
    return enterRecovery(c, `${c.h.hostname} did not report its go-enabled tests`);
  return stay(c);
};

// --- reboot / reset / power-on / reinstall of a locked host: until it is back online. ---
const rebootStart: Handler = (c) =>
  c.obs.agentConnected
    ? sendAgent(c, 'await-reboot-ack', 'reboot', 'Rebooting')
    : c.h.hasBmc
      ? sendBmc(c, 'await-bmc-then-boot', 'reset', 'Resetting')
      : done(c, {}, [], `reboot of ${c.h.hostname} failed: its agent is not connected and it has no BMC`);
const resetStart: Handler = (c) =>
  sendBmc(c, 'await-bmc-then-boot', 'reset', c.wf.kind === 'reinstall' ? 'Reinstalling' : 'Resetting');
const powerOnStart: Handler = (c) => sendBmc(c, 'await-bmc-then-boot', 'on', 'Powering-on');
const lockedBooting: Handler = (c) => {
  if (backUp(c)) return done(c, { availability: 'online' }, [clear('200.010', c.h)], 'online');
  if (elapsed(c) > c.t.bootTimeoutMs)
    return done(
      c,
      { availability: 'offline' },
      [],
      `${c.h.hostname} did not come back within ${Math.round(c.t.bootTimeoutMs / 1000)} s`,
    );
  return stay(c);
};
const powerOffStart: Handler = (c) => sendBmc(c, 'await-power-off', 'off', 'Powering-off');
const awaitPowerOff: Handler = (c) => {
  const r = result(c);
  if (r === undefined)
    return elapsed(c) > c.t.bootTimeoutMs
      ? done(c, {}, [], `power-off of ${c.h.hostname}: no answer from its BMC`)
      : stay(c);
  if (!r.ok) return done(c, {}, [BMC_ALARM(c.h, r.error)], `power-off of ${c.h.hostname} failed: ${r.error}`);
  return done(c, { availability: 'power-off' }, [clear('200.010', c.h)], 'powered off');
};

// --- recovery of a failed unlocked host: graceful reboot request, then (after the crash-dump
// window) a BMC reset, then power-cycles, each followed by a boot wait; bounded attempts. ---
export function enterRecovery(c: Ctx, reason: string): StepResult {
  const wf: Workflow = {
    kind: 'recovery',
    step: 'start',
    attempt: 0,
    startedAt: c.now,
    stepStartedAt: c.now,
    pending: null,
    reason,
  };
  return {
    workflow: wf,
    host: { operational: 'disabled', availability: 'failed', task: null },
    commands: [],
    alarms: [FAILED_ALARM(c.h, `${reason}; recovering it by a reboot.`)],
    note: `failed: ${reason}`,
  };
}
const recoveryStart: Handler = (c) => {
  if (c.h.onlyController) {
    return go(c, 'gave-up', {
      host: { task: null },
      alarms: [
        {
          op: 'raise',
          alarm_id: '200.013',
          entity: `host=${c.h.hostname}`,
          severity: 'major',
          reason: `${c.h.hostname} is the only controller: it is not rebooted automatically (${c.wf.reason ?? 'failure'}).`,
        },
      ],
      note: 'only controller: automatic recovery disabled',
    });
  }
  if (c.obs.agentConnected)
    return sendAgent(c, 'recovery-await-reboot', 'reboot', 'Rebooting', { attempt: c.wf.attempt + 1 });
  return go(c, 'recovery-bmc-wait', { attempt: c.wf.attempt + 1, host: { task: 'Rebooting' } });
};
const recoveryAwaitReboot: Handler = (c) => {
  const r = result(c);
  if (r?.ok === true) return go(c, 'recovery-booting', { host: { task: 'Booting' } });
  if (r !== undefined || elapsed(c) > c.t.ackTimeoutMs) return go(c, 'recovery-bmc-wait', {});
  return stay(c);
};
const recoveryBmcWait: Handler = (c) => {
  if (!c.h.hasBmc) return giveUp(c, 'it has no BMC to reset it with');
  if (elapsed(c) < c.t.bmcResetDelayMs) return stay(c);
  return sendBmc(
    c,
    'recovery-await-bmc',
    c.wf.attempt > 1 ? 'cycle' : 'reset',
    c.wf.attempt > 1 ? 'Power-cycling' : 'Resetting',
  );
};
const recoveryAwaitBmc: Handler = (c) => {
  const r = result(c);
  if (r === undefined)
    return elapsed(c) > c.t.bootTimeoutMs ? nextAttempt(c, 'no answer from its BMC') : stay(c);
  if (!r.ok) return nextAttempt(c, `its BMC failed: ${r.error}`, [BMC_ALARM(c.h, r.error)]);
  return go(c, 'recovery-booting', { host: { task: 'Booting' }, alarms: [clear('200.010', c.h)] });
};
const recoveryBooting: Handler = (c) => {
  if (backUp(c) || (c.obs.agentConnected && c.obs.hb === 'healthy' && elapsed(c) > c.t.ackTimeoutMs)) {
    return sendAgent(c, 'recovery-testing', 'goenabled', 'Testing', { host: { availability: 'intest' } });
  }
  if (elapsed(c) > c.t.bootTimeoutMs)
    return nextAttempt(c, `it did not come back within ${Math.round(c.t.bootTimeoutMs / 1000)} s`);
  return stay(c);
};
const recoveryTesting: Handler = (c) => {
  const r = result(c);
  if (r?.ok === true) {
    return done(
      c,
      { operational: 'enabled', availability: availableNow(c) },
      [clear('200.004', c.h), clear('200.010', c.h)],
      'recovered',
    );
  }
  if (r !== undefined) return nextAttempt(c, `its go-enabled tests failed: ${r.error}`);
  if (elapsed(c) > c.t.ackTimeoutMs * 5) return nextAttempt(c, 'it did not report its go-enabled tests');
  return stay(c);
};
const nextAttempt = (c: Ctx, why: string, alarms: AlarmChange[] = []): StepResult => {
  if (c.wf.attempt >= c.t.maxRecoveryAttempts) return giveUp(c, why, alarms);
  const r = go(c, 'recovery-bmc-wait', {
    attempt: c.wf.attempt + 1,
    host: { task: 'Rebooting' },
    alarms,
    note: `recovery attempt ${c.wf.attempt} failed: ${why}`,
  });
  // The next attempt does not wait for a crash dump again.
  r.workflow!.stepStartedAt = c.now - c.t.bmcResetDelayMs;
  return r;
};
const giveUp = (c: Ctx, why: string, alarms: AlarmChange[] = []): StepResult =>
  go(c, 'gave-up', {
    host: { task: null },
    alarms: [
      ...alarms,
      FAILED_ALARM(
        c.h,
        `${c.h.hostname} could not be recovered automatically (${why}); lock and unlock it, or reinstall it.`,
      ),
    ],
    note: `automatic recovery gave up: ${why}`,
  });
/** A host that recovery gave up on stays failed until the operator locks it — or it comes back by itself. */
const gaveUp: Handler = (c) =>
  c.obs.agentConnected && c.obs.hb === 'healthy' && !c.h.onlyController
    ? sendAgent(c, 'recovery-testing', 'goenabled', 'Testing', { host: { availability: 'intest' } })
    : c.h.onlyController && c.obs.hb === 'healthy'
      ? done(
          c,
          { operational: 'enabled', availability: 'available' },
          [clear('200.004', c.h), clear('200.013', c.h)],
          'recovered',
        )
      : stay(c);

const HANDLERS: Record<string, Handler> = {
  'lock/start': lockStart,
  'lock/await-lock': awaitLock,
  'force-lock/start': lockStart,
  'unlock/start': unlockStart,
  'unlock/await-config': awaitConfig,
  'unlock/await-reboot-ack': awaitRebootAck,
  'unlock/await-bmc-then-boot': awaitBmcThenBoot,
  'unlock/booting': unlockBooting,
  'unlock/testing': unlockTesting,
  'force-unlock/start': unlockStart,
  'force-unlock/await-config': awaitConfig,
  'force-unlock/await-reboot-ack': awaitRebootAck,
  'force-unlock/await-bmc-then-boot': awaitBmcThenBoot,
  'force-unlock/booting': unlockBooting,
  'force-unlock/testing': unlockTesting,
  'reboot/start': rebootStart,
  'reboot/await-reboot-ack': awaitRebootAck,
  'reboot/await-bmc-then-boot': awaitBmcThenBoot,
  'reboot/booting': lockedBooting,
  'reset/start': resetStart,
  'reset/await-bmc-then-boot': awaitBmcThenBoot,
  'reset/booting': lockedBooting,
  'reinstall/start': resetStart,
  'reinstall/await-bmc-then-boot': awaitBmcThenBoot,
  'reinstall/booting': lockedBooting,
  'power-on/start': powerOnStart,
  'power-on/await-bmc-then-boot': awaitBmcThenBoot,
  'power-on/booting': lockedBooting,
  'power-off/start': powerOffStart,
  'power-off/await-power-off': awaitPowerOff,
  'recovery/start': recoveryStart,
  'recovery/recovery-await-reboot': recoveryAwaitReboot,
  'recovery/recovery-bmc-wait': recoveryBmcWait,
  'recovery/recovery-await-bmc': recoveryAwaitBmc,
  'recovery/recovery-booting': recoveryBooting,
  'recovery/recovery-testing': recoveryTesting,
  'recovery/gave-up': gaveUp,
};

export function newWorkflow(kind: WorkflowKind, now: number, reason: string | null = null): Workflow {
  return { kind, step: 'start', attempt: 0, startedAt: now, stepStartedAt: now, pending: null, reason };
}

/** When each step times out (ms after it started), earliest first: the handler above moves on once
 *  `elapsed` passes one of them, even if nothing else happens. Steps not here wait only for events. */
const STEP_DEADLINES: Record<string, (t: MtceTimers) => number[]> = {
  'await-lock': (t) => [t.ackTimeoutMs],
  'await-config': (t) => [t.ackTimeoutMs * 5],
  'await-reboot-ack': (t) => [t.ackTimeoutMs],
  'await-bmc-then-boot': (t) => [t.bootTimeoutMs],
  booting: (t) => [t.bootTimeoutMs],
  testing: (t) => [t.ackTimeoutMs * 5],
  'await-power-off': (t) => [t.bootTimeoutMs],
  'recovery-await-reboot': (t) => [t.ackTimeoutMs],
  'recovery-bmc-wait': (t) => [t.bmcResetDelayMs - 1],
  'recovery-await-bmc': (t) => [t.bootTimeoutMs],
  'recovery-booting': (t) => [t.ackTimeoutMs, t.bootTimeoutMs],
  'recovery-testing': (t) => [t.ackTimeoutMs * 5],
};

/**
 * How long until `wf` should be advanced again if nothing is observed meanwhile (its step's next
 * timeout), or undefined when only an event can move it (an answer, the agent or heartbeat coming
 * back). A step at `start` is due at once. Pure.
 */
export function nextCheckIn(wf: Workflow, now: number, t: MtceTimers): number | undefined {
  if (wf.step === 'start') return 0;
  const deadlines = STEP_DEADLINES[wf.step]?.(t);
  if (deadlines === undefined) return undefined;
  const elapsed = now - wf.stepStartedAt;
  // A step moves on once `elapsed` is past its deadline (strictly): 1 ms after it. Past its last
  // one, it is due now (e.g. a next recovery attempt, which does not wait for a crash dump again).
  for (const d of deadlines) if (elapsed <= d) return d + 1 - elapsed;
  return 0;
}

/** The next step of `wf` given what was observed. Pure. */
export function advance(
  h: WfHost,
  wf: Workflow,
  obs: WfObservation,
  now: number,
  t: MtceTimers,
  newId: () => string,
): StepResult {
  const handler = HANDLERS[`${wf.kind}/${wf.step}`];
  const c: Ctx = { h, wf, obs, now, t, newId };
  if (!handler)
    return done(c, {}, [], `workflow ${wf.kind} was at an unknown step '${wf.step}' and was ended`);
  return handler(c);
}

/** A failure found outside any workflow (heartbeat lost on every network, a critical process
 *  that cannot be restored): the recovery workflow it starts. */
export function failHost(h: WfHost, reason: string, now: number): StepResult {
  const wf = newWorkflow('recovery', now, reason);
  return enterRecovery(
    {
      h,
      wf,
      obs: { agentConnected: false, agentConnectedAt: null, hb: 'unknown', results: {} },
      now,
      t: MTCE_DEFAULTS,
      newId: () => '',
    },
    reason,
  );
}
