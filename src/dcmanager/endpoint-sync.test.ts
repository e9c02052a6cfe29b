import { describe, expect, it } from 'vitest';
import { sharedRead } from './endpoint-sync.ts';

describe('sharedRead', () => {
  it('reads once per second however many callers, and does not keep a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const read = sharedRead(async () => {
      reads++;
      if (fail) throw new Error('database down');
      return reads;
    }, () => now);
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    now = 999;
    expect(await read()).toBe(1);
    now = 1000;
    fail = true;
    await expect(read()).rejects.toThrow('database down');
    fail = false;
    expect(await read()).toBe(3);
    expect(reads).toBe(3);
  });
});
