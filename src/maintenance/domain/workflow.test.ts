import { describe, expect, it } from 'vitest';
import {
  MTCE_DEFAULTS,
  advance,
  failHost,
  newWorkflow,
  type StepResult,
  type WfHost,
  type WfObservation,
  type Workflow,
} from './workflow.ts';
import { steadyState, type SteadyHost } from './steady.ts';

const worker: WfHost = {
  hostname: 'worker-0',
  administrative: 'locked',
  operational: 'disabled',
  availability: 'online',
  hasBmc: true,
  onlyController: false,
};
const unlocked: WfHost = {
  ...worker,
  administrative: 'unlocked',
  operational: 'enabled',
  availability: 'available',
};
const T = MTCE_DEFAULTS;

/** Drives a workflow like the engine does: one advance per call, with ids c1, c2… */
function driver(h: WfHost, wf: Workflow) {
  let n = 0;
  const newId = () => `c${++n}`;
  let current: Workflow | null = wf;
  const obs: WfObservation = { agentConnected: true, agentConnectedAt: 0, hb: 'healthy', results: {} };
  return {
    obs,
    step(now: number): StepResult {
      const r = advance(h, current!, obs, now, T, newId);
      current = r.workflow;
      return r;
    },
    get wf() {
      return current;
    },
  };
}

describe('lock', () => {
  it('asks the agent, then locks: locked-disabled-online, 200.001 raised', () => {
    const d = driver(unlocked, newWorkflow('lock', 0));
    const s1 = d.step(0);
    expect(s1.workflow?.step).toBe('await-lock');
    expect(s1.commands).toEqual([{ to: 'agent', id: 'c1', command: 'lock' }]);
    expect(s1.host.task).toBe('Locking');
    expect(d.step(100).workflow).toBe(d.wf); // waits for the answer
    d.obs.results.c1 = { ok: true };
    const s2 = d.step(200);
    expect(s2.workflow).toBeNull();
    expect(s2.host).toEqual({
      task: null,
      administrative: 'locked',
      operational: 'disabled',
      availability: 'online',
    });
    expect(s2.alarms[0]).toMatchObject({ op: 'raise', alarm_id: '200.001', entity: 'host=worker-0' });
  });
  it('finishes without the agent’s answer after the ack timeout', () => {
    const d = driver(unlocked, newWorkflow('lock', 0));
    d.step(0);
    expect(d.step(T.ackTimeoutMs + 1).workflow).toBeNull();
  });
  it('force-lock does not wait; an unreachable host is locked offline', () => {
    const d = driver(unlocked, newWorkflow('force-lock', 0));
    d.obs.agentConnected = false;
    d.obs.hb = 'failed';
    const s = d.step(0);
    expect(s.workflow).toBeNull();
    expect(s.host.availability).toBe('offline');
  });
});

describe('unlock', () => {
  it('applies the configuration, reboots, tests and enables the host', () => {
    const d = driver(worker, newWorkflow('unlock', 0));
    expect(d.step(0).commands[0]).toMatchObject({ command: 'apply-config' });
    d.obs.results.c1 = { ok: true };
    const s2 = d.step(100);
    expect(s2.host.task).toBe('Rebooting');
    expect(s2.commands[0]).toMatchObject({ command: 'reboot' });
    d.obs.results.c2 = { ok: true };
    expect(d.step(200).host).toMatchObject({ task: 'Booting', availability: 'offline' as const });
    // still the old channel: not back yet
    expect(d.step(300).workflow?.step).toBe('booting');
    d.obs.agentConnectedAt = 2500;
    const s4 = d.step(3000);
    expect(s4.host).toMatchObject({ task: 'Testing', availability: 'intest' });
    d.obs.results.c3 = { ok: true };
    const s5 = d.step(3100);
    expect(s5.workflow).toBeNull();
    expect(s5.host).toEqual({
      task: null,
      administrative: 'unlocked',
      operational: 'enabled',
      availability: 'available',
    });
    expect(s5.alarms.map((a) => `${a.op} ${a.alarm_id}`)).toContain('clear 200.001');
  });
  it('a configuration the agent cannot apply leaves the host locked, with the reason', () => {
    const d = driver(worker, newWorkflow('unlock', 0));
    d.step(0);
    d.obs.results.c1 = { ok: false, error: 'disk full' };
    const s = d.step(100);
    expect(s.workflow).toBeNull();
    expect(s.host.administrative).toBe('locked');
    expect(s.note).toMatch(/disk full/);
  });
  it('a host that does not come back fails and goes into recovery', () => {
    const d = driver(worker, newWorkflow('unlock', 0));
    d.step(0);
    d.obs.results.c1 = { ok: true };
    d.step(100);
    d.obs.results.c2 = { ok: true };
    d.step(200);
    const s = d.step(200 + T.bootTimeoutMs + 1);
    expect(s.workflow?.kind).toBe('recovery');
    expect(s.host).toMatchObject({ operational: 'disabled', availability: 'failed' });
    expect(s.alarms[0]).toMatchObject({ op: 'raise', alarm_id: '200.004', severity: 'critical' });
  });
  it('without its agent, unlock is refused (force-unlock goes on)', () => {
    const d = driver(worker, newWorkflow('unlock', 0));
    d.obs.agentConnected = false;
    expect(d.step(0)).toMatchObject({ workflow: null, note: expect.stringMatching(/not connected/) });
  });
});

