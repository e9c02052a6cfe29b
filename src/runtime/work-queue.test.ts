import { describe, expect, it } from 'vitest';
import { done, requeueAfter, retry, terminal, type ReconcileResult } from './reconciler.ts';
import { ManualScheduler } from './scheduler.ts';
import { WorkQueue } from './work-queue.ts';

/** A run the test ends when it wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A queue on manual time whose reconciler records each run (key@ms) and answers from `answer`. */
function harness(
  answer: (key: string, run: number) => ReconcileResult | Promise<ReconcileResult> = () => done,
  concurrency = 1,
) {
  const clock = new ManualScheduler(0);
  const log: string[] = [];
  const errors: string[] = [];
  const terminals: string[] = [];
  const count = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const q = new WorkQueue<string>({
    concurrency,
    backoff: { initialMs: 100, maxMs: 1000 },
    scheduler: clock,
    reconcile: async (key) => {
      const n = (count.get(key) ?? 0) + 1;
      count.set(key, n);
      log.push(`${key}@${clock.now()}`);
      maxRunning = Math.max(maxRunning, ++running);
      try {
        return await answer(key, n);
      } finally {
        running--;
      }
    },
    onError: (key, e, ms) => errors.push(`${key}: ${String(e)} (retry in ${ms})`),
    onTerminal: (key, e) => terminals.push(`${key}: ${String(e)}`),
  });
  /** Moves time by `ms`, stopping at each due call to let the runs it starts finish (as real time
   *  would: a run's follow-up is scheduled from when it ran). */
  const advance = async (ms: number) => {
    const end = clock.now() + ms;
    await q.idle();
    for (let at = clock.nextAt(); at !== undefined && at <= end; at = clock.nextAt()) {
      clock.advance(at - clock.now());
      await q.idle();
    }
    clock.advance(end - clock.now());
    await q.idle();
  };
  return { q, clock, log, errors, terminals, advance, maxRunning: () => maxRunning };
}

describe('WorkQueue: keys, not events', () => {
  it('a key added many times while it waits runs once', async () => {
    const g = gate();
    const h = harness(async (k) => {
      if (k === 'busy') await g.wait;
      return done;
    });
    h.q.add('busy'); // holds the only worker
    for (const k of ['a', 'a', 'b', 'a', 'b']) h.q.add(k);
    expect(h.q.stats()).toMatchObject({ ready: 2, running: 1 });
    g.open();
    await h.q.idle();
    expect(h.log).toEqual(['busy@0', 'a@0', 'b@0']);
  });

  it('one run per key at a time; a key added while it runs runs once more afterwards', async () => {
    const gates = [gate(), gate()];
    const h = harness(async (_k, n) => {
      await gates[n - 1]?.wait;
      return done;
    }, 4);
    h.q.add('a');
    await flush();
    h.q.add('a');
    h.q.add('a');
    expect(h.q.stats()).toMatchObject({ ready: 0, running: 1 });
    gates[0]!.open();
    await flush();
    expect(h.log).toEqual(['a@0', 'a@0']);
    gates[1]!.open();
    await h.q.idle();
    expect(h.log).toHaveLength(2);
    expect(h.maxRunning()).toBe(1);
  });

  it('at most `concurrency` keys run at once, and every key runs', async () => {
    const g = gate();
    const h = harness(async () => {
      await g.wait;
      return done;
    }, 3);
    for (let i = 0; i < 10; i++) h.q.add(`k${i}`);
    await flush();
    expect(h.q.stats()).toMatchObject({ running: 3, ready: 7 });
    g.open();
    await h.q.idle();
    expect(h.log).toHaveLength(10);
    expect(h.maxRunning()).toBe(3);
  });

  it('a key re-added on every run goes to the back of the line: the others are not starved', async () => {
    const h = harness(async (k, n) => {
      if (k === 'hot' && n < 50) h.q.add('hot'); // e.g. a host heartbeating every tick
      return done;
    });
    h.q.add('hot');
    for (const k of ['a', 'b', 'c']) h.q.add(k);
    await h.q.idle();
    expect(h.log.slice(0, 5)).toEqual(['hot@0', 'a@0', 'b@0', 'c@0', 'hot@0']);
    expect(h.log.filter((x) => x === 'hot@0')).toHaveLength(50);
  });

  it('rejects a concurrency that is not a positive integer', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN])
      expect(
        () =>
          new WorkQueue({ concurrency, backoff: { initialMs: 1, maxMs: 1 }, reconcile: async () => done }),
      ).toThrow(/concurrency/);
  });
});

