// The data folder's storage monitor: raises StarlingX's 100.104 (file system threshold: major at
// 80%, critical at 90%) for the controller's data folder, and tells the database layer when the
// folder is full so a lost connection is reported as STORAGE_FULL. The threshold logic is pure.

import { statfsSync } from 'node:fs';
import type { Logger } from '../common/log.ts';
import type { AlarmPort } from '../fault/index.ts';

export type Level = 'clear' | 'major' | 'critical';

export interface StorageThresholds {
  major: number;
  critical: number;
}

/** A level is left only once usage is this many points below its threshold (no flapping). */
const HYSTERESIS = 5;

/** Below this many free bytes the folder counts as full: PostgreSQL needs room for a whole
 *  16 MiB write-ahead log segment at a time. */
export const FULL_BELOW_BYTES = 24 * 1024 * 1024;

export interface Usage {
  usedPercent: number;
  freeBytes: number;
}

/** df's view: the root reserve counts as used. */
export function usageOf(s: { blocks: number; bfree: number; bavail: number; bsize: number }): Usage | undefined {
  const used = s.blocks - s.bfree;
  const base = used + s.bavail;
  if (base <= 0) return undefined;
  return { usedPercent: (used / base) * 100, freeBytes: s.bavail * s.bsize };
}

export function isFull(u: Usage | undefined): boolean {
  return u !== undefined && (u.freeBytes < FULL_BELOW_BYTES || u.usedPercent >= 99);
}

/** The level for a usage, given the current one. */
export function nextLevel(current: Level, usedPercent: number, t: StorageThresholds): Level {
  if (usedPercent >= t.critical) return 'critical';
  if (current === 'critical' && usedPercent >= t.critical - HYSTERESIS) return 'critical';
  if (usedPercent >= t.major) return 'major';
  if (current !== 'clear' && usedPercent >= t.major - HYSTERESIS) return 'major';
  return 'clear';
}

export type StorageAction = { kind: 'raise'; severity: 'major' | 'critical'; reason_text: string } | { kind: 'clear' } | null;

/** What to do when a check finds `usedPercent` (undefined level = first check: clears a stale alarm). */
export function judge(current: Level | undefined, usedPercent: number, t: StorageThresholds, folder: string): { level: Level; action: StorageAction } {
  const level = nextLevel(current ?? 'clear', usedPercent, t);
  if (level === current) return { level, action: null };
  if (level === 'clear') return { level, action: { kind: 'clear' } };
  return {
    level,
    action: {
      kind: 'raise',
      severity: level,
      reason_text: `File system ${folder} threshold exceeded; threshold ${t[level].toFixed(2)}%, actual ${usedPercent.toFixed(2)}%`,
    },
  };
}

export interface StorageMonitor {
  /** Is the folder full now (checked at the call)? */
  full(): boolean;
  /** For /health. */
  status(): { path: string; used_percent: number | null; level: Level | 'unknown' };
  stop(): void;
}

export function startStorageMonitor(o: {
  folder: string;
  hostname: string;
  thresholds: StorageThresholds;
  periodMs: number;
  alarms: AlarmPort;
  log: Logger;
}): StorageMonitor {
  const entity = `host=${o.hostname}.filesystem=${o.folder}`;
  let level: Level | undefined;
  let last: Usage | undefined;
  const read = (): Usage | undefined => {
    try {
      return usageOf(statfsSync(o.folder));
    } catch {
      return undefined;
    }
  };
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      last = read();
      if (last === undefined) return;
      const { level: next, action } = judge(level, last.usedPercent, o.thresholds, o.folder);
      if (action?.kind === 'raise') {
        await o.alarms.raise({ alarm_id: '100.104', entity_instance_id: entity, severity: action.severity, reason_text: action.reason_text });
        o.log.warn({ folder: o.folder, usedPercent: Math.round(last.usedPercent), severity: action.severity }, 'data folder usage crossed its threshold');
      } else if (action?.kind === 'clear') {
        await o.alarms.clear('100.104', entity);
      }
      // Only once the alarm is written: a failed write (the disk is full) is tried again next check.
      level = next;
    } catch (e) {
      o.log.warn({ err: e }, 'storage check could not update its alarm');
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), o.periodMs);
  timer.unref();
  return {
    full: () => isFull(read()),
    status: () => ({ path: o.folder, used_percent: last ? Math.round(last.usedPercent * 10) / 10 : null, level: level ?? 'unknown' }),
    stop: () => clearInterval(timer),
  };
}
