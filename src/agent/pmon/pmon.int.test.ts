// pmon with real processes: commands pmon runs itself and daemons that an LSB script starts and
// that write a pidfile; they are killed with SIGKILL as a crash would, and the operator's view —
// pmon status and the alarms in the sink — is checked as it recovers or gives up.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { loadCatalog } from '../../fault/catalog-file.ts';
import { alarmFromRaise } from '../../fault/domain/raise.ts';
import { alarmKey, memoryAlarmSink } from '../monitor/alarm-sink.ts';
import { pidAlive } from './processes.ts';
import { PROCESS_ALARM_ID, startPmon, type Pmon } from './pmon.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'starling-pmon-'));
let n = 0;
const started: Pmon[] = [];
const strays: number[] = []; // daemons the tests started outside pmon

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

function confDir(files: Record<string, string>): string {
  const dir = path.join(scratch, `pmon.d-${n++}`);
  execFileSync('mkdir', ['-p', dir]);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Polls until fn gives a value (not undefined, null or false). */
async function until<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function pmon(dir: string, onCriticalFailure: (p: string, r: string) => void = () => undefined) {
  const sink = memoryAlarmSink();
  const p = await startPmon({
    dir,
    hostname: 'compute-0',
    sink,
    log: silentLogger,
    auditPeriodMs: 50,
    onCriticalFailure,
  });
  started.push(p);
  const status = (name: string) => p.status().find((s) => s.name === name);
  const alarm = (name: string) =>
    sink.active.get(alarmKey(PROCESS_ALARM_ID, `host=compute-0.process=${name}`));
  return { p, sink, status, alarm };
}

describe('pmon supervising a command it runs itself', () => {
  it('kill -9: restarted with a new pid, 200.006 raised at its severity, cleared after the debounce', async () => {
    const dir = confDir({
      'sleeper.conf':
        '[process]\nprocess = sleeper\ncommand = sleep 1000\nseverity = minor\ninterval = 0.2\ndebounce = 0.5\nstartuptime = 2\n',
    });
    const { sink, status, alarm } = await pmon(dir);
    const first = await until(
      'sleeper running',
      () => status('sleeper')?.state === 'running' && status('sleeper')!.pid,
    );
    expect(await pidAlive(first)).toBe(true);

    process.kill(first, 'SIGKILL');
    // read from the history: on a fast machine the alarm may already be cleared when we look
    const raised = await until('the process alarm', () => sink.history.find((h) => h.op === 'raise'));
    expect(raised.op === 'raise' && raised.alarm).toMatchObject({
      severity: 'minor',
      reason_text: 'sleeper process has failed; auto recovery in progress',
    });

    const second = await until('a new pid', () => status('sleeper')?.pid !== first && status('sleeper')?.pid);
    expect(await pidAlive(second)).toBe(true);
    await until('the alarm cleared', () => alarm('sleeper') === undefined);
    expect(status('sleeper')).toMatchObject({
      state: 'running',
      restarts: 1,
      severity: 'minor',
      pid: second,
    });
    expect(sink.history.map((h) => h.op)).toEqual(['raise', 'clear']);
  });

  it('a command that exits at once: failed after its restarts, critical failure reported once, alarm kept', async () => {
    const dir = confDir({
      'broken.conf':
        '[process]\nprocess = broken\ncommand = false\nseverity = critical\nrestarts = 2\ninterval = 0.1\nstartuptime = 0.3\n',
    });
    const failures: Array<[string, string]> = [];
    const { p, status, alarm } = await pmon(dir, (proc, reason) => failures.push([proc, reason]));
    await until('broken failed', () => status('broken')?.state === 'failed');
    expect(alarm('broken')).toMatchObject({
      severity: 'critical',
      reason_text: 'broken process has failed and 2 restarts did not recover it; manual recovery is required',
    });
    expect(status('broken')).toMatchObject({ restarts: 2, pid: null });
    expect(p.healthy()).toBe(false);
    await new Promise((r) => setTimeout(r, 500)); // more audits: nothing more happens
    expect(failures).toEqual([
      ['broken', 'broken process has failed and 2 restarts did not recover it; manual recovery is required'],
    ]);
    expect(status('broken')?.restarts).toBe(2);
  });

  it('stop() stops the commands pmon started', async () => {
    const dir = confDir({ 'a.conf': '[process]\nprocess = a\ncommand = sleep 1000\n' });
    const { p, status } = await pmon(dir);
    const pid = await until('a running', () => status('a')?.pid);
    await p.stop();
    expect(await pidAlive(pid)).toBe(false);
    expect(status('a')?.state).toBe('stopped');
  });
});

describe('pmon supervising a daemon by its pidfile (pmond’s usual style)', () => {
  /** An LSB script: `svc start` forks a daemon that writes its pid, as /etc/init.d scripts do. */
  function lsbScript(pidfile: string): string {
    const script = path.join(scratch, `svc-${n++}`);
    writeFileSync(
      script,
      `#!/bin/sh\ncase "$1" in\n  start) sleep 1000 </dev/null >/dev/null 2>&1 &\n         echo $! > ${pidfile} ;;\n  *) exit 3 ;;\nesac\n`,
    );
    chmodSync(script, 0o755);
    return script;
  }
  const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

  it('kill -9: the script restarts it, the alarm is raised then cleared after the debounce', async () => {
    const pidfile = path.join(scratch, `daemon-${n++}.pid`);
    const script = lsbScript(pidfile);
    execFileSync(script, ['start']); // the daemon was running before pmon came up
    const first = pidIn(pidfile);
    strays.push(first);
    const dir = confDir({
      'daemon.conf': `[process]\nprocess = daemon\npidfile = ${pidfile}\nscript = ${script}\nstyle = lsb\nseverity = major\ninterval = 0.2\ndebounce = 0.5\nstartuptime = 3\n`,
    });
    const { sink, status, alarm } = await pmon(dir);
    expect(status('daemon')).toMatchObject({ state: 'running', pid: first, restarts: 0 });

    process.kill(first, 'SIGKILL');
    const raised = await until('the process alarm', () => sink.history.find((h) => h.op === 'raise'));
    expect(raised.op === 'raise' && raised.alarm).toMatchObject({
      severity: 'major',
      entity_instance_id: 'host=compute-0.process=daemon',
    });
    const second = await until(
      'the restarted daemon',
      () => status('daemon')?.pid !== first && status('daemon')?.pid,
    );
    strays.push(second);
    expect(second).toBe(pidIn(pidfile));
    await until('the alarm cleared', () => alarm('daemon') === undefined);
    expect(status('daemon')).toMatchObject({ state: 'running', restarts: 1 });
    expect(sink.history.map((h) => h.op)).toEqual(['raise', 'clear']);
  });

  it('a restart script that always fails (`false`): failed after its restarts, alarm kept, host not failed for a major process', async () => {
    const pidfile = path.join(scratch, `gone-${n++}.pid`);
    writeFileSync(pidfile, '999999\n'); // a pid no process has
    const failures: string[] = [];
    const dir = confDir({
      'gone.conf': `[process]\nprocess = gone\npidfile = ${pidfile}\nscript = false\nrestarts = 1\ninterval = 0.1\nstartuptime = 0.3\n`,
    });
    const { p, status, alarm } = await pmon(dir, (proc) => failures.push(proc));
    await until('gone failed', () => status('gone')?.state === 'failed');
    expect(alarm('gone')).toMatchObject({
      severity: 'major',
      reason_text: expect.stringMatching(/manual recovery is required/),
    });
    expect(failures).toEqual([]);
    expect(p.healthy()).toBe(true); // only a critical process's failure makes the host unhealthy
    unlinkSync(pidfile);
  });
});

describe('pmon configuration', () => {
  it('a bad file is reported with file, line and field and skipped; the good ones run; ignore skips', async () => {
    const dir = confDir({
      'bad.conf': '[process]\nprocess = bad\ncommand = sleep 1000\nseverity = fatal\n',
      'good.conf': '[process]\nprocess = good\ncommand = sleep 1000\n',
      'off.conf': '[process]\nprocess = off\nmode = ignore\n',
      'twin.conf': '[process]\nprocess = good\ncommand = sleep 1000\n',
      README: 'not a conf file',
    });
    const { p, status } = await pmon(dir);
    expect(p.status().map((s) => s.name)).toEqual(['good']);
    await until('good running', () => status('good')?.state === 'running');
    expect(p.problems()).toEqual([
      `${dir}/bad.conf:4: severity: 'fatal' must be minor, major or critical`,
      `${dir}/twin.conf: process: 'good' is already watched by ${dir}/good.conf; this file is skipped`,
    ]);
  });

  it('a missing folder is a problem, not a crash', async () => {
    const { p } = await pmon(path.join(scratch, 'no-such-folder'));
    expect(p.status()).toEqual([]);
    expect(p.problems()[0]).toMatch(/cannot read the folder \(ENOENT\)/);
  });

  it('reload: a new file is watched; a removed one is dropped, its command stopped and its alarm cleared', async () => {
    const dir = confDir({ 'a.conf': '[process]\nprocess = a\ncommand = sleep 1000\n' });
    const { p, sink, status } = await pmon(dir);
    const pidA = await until('a running', () => status('a')?.pid);
    writeFileSync(path.join(dir, 'b.conf'), '[process]\nprocess = b\ncommand = sleep 1000\n');
    unlinkSync(path.join(dir, 'a.conf'));
    await p.reload();
    expect(p.status().map((s) => s.name)).toEqual(['b']);
    expect(await pidAlive(pidA)).toBe(false);
    await until('b running', () => status('b')?.state === 'running');
    expect(sink.active.size).toBe(0);
  });

  it('200.006 at every pmon severity is accepted by the controller’s fm catalog', () => {
    for (const severity of ['minor', 'major', 'critical']) {
      expect(() =>
        alarmFromRaise(
          { alarm_id: PROCESS_ALARM_ID, entity_instance_id: 'host=compute-0.process=sm-api', severity },
          loadCatalog(),
          new Date(),
        ),
      ).not.toThrow();
    }
  });
});
