// The alarm summary (fm alarm-summary): counts per severity and the overall status. Pure.

import type { Severity } from './model.ts';

export interface AlarmSummary {
  critical: number;
  major: number;
  minor: number;
  warnings: number;
  status: 'OK' | 'degraded' | 'critical';
}

export function summarize(counts: Partial<Record<Severity, number>>): AlarmSummary {
  const c = { critical: counts.critical ?? 0, major: counts.major ?? 0, minor: counts.minor ?? 0, warnings: counts.warning ?? 0 };
  return { ...c, status: c.critical > 0 ? 'critical' : c.major + c.minor > 0 ? 'degraded' : 'OK' };
}