describe('locked-host actions', () => {
  it('reboot of an unreachable host goes through the BMC', () => {
    const d = driver(worker, newWorkflow('reboot', 0));
    d.obs.agentConnected = false;
    const s = d.step(0);
    expect(s.commands).toEqual([{ to: 'bmc', id: 'c1', op: 'reset' }]);
    expect(s.host.task).toBe('Resetting');
  });
  it('power-off: BMC off → availability power-off; a BMC error raises 200.010', () => {
    const d = driver(worker, newWorkflow('power-off', 0));
    expect(d.step(0).commands).toEqual([{ to: 'bmc', id: 'c1', op: 'off' }]);
    d.obs.results.c1 = { ok: true };
    expect(d.step(100).host).toEqual({ task: null, availability: 'power-off' as const });
    const e = driver(worker, newWorkflow('power-off', 0));
    e.step(0);
    e.obs.results.c1 = { ok: false, error: 'BMC 169.254.1.1 unreachable' };
    const s = e.step(100);
    expect(s.alarms[0]).toMatchObject({ op: 'raise', alarm_id: '200.010' });
    expect(s.host.availability).toBeUndefined();
  });
  it('power-on: BMC on, then online once the agent is back', () => {
    const d = driver({ ...worker, availability: 'power-off' as const }, newWorkflow('power-on', 0));
    d.obs.agentConnected = false;
    expect(d.step(0).commands[0]).toMatchObject({ to: 'bmc', op: 'on' });
    d.obs.results.c1 = { ok: true };
    expect(d.step(100).host.task).toBe('Booting');
    d.obs.agentConnected = true;
    d.obs.agentConnectedAt = 150;
    expect(d.step(200).host).toEqual({ task: null, availability: 'online' as const });
  });
});

