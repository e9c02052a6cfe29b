import { describe, expect, it } from 'vitest';
import { nextBackoff } from './backoff.ts';

describe('nextBackoff', () => {
  it('starts at the initial wait, doubles, and stops at the maximum', () => {
    const o = { initialMs: 500, maxMs: 3000 };
    const seq: number[] = [];
    let d = 0;
    for (let i = 0; i < 6; i++) seq.push((d = nextBackoff(d, o)));
    expect(seq).toEqual([500, 1000, 2000, 3000, 3000, 3000]);
  });
});
