import { describe, expect, it } from 'vitest';
import {
  HB_DEFAULTS,
  emptyHbState,
  forgetHost,
  hbTick,
  type HbEvent,
  type HbNetwork,
  type HbObservation,
  type HbThresholds,
} from './heartbeat.ts';

// A script is a list of [periods, answers]: for that many periods each host answers (true) or
// misses (false) on each of its networks. The expectation lists the events of each period (1-based);
// every other period must have none.
type Answers = Record<string, Partial<Record<HbNetwork, boolean>>>;
type Script = [periods: number, answers: Answers][];
const PERIOD_MS = 100;
const ok = { mgmt: true, 'cluster-host': true };
const down = { mgmt: false, 'cluster-host': false };
const clusterDown = { mgmt: true, 'cluster-host': false };

function observations(answers: Answers): HbObservation[] {
  return Object.entries(answers).flatMap(([hostId, nets]) =>
    Object.entries(nets).map(([network, answered]) => ({ hostId, network: network as HbNetwork, answered })),
  );
}

function play(script: Script, t: HbThresholds = HB_DEFAULTS, state = emptyHbState()) {
  const byPeriod: Record<number, HbEvent[]> = {};
  let period = 0;
  for (const [n, answers] of script) {
    for (let i = 0; i < n; i++) {
      period++;
      const r = hbTick(state, observations(answers), t, period * PERIOD_MS);
      state = r.state;
      if (r.events.length > 0) byPeriod[period] = r.events;
    }
  }
  return { byPeriod, state };
}

const lost = (hostId: string, network: HbNetwork): HbEvent => ({ type: 'network-lost', hostId, network });
const restored = (hostId: string, network: HbNetwork): HbEvent => ({
  type: 'network-restored',
  hostId,
  network,
});
const degraded = (hostId: string, networks: HbNetwork[]): HbEvent => ({
  type: 'host-degraded',
  hostId,
  networks,
});
const failed = (hostId: string): HbEvent => ({ type: 'host-failed', hostId });
const healthy = (hostId: string): HbEvent => ({ type: 'host-healthy', hostId });
const bothLost = (h: string) => [lost(h, 'mgmt'), lost(h, 'cluster-host')];
const bothRestored = (h: string) => [restored(h, 'mgmt'), restored(h, 'cluster-host')];
const both: HbNetwork[] = ['mgmt', 'cluster-host'];

describe('hbTick: one host', () => {
  it.each<[string, Script, Record<number, HbEvent[]>, HbThresholds?]>([
    ['a host that keeps answering has no events', [[30, { w0: ok }]], {}],
    [
      'misses broken by one reply start counting again',
      [
        [5, { w0: down }],
        [1, { w0: ok }],
        [5, { w0: down }],
      ],
      {},
    ],
    [
      'one network past the degrade threshold degrades the host; its return makes it healthy',
      [
        [6, { w0: clusterDown }],
        [1, { w0: ok }],
      ],
      {
        6: [lost('w0', 'cluster-host'), degraded('w0', ['cluster-host'])],
        7: [restored('w0', 'cluster-host'), healthy('w0')],
      },
    ],
    [
      'one network lost for good: degraded, never failed',
      [[40, { w0: clusterDown }]],
      { 6: [lost('w0', 'cluster-host'), degraded('w0', ['cluster-host'])] },
    ],
    [
      'all networks past the failure threshold: failed, once',
      [[40, { w0: down }]],
      { 6: [...bothLost('w0'), degraded('w0', both)], 10: [failed('w0')] },
    ],
    [
      'a failed host answering on all networks again is healthy',
      [
        [10, { w0: down }],
        [1, { w0: ok }],
      ],
      {
        6: [...bothLost('w0'), degraded('w0', both)],
        10: [failed('w0')],
        11: [...bothRestored('w0'), healthy('w0')],
      },
    ],
    [
      'a failed host back on one network is degraded; losing it again is a new failure',
      [
        [10, { w0: down }],
        [1, { w0: clusterDown }],
        [10, { w0: down }],
      ],
      {
        6: [...bothLost('w0'), degraded('w0', both)],
        10: [failed('w0')],
        11: [restored('w0', 'mgmt'), degraded('w0', ['cluster-host'])],
        17: [lost('w0', 'mgmt'), degraded('w0', both)],
        21: [failed('w0')],
      },
    ],
    [
      'a host with only one network',
      [[20, { w0: { mgmt: false } }]],
      { 6: [lost('w0', 'mgmt'), degraded('w0', ['mgmt'])], 10: [failed('w0')] },
    ],
    [
      'a degraded host losing its second network is degraded on both, then fails',
      [
        [6, { w0: clusterDown }],
        [10, { w0: down }],
      ],
      {
        6: [lost('w0', 'cluster-host'), degraded('w0', ['cluster-host'])],
        12: [lost('w0', 'mgmt'), degraded('w0', both)],
        16: [failed('w0')],
      },
    ],
    [
      'thresholds come from the caller',
      [[5, { w0: down }]],
      { 2: [...bothLost('w0'), degraded('w0', both)], 3: [failed('w0')] },
      { ...HB_DEFAULTS, degrade: 2, failure: 3 },
    ],
  ])('%s', (_, script, expected, t) => {
    expect(play(script, t).byPeriod).toEqual(expected);
  });

  it('reports the view an operator would read', () => {
    const { state } = play([[7, { w0: clusterDown }]]);
    expect(state.hosts.w0).toEqual({
      networks: { mgmt: 0, 'cluster-host': 7 },
      health: 'degraded',
      lostNetworks: ['cluster-host'],
    });
    expect(state.mnfa).toEqual({ active: false, since: null, hosts: [], expired: [] });
  });
});

