// The resource monitor on this machine's /proc and file systems (cross-checked with free and df),
// and on a written /proc tree plus a small tmpfs that the test drives across the thresholds.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { alarmKey, memoryAlarmSink } from './alarm-sink.ts';
import { startResourceMonitor } from './resources.ts';

const HOUR = 3_600_000; // tests take their samples themselves

/** Writes a file whole (rename), so a sample running meanwhile never reads half of it. */
function put(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

describe('resource monitor on this machine', () => {
  it('reads CPU, memory and / as free and df see them', async () => {
    const sink = memoryAlarmSink();
    const m = startResourceMonitor({
      root: '/',
      hostname: 'controller-0',
      sink,
      log: silentLogger,
      periodMs: HOUR,
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const s = await m.sample();
      expect(s.cpu_percent).not.toBeNull();
      expect(s.cpu_percent!).toBeGreaterThanOrEqual(0);
      expect(s.cpu_percent!).toBeLessThanOrEqual(100);

      // free: "Mem:  total used free shared buff/cache available"
      const mem = execFileSync('free', ['-b'], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.startsWith('Mem:'))!
        .trim()
        .split(/\s+/)
        .map(Number);
      const freePct = ((mem[1]! - mem[6]!) / mem[1]!) * 100;
      expect(Math.abs(s.memory_percent! - freePct)).toBeLessThan(3); // memory moves between the two reads

      const dfPct = Number(
        execFileSync('df', ['--output=pcent', '/'], { encoding: 'utf8' }).split('\n')[1]!.replace('%', ''),
      );
      const root = s.filesystems.find((f) => f.mountpoint === '/')!;
      expect(Math.abs(root.used_percent! - dfPct)).toBeLessThanOrEqual(1); // df rounds up
    } finally {
      await m.stop();
    }
  });
});

describe('resource monitor on a written /proc tree', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'starling-resources-'));
  const mnt = path.join(root, 'var/log');
  let jiffies = { busy: 0, idle: 0 };
  /** Appends a period with the given CPU busy % to proc/stat's counters. */
  const cpuPeriod = (busyPct: number) => {
    jiffies = { busy: jiffies.busy + busyPct * 10, idle: jiffies.idle + (100 - busyPct) * 10 };
    put(path.join(root, 'proc/stat'), `cpu  ${jiffies.busy} 0 0 ${jiffies.idle} 0 0 0 0 0 0\nintr 1\n`);
  };
  const memory = (usedPct: number) =>
    put(
      path.join(root, 'proc/meminfo'),
      `MemTotal:  1000000 kB\nMemFree:  10000 kB\nMemAvailable:  ${(100 - usedPct) * 10000} kB\n`,
    );

  beforeAll(() => {
    mkdirSync(path.join(root, 'proc'));
    mkdirSync(mnt, { recursive: true });
    // A real file system small enough to fill: 4 MiB of tmpfs (no root reserve, so df% = used/size).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'starling-test', mnt]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [mnt]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('CPU: raises major, escalates, de-escalates and clears with 5 points of hysteresis', async () => {
    cpuPeriod(0);
    memory(10);
    const sink = memoryAlarmSink();
    const m = startResourceMonitor({
      root,
      hostname: 'worker-0',
      sink,
      log: silentLogger,
      periodMs: HOUR,
      filesystems: [],
    });
    const cpuAlarm = () => sink.active.get(alarmKey('100.101', 'host=worker-0'))?.severity ?? 'clear';
    const seen: string[] = [];
    try {
      expect((await m.sample()).cpu_percent).toBeNull(); // no time passed since the baseline taken at start
      for (const pct of [50, 92, 97, 91, 88, 86, 84, 93, 10]) {
        cpuPeriod(pct);
        const s = await m.sample();
        expect(s.cpu_percent).toBeCloseTo(pct, 5);
        seen.push(`${pct}:${cpuAlarm()}`);
      }
    } finally {
      await m.stop();
    }
    expect(seen).toEqual([
      '50:clear',
      '92:major',
      '97:critical',
      '91:critical',
      '88:major',
      '86:major',
      '84:clear',
      '93:major',
      '10:clear',
    ]);
    const raised = sink.history.find((h) => h.op === 'raise');
    expect(raised).toEqual({
      op: 'raise',
      alarm: {
        alarm_id: '100.101',
        entity_instance_id: 'host=worker-0',
        severity: 'major',
        reason_text: 'Platform CPU threshold exceeded; threshold 90.00%, actual 92.00%',
      },
    });
  });

  it('memory: 100.103 on host=<h>.memory=platform, with configured thresholds, from the periodic samples', async () => {
    cpuPeriod(0);
    memory(50);
    const sink = memoryAlarmSink();
    const key = alarmKey('100.103', 'host=worker-0.memory=platform');
    const m = startResourceMonitor({
      root,
      hostname: 'worker-0',
      sink,
      log: silentLogger,
      periodMs: 20,
      filesystems: [],
      thresholds: { memory: { major: 60, critical: 70 } },
    });
    const until = async (sev: string | undefined) => {
      for (let i = 0; i < 1000 && sink.active.get(key)?.severity !== sev; i++)
        await new Promise((r) => setTimeout(r, 10));
      return sink.active.get(key)?.severity;
    };
    try {
      memory(65);
      expect(await until('major')).toBe('major');
      memory(75);
      expect(await until('critical')).toBe('critical');
      memory(40);
      expect(await until(undefined)).toBeUndefined();
    } finally {
      await m.stop();
    }
    expect(sink.history.map((h) => (h.op === 'raise' ? h.alarm.severity : 'clear'))).toEqual([
      'major',
      'critical',
      'clear',
    ]);
  });

  it('file system: 100.104 on host=<h>.filesystem=<mount> as a real tmpfs fills and empties', async () => {
    cpuPeriod(0);
    memory(10);
    const sink = memoryAlarmSink();
    const key = alarmKey('100.104', 'host=worker-0.filesystem=/var/log');
    const m = startResourceMonitor({
      root,
      hostname: 'worker-0',
      sink,
      log: silentLogger,
      periodMs: HOUR,
      filesystems: ['/var/log'],
    });
    const fill = (pct: number) =>
      writeFileSync(path.join(mnt, 'fill'), Buffer.alloc(Math.round((4 * 1024 * 1024 * pct) / 100)));
    const at = async () => {
      const s = await m.sample();
      return { pct: s.filesystems[0]!.used_percent!, alarm: sink.active.get(key)?.severity ?? 'clear' };
    };
    try {
      expect(await at()).toEqual({ pct: 0, alarm: 'clear' });
      fill(85);
      const major = await at();
      expect(major.pct).toBeCloseTo(85, 0);
      expect(major.alarm).toBe('major');
      fill(95);
      expect((await at()).alarm).toBe('critical');
      fill(87); // within critical's hysteresis (≥ 85): stays critical
      expect((await at()).alarm).toBe('critical');
      rmSync(path.join(mnt, 'fill'));
      expect(await at()).toEqual({ pct: 0, alarm: 'clear' });
    } finally {
      await m.stop();
    }
    expect(
      sink.history.map((h) => (h.op === 'raise' ? `${h.alarm.severity}: ${h.alarm.reason_text}` : 'clear')),
    ).toEqual([
      expect.stringMatching(
        /^major: File system \/var\/log threshold exceeded; threshold 80\.00%, actual 85\.\d\d%$/,
      ),
      expect.stringMatching(/^critical: File system \/var\/log threshold exceeded; threshold 90\.00%/),
      'clear',
    ]);
  });

  it('a missing /proc or mount point gives no reading and no alarm; bad thresholds refuse to start', async () => {
    const sink = memoryAlarmSink();
    const m = startResourceMonitor({
      root: path.join(root, 'nothing'),
      hostname: 'h',
      sink,
      log: silentLogger,
      periodMs: HOUR,
      filesystems: ['/nope'],
    });
    expect(await m.sample()).toEqual({
      cpu_percent: null,
      memory_percent: null,
      filesystems: [{ mountpoint: '/nope', used_percent: null }],
    });
    expect(sink.history).toEqual([]);
    await m.stop();
    expect(() =>
      startResourceMonitor({
        root,
        hostname: 'h',
        sink,
        log: silentLogger,
        thresholds: { cpu: { major: 99, critical: 90 } },
      }),
    ).toThrow(/above the critical/);
    expect(() =>
      startResourceMonitor({ root, hostname: 'h', sink, log: silentLogger, filesystems: ['var'] }),
    ).toThrow(/not absolute/);
  });
});
