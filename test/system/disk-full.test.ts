// A full data folder under write load (a small tmpfs as the data folder; needs root to mount it):
// writes answer 503 STORAGE_FULL, reads keep working, the controller never exits, alarm 100.104
// is raised before, and writes work again by themselves once space is freed.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/index.ts';
import { backend } from '../support/db-urls.ts';
import { tempDir } from '../support/site.ts';
import { api, killAllOn, launchStarling, loginWhenUp, sleep, waitFor, type Running } from '../support/proc.ts';

const PASSWORD = 'diskfull-test-pw';
const isRoot = process.getuid?.() === 0;

/** Fills `file` until the file system has `leaveBytes` left. */
async function fillTo(dir: string, file: string, leaveBytes: number): Promise<void> {
  const s = await fs.statfs(dir);
  const free = s.bavail * s.bsize;
  const current = await fs.stat(file).then((st) => st.size, () => 0);
  const size = Math.max(0, current + free - leaveBytes);
  execFileSync('fallocate', ['-l', String(size), file]);
}

describe.skipIf(backend() === 'external' || !isRoot)('full data folder (tmpfs, root)', () => {
  let mnt = '';
  let running: Running | undefined;

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    if (mnt) {
      killAllOn(mnt);
      await sleep(500);
      try {
        execFileSync('umount', ['-l', mnt]);
      } catch {
        // not mounted
      }
      await fs.rm(mnt, { recursive: true, force: true });
    }
  });

  it('refuses writes with 503 STORAGE_FULL, keeps reading, never exits, recovers when space returns', async () => {
    mnt = await tempDir('starling-diskfull-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200m,mode=0755', 'tmpfs', mnt]);
    const filler = path.join(mnt, 'filler');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    running = launchStarling(['controller', '--data-dir', mnt, '--port', String(port), '--insecure-http'], {
      STARLING_ADMIN_PASSWORD: PASSWORD,
      STARLING_FS_CHECK_SECONDS: '1',
    });
    const token = await loginWhenUp(url, PASSWORD, 15_000);

    // 85% used: the major alarm 100.104 on the data folder.
    const s = await fs.statfs(mnt);
    await fillTo(mnt, filler, Math.floor(s.blocks * s.bsize * 0.15));
    const fsAlarm = await waitFor(
      '100.104 raised',
      async () => ((await api(url, token, 'GET', '/v1/alarms')).body.alarms as { alarm_id: string; severity: string }[]).find((a) => a.alarm_id === '100.104'),
      5_000,
      200,
    );
    expect(fsAlarm.severity).toBe('major');

    // Full: write load until writes are refused.
    await fillTo(mnt, filler, 256 * 1024);
    let n = 0;
    let ok = 0;
    let full = 0;
    let other = 0;
    let readsOk = 0;
    let readsFailed = 0;
    const bodies: string[] = [];
    const otherCodes = new Map<string, number>();
    const loadStarted = performance.now();
    while (performance.now() - loadStarted < 15_000 && full < 20) {
      const burst = await Promise.all(
        Array.from({ length: 8 }, () =>
          api(url, token, 'POST', '/v1/alarms', {
            alarm_id: '100.101',
            entity_instance_id: `host=fill-${n++}`,
            severity: 'major',
            reason_text: 'x'.repeat(200),
          }),
        ),
      );
      for (const r of burst) {
        if (r.status === 201) ok++;
        else if (r.status === 503 && r.body?.error?.error_code === 'STORAGE_FULL') {
          full++;
          if (bodies.length === 0) bodies.push(r.body.error.message as string);
        } else {
          other++;
          const code = `${r.status} ${r.body?.error?.error_code ?? ''}`;
          otherCodes.set(code, (otherCodes.get(code) ?? 0) + 1);
        }
      }
      const read = await api(url, token, 'GET', '/v1/isystems');
      if (read.status === 200) readsOk++;
      else readsFailed++;
    }
    console.log(`disk-full: ${ok} writes accepted, ${full} answered 503 STORAGE_FULL, ${other} other (${JSON.stringify(Object.fromEntries(otherCodes))}); reads ${readsOk} ok / ${readsFailed} failed; message: ${bodies[0]}`);
    expect(full).toBeGreaterThan(0);
    expect(bodies[0]).toMatch(/data folder is full/);
    expect(readsOk).toBeGreaterThan(0);
    expect(running.child.exitCode).toBeNull();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    // Space returns: writes work again by themselves.
    await fs.rm(filler);
    const freedAt = performance.now();
    await waitFor(
      'a write after freeing space',
      async () => ((await api(url, token, 'POST', '/v1/alarms', { alarm_id: '100.101', entity_instance_id: 'host=after', severity: 'major' })).status === 201 ? true : undefined),
      20_000,
      200,
    );
    console.log(`disk-full: writes accepted again ${Math.round(performance.now() - freedAt)} ms after space was freed`);
    await waitFor(
      '100.104 cleared',
      async () => (((await api(url, token, 'GET', '/v1/alarms')).body.alarms as { alarm_id: string }[]).some((a) => a.alarm_id === '100.104') ? undefined : true),
      10_000,
      200,
    );
    expect(running.child.exitCode).toBeNull();
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 60_000);
});