describe('hbTick: multi-node failure avoidance', () => {
  const withTimeout = { ...HB_DEFAULTS, mnfaTimeoutMs: 1000 };
  it.each<[string, Script, HbThresholds, Record<number, HbEvent[]>]>([
    [
      'two hosts in loss at once: a network event holds the failure until they are back',
      [
        [40, { w0: down, w1: down }],
        [1, { w0: ok, w1: down }],
        [1, { w0: ok, w1: ok }],
      ],
      HB_DEFAULTS,
      {
        6: [
          ...bothLost('w0'),
          ...bothLost('w1'),
          { type: 'mnfa-enter', hostIds: ['w0', 'w1'] },
          degraded('w0', both),
          degraded('w1', both),
        ],
        41: [...bothRestored('w0'), healthy('w0')],
        42: [...bothRestored('w1'), healthy('w1'), { type: 'mnfa-exit', hostIds: ['w0', 'w1'] }],
      },
    ],
    [
      'a degrade on two hosts (one network each) is a network event too',
      [
        [8, { w0: clusterDown, w1: clusterDown }],
        [1, { w0: ok, w1: ok }],
      ],
      HB_DEFAULTS,
      {
        6: [
          lost('w0', 'cluster-host'),
          lost('w1', 'cluster-host'),
          { type: 'mnfa-enter', hostIds: ['w0', 'w1'] },
          degraded('w0', ['cluster-host']),
          degraded('w1', ['cluster-host']),
        ],
        9: [
          restored('w0', 'cluster-host'),
          restored('w1', 'cluster-host'),
          healthy('w0'),
          healthy('w1'),
          { type: 'mnfa-exit', hostIds: ['w0', 'w1'] },
        ],
      },
    ],
    [
      'the mnfa timeout ends the hold: hosts past the failure threshold fail, and the event does not start again',
      [
        [40, { w0: down, w1: down }],
        [1, { w0: ok, w1: ok }],
      ],
      withTimeout,
      {
        6: [
          ...bothLost('w0'),
          ...bothLost('w1'),
          { type: 'mnfa-enter', hostIds: ['w0', 'w1'] },
          degraded('w0', both),
          degraded('w1', both),
        ],
        16: [failed('w0'), failed('w1'), { type: 'mnfa-exit', hostIds: ['w0', 'w1'] }],
        41: [...bothRestored('w0'), ...bothRestored('w1'), healthy('w0'), healthy('w1')],
      },
    ],
    [
      'at the mnfa timeout a host only degraded stays degraded',
      [[40, { w0: down, w1: clusterDown }]],
      withTimeout,
      {
        6: [
          ...bothLost('w0'),
          lost('w1', 'cluster-host'),
          { type: 'mnfa-enter', hostIds: ['w0', 'w1'] },
          degraded('w0', both),
          degraded('w1', ['cluster-host']),
        ],
        16: [failed('w0'), { type: 'mnfa-exit', hostIds: ['w0', 'w1'] }],
      },
    ],
    [
      'a host failed before another one is in loss does not make a network event',
      [
        [5, { w0: down, w1: ok }],
        [20, { w0: down, w1: down }],
      ],
      HB_DEFAULTS,
      {
        6: [...bothLost('w0'), degraded('w0', both)],
        10: [failed('w0')],
        11: [...bothLost('w1'), degraded('w1', both)],
        15: [failed('w1')],
      },
    ],
    [
      'a host in loss during an event is held too and named at the exit',
      [
        [2, { w0: down, w1: down, w2: ok }],
        [20, { w0: down, w1: down, w2: down }],
        [1, { w0: ok, w1: ok, w2: ok }],
      ],
      HB_DEFAULTS,
      {
        6: [
          ...bothLost('w0'),
          ...bothLost('w1'),
          { type: 'mnfa-enter', hostIds: ['w0', 'w1'] },
          degraded('w0', both),
          degraded('w1', both),
        ],
        8: [...bothLost('w2'), degraded('w2', both)],
        23: [
          ...bothRestored('w0'),
          ...bothRestored('w1'),
          ...bothRestored('w2'),
          healthy('w0'),
          healthy('w1'),
          healthy('w2'),
          { type: 'mnfa-exit', hostIds: ['w0', 'w1', 'w2'] },
        ],
      },
    ],
    [
      'with mnfa_threshold 3, two hosts in loss fail as usual',
      [[12, { w0: down, w1: down, w2: ok }]],
      { ...HB_DEFAULTS, mnfaThreshold: 3 },
      {
        6: [...bothLost('w0'), ...bothLost('w1'), degraded('w0', both), degraded('w1', both)],
        10: [failed('w0'), failed('w1')],
      },
    ],
  ])('%s', (_, script, t, expected) => {
    expect(play(script, t).byPeriod).toEqual(expected);
  });

  it('records when the event began and who took part', () => {
    const { state } = play([[7, { w0: down, w1: down }]]);
    expect(state.mnfa).toEqual({ active: true, since: 6 * PERIOD_MS, hosts: ['w0', 'w1'], expired: [] });
    expect(state.hosts.w0?.health).toBe('degraded');
  });

  it('after a timed-out event, hosts that recovered count again in a new one', () => {
    const t = { ...HB_DEFAULTS, mnfaTimeoutMs: 1000 };
    const first = play([[20, { w0: clusterDown, w1: clusterDown }]], t);
    expect(first.state.mnfa).toMatchObject({ active: false, expired: ['w0', 'w1'] });
    const again = play(
      [
        [1, { w0: ok, w1: ok }],
        [6, { w0: clusterDown, w1: clusterDown }],
      ],
      t,
      first.state,
    );
    expect(again.state.mnfa).toMatchObject({ active: true, expired: [] });
    expect(again.byPeriod[7]).toContainEqual({ type: 'mnfa-enter', hostIds: ['w0', 'w1'] });
  });
});

