// The resource monitor's readings and alarms: CPU busy % from two /proc/stat samples, memory used %
// from /proc/meminfo, file system used % as df computes it, and the alarm each level maps to. Pure.

import { parseMeminfo } from '../../discovery/memory.ts';
import type { AgentAlarm } from '../alarm-sink.ts';
import type { Threshold } from './thresholds.ts';

export interface CpuTimes {
  /** Jiffies spent idle or waiting for I/O. */
  idle: number;
  /** All jiffies. */
  total: number;
}

/**
 * The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal [guest
 * guest_nice]. guest and guest_nice are already counted in user and nice, so they are left out.
 */
export function parseCpuTimes(stat: string): CpuTimes | undefined {
  const line = stat.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n) || n < 0)) return undefined;
  const [, , , idle = 0, iowait = 0] = f;
  return { idle: idle + iowait, total: f.reduce((a, b) => a + b, 0) };
}

/** Busy % between two samples; undefined when no time passed (or the counters went back: a reboot
 * of a captured tree, or a wrap). */
export function cpuPercent(prev: CpuTimes, cur: CpuTimes): number | undefined {
  const total = cur.total - prev.total;
  const idle = cur.idle - prev.idle;
  if (total <= 0 || idle < 0 || idle > total) return undefined;
  return ((total - idle) / total) * 100;
}

/** (MemTotal − MemAvailable) / MemTotal, the memory the kernel cannot hand out without swapping or
 * dropping caches. Kernels before 3.14 lack MemAvailable: MemFree + Buffers + Cached stands in. */
export function memoryPercent(meminfo: string): number | undefined {
  const m = parseMeminfo(meminfo);
  const total = m.MemTotal;
  if (total === undefined || total <= 0) return undefined;
  const available =
    m.MemAvailable ?? (m.MemFree === undefined ? undefined : m.MemFree + (m.Buffers ?? 0) + (m.Cached ?? 0));
  if (available === undefined) return undefined;
  return Math.min(100, Math.max(0, ((total - available) / total) * 100));
}

/** df's Use%: used / (used + available to unprivileged users); the root reserve counts as used up. */
export function filesystemPercent(s: { blocks: number; bfree: number; bavail: number }): number | undefined {
  const used = s.blocks - s.bfree;
  const base = used + s.bavail;
  if (base <= 0) return undefined;
  return (used / base) * 100;
}

export type ResourceKind = 'cpu' | 'memory' | 'filesystem';

const ALARM_IDS: Record<ResourceKind, string> = { cpu: '100.101', memory: '100.103', filesystem: '100.104' };

/** The alarm id and entity of a resource, StarlingX's spelling. */
export function resourceEntity(
  kind: ResourceKind,
  hostname: string,
  mountpoint?: string,
): { alarm_id: string; entity_instance_id: string } {
  const entity =
    kind === 'cpu'
      ? `host=${hostname}`
      : kind === 'memory'
        ? `host=${hostname}.memory=platform`
        : `host=${hostname}.filesystem=${mountpoint ?? '/'}`;
  return { alarm_id: ALARM_IDS[kind], entity_instance_id: entity };
}

const LABEL: Record<ResourceKind, string> = {
  cpu: 'Platform CPU',
  memory: 'Platform memory',
  filesystem: 'File system',
};

/** The alarm for a level reached; the text names the threshold and the value that crossed it
 * (StarlingX: "Platform CPU threshold exceeded ; threshold 90.00%, actual 93.51%"). */
export function resourceAlarm(
  kind: ResourceKind,
  hostname: string,
  severity: 'major' | 'critical',
  value: number,
  t: Threshold,
  mountpoint?: string,
): AgentAlarm {
  const what = kind === 'filesystem' ? `${LABEL[kind]} ${mountpoint ?? '/'}` : LABEL[kind];
  return {
    ...resourceEntity(kind, hostname, mountpoint),
    severity,
    reason_text: `${what} threshold exceeded; threshold ${t[severity].toFixed(2)}%, actual ${value.toFixed(2)}%`,
  };
}
