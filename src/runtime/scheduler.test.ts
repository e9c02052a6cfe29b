import { describe, expect, it } from 'vitest';
import { ManualScheduler, realScheduler } from './scheduler.ts';

describe('ManualScheduler', () => {
  it('runs due calls in time order, then oldest first, with now() at each call’s time', () => {
    const s = new ManualScheduler(1000);
    const seen: string[] = [];
    s.after(30, () => seen.push(`c@${s.now()}`));
    s.after(10, () => seen.push(`a@${s.now()}`));
    s.after(10, () => seen.push(`b@${s.now()}`));
    const cancel = s.after(20, () => seen.push('cancelled'));
    cancel();
    s.advance(25);
    expect(seen).toEqual(['a@1010', 'b@1010']);
    expect(s.now()).toBe(1025);
    s.advance(5);
    expect(seen).toEqual(['a@1010', 'b@1010', 'c@1030']);
    expect(s.waiting).toBe(0);
  });

  it('a call scheduled by a call runs in the same advance when it falls due', () => {
    const s = new ManualScheduler(0);
    const seen: number[] = [];
    const tick = () => {
      seen.push(s.now());
      s.after(10, tick);
    };
    s.after(10, tick);
    s.advance(35);
    expect(seen).toEqual([10, 20, 30]);
  });
});

describe('realScheduler', () => {
  it('calls back later, never synchronously; cancel prevents the call', async () => {
    let called = 0;
    realScheduler.after(0, () => called++);
    const cancel = realScheduler.after(0, () => (called += 10));
    cancel();
    expect(called).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(1);
    expect(Math.abs(realScheduler.now() - Date.now())).toBeLessThan(1000);
  });
});