describe('forgetHost', () => {
  it('drops the counters: the host starts again from zero', () => {
    const { state } = play([[8, { w0: down }]]);
    const after = play([[5, { w0: down }]], HB_DEFAULTS, forgetHost(state, 'w0'));
    expect(after.byPeriod).toEqual({});
    expect(after.state.hosts.w0?.networks).toEqual({ mgmt: 5, 'cluster-host': 5 });
  });

  it('a network event whose hosts are all forgotten ends at the next period', () => {
    let { state } = play([[7, { w0: down, w1: down }]]);
    state = forgetHost(forgetHost(state, 'w0'), 'w1');
    const r = hbTick(state, [], HB_DEFAULTS, 800);
    expect(r.events).toEqual([{ type: 'mnfa-exit', hostIds: [] }]);
    expect(r.state).toEqual(emptyHbState());
  });

  it('neither function changes the state it is given', () => {
    const { state } = play([[7, { w0: down, w1: down }]]);
    const frozen = deepFreeze(structuredClone(state));
    expect(() =>
      hbTick(frozen, observations({ w0: ok, w1: down, w2: down }), HB_DEFAULTS, 900),
    ).not.toThrow();
    expect(() => forgetHost(frozen, 'w0')).not.toThrow();
    expect(frozen).toEqual(state);
  });
});

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
