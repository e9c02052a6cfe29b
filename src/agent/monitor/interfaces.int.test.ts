// The link monitor against a written sysfs tree (files the test changes) and against the live
// sysfs of a network namespace the test builds: a veth pair whose far end is taken down.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../common/log.ts';
import { alarmKey, memoryAlarmSink } from './alarm-sink.ts';
import { readLinkState, startInterfaceMonitor, type InterfaceMonitor } from './interfaces.ts';

type Maybe<T> = T | undefined | null | false;
/** Polls until fn gives a value (not undefined, null or false). */
async function until<T>(
  what: string,
  fn: () => Maybe<T> | Promise<Maybe<T>>,
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

/** Writes a file whole (rename), so a poll running meanwhile never reads half of it. */
function put(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: createLogger('info', 'test', stream), lines };
}

describe('link monitor on a written sysfs tree', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'starling-links-'));
  const setLink = (ifname: string, operstate: string, carrier?: string) => {
    const dir = path.join(root, 'sys/class/net', ifname);
    mkdirSync(dir, { recursive: true });
    put(path.join(dir, 'operstate'), `${operstate}\n`);
    if (carrier === undefined) rmSync(path.join(dir, 'carrier'), { force: true });
    else put(path.join(dir, 'carrier'), `${carrier}\n`);
  };
  let monitor: InterfaceMonitor | undefined;
  afterAll(async () => {
    await monitor?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('raises the network’s port alarm while a link is down, clears it when up; a data port only changes state', async () => {
    setLink('eth0', 'up', '1'); // mgmt
    setLink('eth1', 'up', '1'); // oam
    setLink('eth2', 'unknown', '1'); // cluster-host on a driver without link reporting
    setLink('eth3', 'up', '1'); // data
    const sink = memoryAlarmSink();
    const { log, lines } = captureLog();
    monitor = startInterfaceMonitor({
      root,
      hostname: 'controller-0',
      sink,
      log,
      periodMs: 50,
      interfaces: [
        { ifname: 'eth0', network: 'mgmt' },
        { ifname: 'eth1', network: 'oam' },
        { ifname: 'eth2', network: 'cluster-host' },
        { ifname: 'eth3', network: 'data' },
        { ifname: 'eth9', network: 'mgmt' },
      ],
    });
    const alarm = (id: string, ifname: string) =>
      sink.active.get(alarmKey(id, `host=controller-0.port=${ifname}`));

    await until('first poll', () => Object.keys(monitor!.states()).length === 5);
    expect(monitor.states()).toEqual({ eth0: 'up', eth1: 'up', eth2: 'up', eth3: 'up', eth9: 'down' });
    // A missing interface is down, alarmed, and said once in the log however many polls pass.
    expect(alarm('100.108', 'eth9')).toMatchObject({ severity: 'major' });
    await monitor.poll();
    await monitor.poll();
    expect(lines.filter((l) => l.msg === 'link monitor: interface not found; counted as down')).toHaveLength(
      1,
    );

    setLink('eth0', 'down'); // cable pulled: carrier unreadable while down
    setLink('eth1', 'up', '0'); // no carrier
    setLink('eth2', 'lowerlayerdown', '0');
    setLink('eth3', 'down');
    await until('eth0 alarm', () => alarm('100.108', 'eth0'));
    await until('eth1 alarm', () => alarm('100.106', 'eth1'));
    await until('eth2 alarm', () => alarm('100.110', 'eth2'));
    expect(alarm('100.108', 'eth0')).toEqual({
      alarm_id: '100.108',
      entity_instance_id: 'host=controller-0.port=eth0',
      severity: 'major',
      reason_text: 'Management port eth0 failed (link down)',
    });
    await until('eth3 down', () => monitor!.states().eth3 === 'down');
    expect([...sink.active.keys()].filter((k) => k.includes('eth3'))).toEqual([]);

    setLink('eth0', 'up', '1');
    setLink('eth1', 'up', '1');
    setLink('eth2', 'unknown', '1');
    setLink('eth9', 'up', '1'); // appears
    await until('all cleared', () => sink.active.size === 0);
    expect(monitor.states()).toEqual({ eth0: 'up', eth1: 'up', eth2: 'up', eth3: 'down', eth9: 'up' });
  });

  it('refuses an interface name that could leave sys/class/net', () => {
    expect(() =>
      startInterfaceMonitor({
        root,
        hostname: 'h',
        sink: memoryAlarmSink(),
        log: silentLogger,
        interfaces: [{ ifname: '../../etc', network: 'mgmt' }],
      }),
    ).toThrow(/not an interface name/);
  });
});

describe('link monitor on the live sysfs of a network namespace (veth pair, far end taken down)', () => {
  // /sys shows the network namespace of whoever mounted it: a sysfs mounted from inside the test's
  // namespace (nsenter --net, our mount namespace) is that namespace's live view, under a root
  // folder the monitor reads like any other. The host's own interfaces are never touched.
  const ns = `stl-lm-${process.pid}`;
  const root = mkdtempSync(path.join(tmpdir(), 'starling-netns-'));
  const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

  beforeAll(() => {
    sh('ip', 'netns', 'add', `${ns}-a`);
    sh('ip', 'netns', 'add', `${ns}-b`);
    sh(
      'ip',
      'link',
      'add',
      'v0',
      'netns',
      `${ns}-a`,
      'type',
      'veth',
      'peer',
      'name',
      'v1',
      'netns',
      `${ns}-b`,
    );
    sh('ip', '-n', `${ns}-a`, 'link', 'set', 'v0', 'up');
    sh('ip', '-n', `${ns}-b`, 'link', 'set', 'v1', 'up');
    mkdirSync(path.join(root, 'sys'));
    sh('nsenter', `--net=/run/netns/${ns}-a`, 'mount', '-t', 'sysfs', 'sysfs', path.join(root, 'sys'));
  });
  afterAll(() => {
    try {
      sh('umount', path.join(root, 'sys'));
    } finally {
      for (const n of [`${ns}-a`, `${ns}-b`]) {
        try {
          sh('ip', 'netns', 'del', n);
        } catch {
          // not created
        }
      }
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the veth is up, goes down (no carrier) when its peer is taken down, and up again', async () => {
    await until('v0 up', async () => (await readLinkState(root, 'v0')) === 'up');
    const sink = memoryAlarmSink();
    const monitor = startInterfaceMonitor({
      root,
      hostname: 'worker-1',
      sink,
      log: silentLogger,
      periodMs: 50,
      interfaces: [{ ifname: 'v0', network: 'cluster-host' }],
    });
    try {
      await until('first poll', () => monitor.states().v0);
      expect(monitor.states()).toEqual({ v0: 'up' });
      sh('ip', '-n', `${ns}-b`, 'link', 'set', 'v1', 'down');
      const key = alarmKey('100.110', 'host=worker-1.port=v0');
      await until('cluster-host port alarm', () => sink.active.get(key));
      expect(monitor.states()).toEqual({ v0: 'down' });
      sh('ip', '-n', `${ns}-b`, 'link', 'set', 'v1', 'up');
      await until('alarm cleared', () => !sink.active.has(key));
      expect(sink.history.map((h) => h.op)).toEqual(['raise', 'clear']);
    } finally {
      await monitor.stop();
    }
  });
});
