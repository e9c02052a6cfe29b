// The alarm write queue: concurrent writes share a statement, yet each caller gets its own answer,
// two writes of one alarm never share a statement, and one bad write fails only its caller.

import { describe, expect, it } from 'vitest';
import { WriteQueue } from './write-queue.ts';

/** A write of alarm `key` (undefined: a write that must run alone); `bad` breaks any batch it is in. */
interface Op {
  id: string;
  key: string | undefined;
  bad?: boolean;
}

/** A queue over a recording "database": the batches it ran, in order. */
function recorder(opts?: { maxBatch: number }) {
  const batches: string[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const queue = new WriteQueue<Op, string>(
    async (ops) => {
      batches.push(ops.map((o) => o.id));
      if (hold) await new Promise<void>((r) => (release = r));
      if (ops.some((o) => o.bad)) throw new Error(`statement failed on ${ops.find((o) => o.bad)!.id}`);
      return ops.map((o) => `done ${o.id}`);
    },
    (op) => op.key,
    opts,
  );
  return {
    queue,
    batches,
    /** Keeps the next batch running until `let go` is called. */
    holdNext: () => (hold = true),
    letGo: () => {
      hold = false;
      release?.();
    },
  };
}

const op = (id: string, key: string = id, bad = false): Op => ({ id, key, bad });
const alone = (id: string): Op => ({ id, key: undefined });

describe('alarm write queue', () => {
  it('writes submitted together go out in one batch, and each caller gets its own result', async () => {
    const r = recorder();
    const results = await Promise.all(['a', 'b', 'c'].map((id) => r.queue.submit(op(id))));
    expect(results).toEqual(['done a', 'done b', 'done c']);
    expect(r.batches).toEqual([['a', 'b', 'c']]);
  });

  it('writes arriving while a batch runs wait for it and then share the next one', async () => {
    const r = recorder();
    r.holdNext();
    const first = r.queue.submit(op('a'));
    await new Promise((res) => setImmediate(res));
    const later = [r.queue.submit(op('b')), r.queue.submit(op('c'))];
    await new Promise((res) => setImmediate(res));
    expect(r.batches).toEqual([['a']]);
    r.letGo();
    expect(await Promise.all([first, ...later])).toEqual(['done a', 'done b', 'done c']);
    expect(r.batches).toEqual([['a'], ['b', 'c']]);
  });

  it('two writes of the same alarm never share a batch, and keep their order', async () => {
    const r = recorder();
    await Promise.all([
      r.queue.submit(op('raise x', 'x')),
      r.queue.submit(op('raise y', 'y')),
      r.queue.submit(op('clear x', 'x')),
      r.queue.submit(op('raise z', 'z')),
    ]);
    expect(r.batches).toEqual([
      ['raise x', 'raise y'],
      ['clear x', 'raise z'],
    ]);
  });

  it('a write without a key (a subtree clear) runs alone, after what came before and before what comes after', async () => {
    const r = recorder();
    await Promise.all([
      r.queue.submit(op('raise a')),
      r.queue.submit(op('raise b')),
      r.queue.submit(alone('clear host=w0 and below')),
      r.queue.submit(op('raise c')),
    ]);
    expect(r.batches).toEqual([['raise a', 'raise b'], ['clear host=w0 and below'], ['raise c']]);
  });

  it('when a batch fails, each write is tried alone: only the bad one fails', async () => {
    const r = recorder();
    const settled = await Promise.allSettled([
      r.queue.submit(op('a')),
      r.queue.submit(op('bad', 'bad', true)),
      r.queue.submit(op('c')),
    ]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'done a',
      'statement failed on bad',
      'done c',
    ]);
    expect(r.batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    // the queue goes on working after a failure
    expect(await r.queue.submit(op('d'))).toBe('done d');
  });

  it('a batch holds at most maxBatch writes', async () => {
    const r = recorder({ maxBatch: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => r.queue.submit(op(id))));
    expect(r.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(r.queue.stats()).toEqual({ operations: 5, batches: 3 });
  });
});
