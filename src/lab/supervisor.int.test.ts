import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { Supervised } from './supervisor.ts';

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a supervised lab process (real child processes)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stl-sup-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is started again when it dies while wanted, and not after stop()', async () => {
    const starts = path.join(dir, 'starts');
    // Appends a line per start, then dies at once: a crash loop.
    const p = new Supervised(
      'crasher',
      () => ({
        args: [
          process.execPath,
          '-e',
          `require('fs').appendFileSync(${JSON.stringify(starts)}, 'x\\n'); process.exit(3)`,
        ],
        env: process.env,
        logFile: path.join(dir, 'crasher.log'),
      }),
      silentLogger,
    );
    const count = async () =>
      (await fs.readFile(starts, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    p.start();
    // First restart after 1 s, the next after 2 s (backoff).
    await until(async () => (await count()) >= 2);
    expect(p.lastExit).toBe('exit code 3');
    await p.stop(1000);
    const after = await count();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await count()).toBe(after);
  }, 30_000);

  it('is stopped with SIGTERM, or SIGKILL once the grace period is over', async () => {
    const polite = new Supervised(
      'polite',
      () => ({
        args: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
        env: process.env,
        logFile: path.join(dir, 'p.log'),
      }),
      silentLogger,
    );
    const stubborn = new Supervised(
      'stubborn',
      () => ({
        args: [
          process.execPath,
          '-e',
          "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)",
        ],
        env: process.env,
        logFile: path.join(dir, 's.log'),
      }),
      silentLogger,
    );
    polite.start();
    stubborn.start();
    await until(async () =>
      (await fs.readFile(path.join(dir, 's.log'), 'utf8').catch(() => '')).includes('ready'),
    );
    expect(polite.pid).toBeGreaterThan(0);
    await polite.stop(5000);
    expect(polite.lastExit).toBe('SIGTERM');
    const t0 = Date.now();
    await stubborn.stop(300);
    expect(stubborn.lastExit).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(stubborn.pid).toBeUndefined();
  }, 30_000);
});
