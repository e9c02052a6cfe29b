// Threshold alarms with hysteresis (the resource monitor's 100.101/100.103/100.104): a level goes up
// as soon as a threshold is reached and comes down only once the value is clearly below it. Pure.

export type Level = 'clear' | 'major' | 'critical';

export interface Threshold {
  /** Percent at or above which the alarm is major. */
  major: number;
  /** Percent at or above which the alarm is critical. */
  critical: number;
}

/** A level is left only when the value falls more than this many points below its threshold, so a
 * value hovering at the threshold does not raise and clear the alarm every sample. */
export const DEFAULT_HYSTERESIS = 5;

/** The level for a value, given the level it is at now. */
export function nextLevel(
  current: Level,
  value: number,
  t: Threshold,
  hysteresis = DEFAULT_HYSTERESIS,
): Level {
  if (value >= t.critical) return 'critical';
  if (current === 'critical' && value >= t.critical - hysteresis) return 'critical';
  if (value >= t.major) return 'major';
  if (current !== 'clear' && value >= t.major - hysteresis) return 'major';
  return 'clear';
}

export type ThresholdAction = { kind: 'raise'; severity: 'major' | 'critical' } | { kind: 'clear' } | null;

/**
 * What to tell the alarm sink when a level changes (nothing when it does not). The first reading
 * (from undefined) also clears when all is well, so an alarm a previous run of the agent left
 * behind goes away.
 */
export function levelAction(from: Level | undefined, to: Level): ThresholdAction {
  if (from === to) return null;
  return to === 'clear' ? { kind: 'clear' } : { kind: 'raise', severity: to };
}

/** A threshold pair an operator may configure: within 0–100, major not above critical. */
export function thresholdProblem(name: string, t: Threshold): string | undefined {
  const ok = (n: number) => Number.isFinite(n) && n > 0 && n <= 100;
  if (!ok(t.major) || !ok(t.critical))
    return `${name}: thresholds must be percentages above 0 and at most 100`;
  if (t.major > t.critical)
    return `${name}: the major threshold (${t.major}) is above the critical one (${t.critical})`;
  return undefined;
}
