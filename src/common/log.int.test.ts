// A log on a full disk: /dev/full answers every write with ENOSPC, as a full data folder does.

import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from './log.ts';

describe('log on a full disk', () => {
  it('drops lines on ENOSPC without an unhandled error event, says so once, and keeps logging', async () => {
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      said.push(String(s));
      return true;
    });
    try {
      const log = createLogger('info', 'test', pino.destination({ dest: '/dev/full', sync: false }));
      for (let i = 0; i < 50; i++) log.info({ i }, 'a line that cannot be written');
      await new Promise((r) => setTimeout(r, 200));
      log.info('still logging');
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      spy.mockRestore();
    }
    expect(said).toEqual(['test: cannot write the log (ENOSPC); lines are dropped until it can\n']);
  });
});