describe('recovery', () => {
  it('graceful reboot unanswered → BMC reset after the crash-dump wait → back → enabled', () => {
    const f = failHost(unlocked, 'lost heartbeat', 0);
    expect(f.host).toMatchObject({ availability: 'failed', operational: 'disabled' });
    const d = driver(unlocked, f.workflow!);
    expect(d.step(0).commands[0]).toMatchObject({ to: 'agent', command: 'reboot' });
    expect(d.step(T.ackTimeoutMs + 1).workflow?.step).toBe('recovery-bmc-wait');
    expect(d.step(T.ackTimeoutMs + 2).commands).toEqual([]);
    const s = d.step(2 * T.ackTimeoutMs + T.bmcResetDelayMs + 10);
    expect(s.commands).toEqual([{ to: 'bmc', id: 'c2', op: 'reset' }]);
    d.obs.results.c2 = { ok: true };
    const t0 = 20_000;
    expect(d.step(t0).host.task).toBe('Booting');
    d.obs.agentConnectedAt = t0 + 500;
    expect(d.step(t0 + 1000).host).toMatchObject({ task: 'Testing', availability: 'intest' });
    d.obs.results.c3 = { ok: true };
    const end = d.step(t0 + 1100);
    expect(end.workflow).toBeNull();
    expect(end.host).toEqual({ task: null, operational: 'enabled', availability: 'available' });
    expect(end.alarms).toContainEqual({ op: 'clear', alarm_id: '200.004', entity: 'host=worker-0' });
  });
  it('power-cycles on later attempts and gives up after the last one, with the alarm saying so', () => {
    const d = driver(unlocked, failHost(unlocked, 'lost heartbeat', 0).workflow!);
    d.obs.agentConnected = false;
    let now = 0;
    const ops: string[] = [];
    let last: StepResult | undefined;
    for (let i = 0; i < 40 && d.wf?.step !== 'gave-up'; i++) {
      now += T.bmcResetDelayMs + 1;
      last = d.step(now);
      for (const c of last.commands)
        if (c.to === 'bmc') {
          ops.push(c.op);
          d.obs.results[c.id] = { ok: true };
        }
      if (d.wf?.step === 'recovery-booting') {
        now += T.bootTimeoutMs + 1;
        last = d.step(now);
      }
    }
    expect(ops).toEqual(['reset', 'cycle', 'cycle']);
    expect(d.wf?.step).toBe('gave-up');
    expect(last?.alarms.at(-1)).toMatchObject({
      alarm_id: '200.004',
      reason: expect.stringMatching(/could not be recovered automatically/),
    });
  });
  it('the only controller is not rebooted by its own controller: 200.013', () => {
    const c0 = { ...unlocked, hostname: 'controller-0', onlyController: true };
    const d = driver(c0, failHost(c0, 'lost heartbeat', 0).workflow!);
    const s = d.step(0);
    expect(s.commands).toEqual([]);
    expect(s.alarms[0]).toMatchObject({ alarm_id: '200.013' });
  });
  it('a workflow at a step this release does not know is ended cleanly', () => {
    const d = driver(unlocked, { ...newWorkflow('reboot', 0), step: 'from-the-future' });
    expect(d.step(0)).toMatchObject({
      workflow: null,
      host: { task: null },
      note: expect.stringMatching(/unknown step/),
    });
  });
});

describe('steady state', () => {
  const view = (health: 'healthy' | 'degraded' | 'failed', lost: ('mgmt' | 'cluster-host')[]) => ({
    health,
    lostNetworks: lost,
    networks: {
      mgmt: lost.includes('mgmt') ? 10 : 0,
      'cluster-host': lost.includes('cluster-host') ? 10 : 0,
    },
  });
  const h: SteadyHost = {
    hostname: 'worker-0',
    administrative: 'unlocked',
    operational: 'enabled',
    availability: 'available',
  };
  it.each([
    ['healthy and available: nothing', h, view('healthy', []), {}],
    [
      'mgmt lost: degraded + 200.005',
      h,
      view('degraded', ['mgmt']),
      { availability: 'degraded', alarms: ['200.005'] },
    ],
    [
      'cluster-host lost: 200.009',
      h,
      view('degraded', ['cluster-host']),
      { availability: 'degraded', alarms: ['200.009'] },
    ],
    [
      'back: available',
      { ...h, availability: 'degraded' as const },
      view('healthy', []),
      { availability: 'available' },
    ],
    [
      'all lost: fail',
      h,
      view('failed', ['mgmt', 'cluster-host']),
      { fail: true, alarms: ['200.005', '200.009'] },
    ],
    [
      'locked, all lost: offline',
      { ...h, administrative: 'locked' as const, operational: 'disabled' as const, availability: 'online' as const },
      view('failed', ['mgmt']),
      { availability: 'offline', alarms: ['200.005'] },
    ],
    [
      'locked, back: online',
      { ...h, administrative: 'locked' as const, operational: 'disabled' as const, availability: 'offline' as const },
      view('healthy', []),
      { availability: 'online' as const },
    ],
    ['powered off: nothing', { ...h, availability: 'power-off' as const }, view('failed', ['mgmt']), {}],
  ])('%s', (_, host, hb, want: { availability?: string; fail?: boolean; alarms?: string[] }) => {
    const d = steadyState(host, hb, false);
    expect(d.availability).toBe(want.availability);
    expect(d.fail !== undefined).toBe(want.fail ?? false);
    expect(d.alarms.map((a) => a.alarm_id)).toEqual(want.alarms ?? []);
  });
});
