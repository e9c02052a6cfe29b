import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../fault/catalog-file.ts';
import { alarmFromRaise } from '../../../fault/domain/raise.ts';
import { cpuPercent, filesystemPercent, memoryPercent, parseCpuTimes, resourceAlarm } from './resources.ts';

const STAT = (user: number, idle: number, iowait = 0) =>
  `cpu  ${user} 0 0 ${idle} ${iowait} 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} ${iowait} 0 0 0 0 0\nintr 12345\nctxt 999\n`;

describe('CPU usage from /proc/stat', () => {
  it('reads the aggregate line: iowait counts as idle, guest is not counted twice', () => {
    expect(parseCpuTimes('cpu  100 5 20 800 30 1 2 3 40 0\n')).toEqual({ idle: 830, total: 961 });
  });
  it.each([
    ['no cpu line', 'cpu0 1 2 3 4\n'],
    ['a field that is not a number', 'cpu  1 2 x 4\n'],
    ['too few fields', 'cpu  1 2\n'],
  ])('undefined for %s', (_n, text) => expect(parseCpuTimes(text)).toBeUndefined());

  it.each([
    ['all busy', STAT(0, 0), STAT(100, 0), 100],
    ['all idle', STAT(0, 0), STAT(0, 100), 0],
    ['iowait is not busy', STAT(0, 0, 0), STAT(50, 0, 50), 50],
    ['93 % busy', STAT(1000, 5000), STAT(1093, 5007), 93],
  ])('%s', (_n, a, b, pct) => {
    expect(cpuPercent(parseCpuTimes(a)!, parseCpuTimes(b)!)).toBeCloseTo(pct, 5);
  });
  it('no time passed or counters went back: no reading', () => {
    expect(cpuPercent(parseCpuTimes(STAT(10, 10))!, parseCpuTimes(STAT(10, 10))!)).toBeUndefined();
    expect(cpuPercent(parseCpuTimes(STAT(10, 10))!, parseCpuTimes(STAT(5, 5))!)).toBeUndefined();
  });
});

describe('memory used %', () => {
  it('is (MemTotal − MemAvailable) / MemTotal', () => {
    expect(memoryPercent('MemTotal:  1000 kB\nMemFree:  100 kB\nMemAvailable:  150 kB\n')).toBeCloseTo(85, 5);
  });
  it('uses MemFree + Buffers + Cached on kernels without MemAvailable', () => {
    expect(memoryPercent('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n')).toBeCloseTo(
      60,
      5,
    );
  });
  it('no total: no reading', () => expect(memoryPercent('MemFree: 1 kB\n')).toBeUndefined());
});

describe('file system used % (as df)', () => {
  it('counts the root reserve as used up', () => {
    // 1000 blocks, 300 free of which 250 for users: used 700, 700 / (700 + 250)
    expect(filesystemPercent({ blocks: 1000, bfree: 300, bavail: 250 })).toBeCloseTo(73.68, 2);
  });
  it('an empty file system (procfs) gives no reading', () =>
    expect(filesystemPercent({ blocks: 0, bfree: 0, bavail: 0 })).toBeUndefined());
});

describe('resource alarms', () => {
  const t = { major: 80, critical: 90 };
  it.each([
    ['cpu', undefined, '100.101', 'host=controller-0'],
    ['memory', undefined, '100.103', 'host=controller-0.memory=platform'],
    ['filesystem', '/var/log', '100.104', 'host=controller-0.filesystem=/var/log'],
  ] as const)('%s: id and entity as StarlingX spells them', (kind, mount, id, entity) => {
    const a = resourceAlarm(kind, 'controller-0', 'major', 83.456, t, mount);
    expect(a).toMatchObject({ alarm_id: id, entity_instance_id: entity, severity: 'major' });
    expect(a.reason_text).toMatch(/threshold 80\.00%, actual 83\.46%/);
  });

  it('every one of them, at every severity, is accepted by the controller’s fm catalog', () => {
    const catalog = loadCatalog();
    for (const kind of ['cpu', 'memory', 'filesystem'] as const) {
      for (const sev of ['major', 'critical'] as const) {
        const a = resourceAlarm(kind, 'worker-1', sev, 95, t, '/opt/platform.d');
        expect(() => alarmFromRaise(a, catalog, new Date())).not.toThrow();
      }
    }
  });
});
