// Exponential backoff, shared by reconcilers and reconnect loops. Pure.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

/** The wait after a failure, given the previous wait (0 = first failure). */
export function nextBackoff(previousMs: number, o: BackoffOptions): number {
  if (previousMs <= 0) return o.initialMs;
  return Math.min(o.maxMs, previousMs * (o.factor ?? 2));
}
