// The resource monitor (StarlingX's collectd thresholds, 100.101/100.103/100.104): samples CPU,
// memory and file system usage every period under a root folder and raises/clears through the sink.

import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { StarlingError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { RootTree } from '../discovery/tree.ts';
import { alarmKey, type AlarmSink } from './alarm-sink.ts';
import {
  cpuPercent,
  filesystemPercent,
  memoryPercent,
  parseCpuTimes,
  resourceAlarm,
  resourceEntity,
  type CpuTimes,
  type ResourceKind,
} from './domain/resources.ts';
import {
  DEFAULT_HYSTERESIS,
  levelAction,
  nextLevel,
  thresholdProblem,
  type Level,
  type Threshold,
} from './domain/thresholds.ts';

export interface ResourceThresholds {
  cpu: Threshold;
  memory: Threshold;
  filesystem: Threshold;
  /** Points below a threshold a value must fall to leave its level. */
  hysteresis: number;
}

/** StarlingX's defaults: CPU 90/95 %, memory 80/90 %, file systems 80/90 %. */
export const DEFAULT_RESOURCE_THRESHOLDS: ResourceThresholds = {
  cpu: { major: 90, critical: 95 },
  memory: { major: 80, critical: 90 },
  filesystem: { major: 80, critical: 90 },
  hysteresis: DEFAULT_HYSTERESIS,
};

export interface ResourceSample {
  /** Busy % since the previous sample (null on the first sample or when /proc/stat is unreadable). */
  cpu_percent: number | null;
  memory_percent: number | null;
  filesystems: Array<{ mountpoint: string; used_percent: number | null }>;
}

export interface ResourceMonitor {
  /** Takes a sample now (besides the periodic ones) and reports its alarms; samples never overlap. */
  sample(): Promise<ResourceSample>;
  stop(): Promise<void>;
}

export interface ResourceMonitorOptions {
  /** The folder holding proc/ (`/` on a host; a written tree in tests). File systems are statfs'd under it too. */
  root: string;
  hostname: string;
  sink: AlarmSink;
  log: Logger;
  /** Default 5000. */
  periodMs?: number;
  thresholds?: Partial<ResourceThresholds>;
  /** Mount points to watch; default ['/']. */
  filesystems?: string[];
}

export function startResourceMonitor(opts: ResourceMonitorOptions): ResourceMonitor {
  const { root, hostname, sink, log } = opts;
  const t: ResourceThresholds = { ...DEFAULT_RESOURCE_THRESHOLDS, ...opts.thresholds };
  for (const kind of ['cpu', 'memory', 'filesystem'] as const) {
    const problem = thresholdProblem(kind, t[kind]);
    if (problem)
      throw new StarlingError('CONFIG_INVALID', `resource monitor: ${problem}`, {
        field: `thresholds.${kind}`,
      });
  }
  const mounts = opts.filesystems ?? ['/'];
  for (const m of mounts) {
    if (!path.isAbsolute(m))
      throw new StarlingError('CONFIG_INVALID', `resource monitor: mount point '${m}' is not absolute`, {
        field: 'filesystems',
      });
  }

  const levels = new Map<string, Level>();
  const warned = new Set<string>();
  let prevCpu: CpuTimes | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const warnOnce = (what: string, detail: Record<string, unknown>): void => {
    if (warned.has(what)) return;
    warned.add(what);
    log.warn(detail, `resource monitor: ${what}`);
  };

  const judge = async (kind: ResourceKind, value: number | undefined, mountpoint?: string): Promise<void> => {
    if (value === undefined) return; // no reading: keep the level (and alarm) we had
    const { alarm_id, entity_instance_id } = resourceEntity(kind, hostname, mountpoint);
    const key = alarmKey(alarm_id, entity_instance_id);
    const from = levels.get(key);
    const to = nextLevel(from ?? 'clear', value, t[kind], t.hysteresis);
    levels.set(key, to);
    const action = levelAction(from, to);
    if (!action) return;
    if (action.kind === 'clear') {
      if (from !== undefined)
        log.info({ alarm_id, entity_instance_id, value: round(value) }, 'resource back below its threshold');
      await sink.clear(alarm_id, entity_instance_id);
    } else {
      log.warn(
        { alarm_id, entity_instance_id, severity: action.severity, value: round(value) },
        'resource threshold crossed',
      );
      await sink.raise(resourceAlarm(kind, hostname, action.severity, value, t[kind], mountpoint));
    }
  };

  const takeSample = async (): Promise<ResourceSample> => {
    const tree = new RootTree(root); // a fresh tree each time: RootTree caches what it has looked up
    const stat = await tree.read('proc/stat');
    const cpuNow = stat === undefined ? undefined : parseCpuTimes(stat);
    if (cpuNow === undefined) warnOnce('proc/stat unreadable', { root });
    const cpu = prevCpu && cpuNow ? cpuPercent(prevCpu, cpuNow) : undefined;
    if (cpuNow) prevCpu = cpuNow;

    const meminfo = await tree.read('proc/meminfo');
    const memory = meminfo === undefined ? undefined : memoryPercent(meminfo);
    if (memory === undefined) warnOnce('proc/meminfo unreadable', { root });

    const filesystems: ResourceSample['filesystems'] = [];
    for (const mountpoint of mounts) {
      let used: number | undefined;
      try {
        used = filesystemPercent(await statfs(path.join(root, mountpoint)));
      } catch (e) {
        warnOnce(`file system ${mountpoint} unreadable`, { mountpoint, err: (e as Error).message });
      }
      filesystems.push({ mountpoint, used_percent: used ?? null });
    }

    try {
      await judge('cpu', cpu);
      await judge('memory', memory);
      for (const f of filesystems) await judge('filesystem', f.used_percent ?? undefined, f.mountpoint);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'resource monitor: alarm report failed');
    }
    return { cpu_percent: cpu ?? null, memory_percent: memory ?? null, filesystems };
  };

  const sample = (): Promise<ResourceSample> => {
    const next = chain.then(takeSample);
    chain = next.catch(() => undefined);
    return next;
  };

  // The first sample is the CPU baseline; the timer re-arms after each sample so samples never pile up.
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    sample()
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'resource monitor: sample failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.periodMs ?? 5_000);
      });
  };
  tick();

  return {
    sample,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;