describe('WorkQueue: the reconciler result contract', () => {
  it('error: retried after a per-key backoff that grows to its maximum, and resets on success', async () => {
    const h = harness((k, n) => (k === 'a' && n <= 6 ? retry(new Error('BMC unreachable')) : done));
    h.q.add('a');
    await h.advance(0);
    for (let i = 0; i < 10; i++) await h.advance(100);
    h.q.add('b'); // b's first failure... b never fails: its runs are not delayed by a's backoff
    await h.advance(5000);
    expect(h.log).toEqual(
      ['a@0', 'a@100', 'a@300', 'a@700', 'a@1500', 'b@1000', 'a@2500', 'a@3500'].sort(byTime),
    );
    expect(h.errors[0]).toBe('a: Error: BMC unreachable (retry in 100)');
    expect(h.errors.map((e) => /retry in (\d+)/.exec(e)![1])).toEqual([
      '100',
      '200',
      '400',
      '800',
      '1000',
      '1000',
    ]);
    expect(h.q.stats()).toEqual({ ready: 0, running: 0, scheduled: 0, failing: 0 });
  });

  it('each key has its own backoff', async () => {
    const h = harness((k) => (k === 'a' || k === 'b' ? retry('down') : done));
    h.q.add('a');
    await h.advance(300); // a: runs at 0, 100, 300
    h.q.add('b'); // b's first failure waits the initial 100, not a's 400
    await h.advance(100);
    expect(h.log).toEqual(['a@0', 'a@100', 'a@300', 'b@300', 'b@400']);
    expect(h.q.stats().failing).toBe(2);
  });

  it('a thrown error counts as an error with backoff', async () => {
    const h = harness((_k, n) => {
      if (n === 1) throw new Error('boom');
      return done;
    });
    h.q.add('a');
    await h.advance(99);
    expect(h.log).toEqual(['a@0']);
    await h.advance(1);
    expect(h.log).toEqual(['a@0', 'a@100']);
    expect(h.errors).toEqual(['a: Error: boom (retry in 100)']);
  });

  it('requeue after: runs again when due, not before, and is not a failure', async () => {
    const h = harness((_k, n) => (n < 3 ? requeueAfter(5000) : done));
    h.q.add('wf');
    await h.advance(4999);
    expect(h.log).toEqual(['wf@0']);
    await h.advance(1);
    await h.advance(5000);
    expect(h.log).toEqual(['wf@0', 'wf@5000', 'wf@10000']);
    expect(h.errors).toEqual([]);
    expect(h.q.stats()).toMatchObject({ scheduled: 0, failing: 0 });
  });

  it('an event before a requeue is due runs the key now; the old plan is void', async () => {
    const h = harness((_k, n) => (n === 1 ? requeueAfter(5000) : done));
    h.q.add('wf');
    await h.advance(1000);
    h.q.add('wf'); // e.g. the agent answered the command the step waits for
    await h.advance(10_000);
    expect(h.log).toEqual(['wf@0', 'wf@1000']);
  });

  it('terminal: not retried, the owner is told once; a later event runs the key again', async () => {
    const h = harness((_k, n) => (n === 1 ? terminal('no BMC configured') : done));
    h.q.add('h1');
    await h.advance(60_000);
    expect(h.log).toEqual(['h1@0']);
    expect(h.terminals).toEqual(['h1: no BMC configured']);
    h.q.add('h1'); // the operator configured the BMC
    await h.advance(0);
    expect(h.log).toEqual(['h1@0', 'h1@60000']);
  });

  it('a hook that throws does not stop the queue', async () => {
    const clock = new ManualScheduler(0);
    const runs: number[] = [];
    const q = new WorkQueue<string>({
      concurrency: 1,
      backoff: { initialMs: 10, maxMs: 10 },
      scheduler: clock,
      reconcile: async () => (runs.push(clock.now()), runs.length < 3 ? retry('x') : done),
      onError: () => {
        throw new Error('logger down');
      },
    });
    q.add('a');
    for (let i = 0; i < 3; i++) {
      await q.idle();
      clock.advance(10);
    }
    await q.idle();
    expect(runs).toEqual([0, 10, 20]);
  });
});

describe('WorkQueue: scheduling and life cycle', () => {
  it('addAfter keeps the earliest plan for a key', async () => {
    const h = harness();
    h.q.addAfter('a', 500);
    h.q.addAfter('a', 200);
    h.q.addAfter('a', 900);
    expect(h.q.stats().scheduled).toBe(1);
    await h.advance(1000);
    expect(h.log).toEqual(['a@200']);
  });

  it('forget drops a key’s scheduled retry and its backoff, also while it runs', async () => {
    const g = gate();
    const h = harness(async (k) => {
      if (k === 'b') await g.wait;
      return retry('down');
    });
    h.q.add('a');
    await h.advance(0);
    expect(h.q.stats()).toMatchObject({ scheduled: 1, failing: 1 });
    h.q.forget('a');
    h.q.add('b');
    await flush();
    h.q.forget('b'); // its host was deleted while the run was in progress
    g.open();
    await h.advance(10_000);
    expect(h.log).toEqual(['a@0', 'b@0']);
    expect(h.q.stats()).toEqual({ ready: 0, running: 0, scheduled: 0, failing: 0 });
  });

  it('resync adds every key periodically; keys already waiting are not doubled', async () => {
    const h = harness();
    h.q.resyncEvery(1000, () => ['a', 'b', 'b']); // b waits while a runs: added twice, run once
    await h.advance(2500);
    expect(h.log).toEqual(['a@1000', 'b@1000', 'a@2000', 'b@2000']);
  });

  it('stop waits for the running keys, drops the scheduled ones, and takes no more', async () => {
    const g = gate();
    const h = harness(async (k) => {
      if (k === 'slow') await g.wait;
      return requeueAfter(100);
    });
    h.q.resyncEvery(50, () => ['r']);
    h.q.add('slow');
    h.q.add('next');
    h.q.addAfter('later', 10);
    let stopped = false;
    const s = h.q.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    g.open();
    await s;
    h.q.add('after-stop');
    h.clock.advance(10_000);
    await flush();
    expect(h.log).toEqual(['slow@0']);
    expect(h.clock.waiting).toBe(0);
  });
});

function byTime(a: string, b: string): number {
  return Number(a.split('@')[1]) - Number(b.split('@')[1]);
}
