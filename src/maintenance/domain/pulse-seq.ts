// Which pulse sequence numbers an agent accepts (StarlingX hbsClient checks only for a newer one).
// A pulse's seq is the controller's wall clock in microseconds, so between two real pulses the seq
// advances about as much as the time that passed. Accepting any newer seq would let one pulse with
// a seq far in the future (made by whoever holds the key) make the agent refuse every real pulse
// until the controller's clock catches up — a forged host failure. So a seq may run ahead of the
// last accepted one by at most the time elapsed since it was accepted plus a margin. A controller
// whose clock really jumps forward (a clock step, a failover to a controller with another clock) is
// followed once its new stream has lasted ADOPT_MS with no in-bound pulse arriving meanwhile: a
// lone forged pulse never is, since the real pulses keep arriving in bound. Pure: time comes in.

/** How far (µs) a seq may run ahead of the elapsed time. */
export const SEQ_MARGIN_US = 2_000_000n;
/** How long (ms) a jumped-ahead stream must last, alone, to be followed. */
export const SEQ_ADOPT_MS = 500;

export interface PulseSeqState {
  /** The last accepted seq, and when (ms, the agent's monotonic clock) it was accepted. */
  last: bigint;
  lastAt: number;
  /** A stream that jumped ahead: its latest seq, when that arrived, and when the stream began. */
  ahead: { seq: bigint; at: number; since: number } | null;
}

export type PulseSeqVerdict = 'accept' | 'replayed' | 'ahead';

const withinBound = (seq: bigint, from: bigint, elapsedMs: number): boolean =>
  seq - from <= BigInt(Math.max(0, Math.floor(elapsedMs * 1000))) + SEQ_MARGIN_US;

/** Judges an authentic pulse's seq; the next state is returned in every case. */
export function acceptPulseSeq(
  state: PulseSeqState | undefined,
  seq: bigint,
  nowMs: number,
): { verdict: PulseSeqVerdict; state: PulseSeqState } {
  if (state === undefined) return { verdict: 'accept', state: { last: seq, lastAt: nowMs, ahead: null } };
  if (seq <= state.last) return { verdict: 'replayed', state };
  if (withinBound(seq, state.last, nowMs - state.lastAt))
    return { verdict: 'accept', state: { last: seq, lastAt: nowMs, ahead: null } };
  // Too far ahead: the start or the continuation of a jumped stream.
  const a = state.ahead;
  const continues = a !== null && seq > a.seq && withinBound(seq, a.seq, nowMs - a.at);
  const ahead = continues ? { seq, at: nowMs, since: a.since } : { seq, at: nowMs, since: nowMs };
  if (continues && nowMs - ahead.since >= SEQ_ADOPT_MS)
    return { verdict: 'accept', state: { last: seq, lastAt: nowMs, ahead: null } };
  return { verdict: 'ahead', state: { ...state, ahead } };
}
