// Which pulse sequence numbers an agent accepts. A pulse's seq is the controller's wall clock in
// microseconds, so real pulses keep a nearly constant offset to the agent's own (monotonic) clock.
// Accepting "any seq newer than the last" would let one pulse with a seq far in the future (made by
// whoever holds the host's key) make the agent refuse every real pulse until the controller's clock
// caught up: a forged host failure. So:
//  - a seq may be ahead of the agent's clock (plus the smallest offset real pulses showed) by at
//    most SEQ_MARGIN_US: a seq further ahead is refused ('ahead');
//  - replays are refused by a window, as IPsec does: a seq older than the newest accepted by
//    SEQ_WINDOW_US, or one already accepted, is refused ('replayed'). The window is wider than the
//    margin, so a forged pulse inside the margin cannot push the real pulses out of it either;
//  - a controller whose clock really jumped forward (a step, a failover to another clock, a drift
//    beyond the margin) is followed once its new stream has lasted SEQ_ADOPT_MS with no in-bound
//    pulse arriving meanwhile: a forged stream never is, since the real pulses keep arriving.
// Pure: the time comes in (ms of a monotonic clock).

/** How far (µs) a seq may run ahead of the agent's clock plus the real pulses' offset. */
export const SEQ_MARGIN_US = 2_000_000n;
/** How far (µs) behind the newest accepted seq a seq not seen yet is still accepted. */
export const SEQ_WINDOW_US = 4_000_000n;
/** How long (ms) a jumped-ahead stream must last, alone, to be followed. */
export const SEQ_ADOPT_MS = 500;

export interface PulseSeqState {
  /** The smallest (seq − arrival time), in µs, of the pulses accepted since the last (re)anchor. */
  offset: bigint;
  /** The newest accepted seq, and the accepted seqs not older than it by SEQ_WINDOW_US. */
  max: bigint;
  recent: bigint[];
  /** A stream that runs ahead of the bound: its latest seq, when that arrived, when it began. */
  ahead: { seq: bigint; at: number; since: number } | null;
}

export type PulseSeqVerdict = 'accept' | 'replayed' | 'ahead';

const toUs = (ms: number): bigint => BigInt(Math.floor(ms * 1000));

function anchored(seq: bigint, nowMs: number): PulseSeqState {
  return { offset: seq - toUs(nowMs), max: seq, recent: [seq], ahead: null };
}

/** Judges an authentic pulse's seq; the next state is returned in every case. */
export function acceptPulseSeq(
  state: PulseSeqState | undefined,
  seq: bigint,
  nowMs: number,
): { verdict: PulseSeqVerdict; state: PulseSeqState } {
  if (state === undefined) return { verdict: 'accept', state: anchored(seq, nowMs) };
  if (seq <= state.max - SEQ_WINDOW_US || state.recent.includes(seq)) return { verdict: 'replayed', state };
  const now = toUs(nowMs);
  if (seq <= now + state.offset + SEQ_MARGIN_US) {
    const max = seq > state.max ? seq : state.max;
    const offset = seq - now < state.offset ? seq - now : state.offset;
    const recent = [...state.recent.filter((s) => s > max - SEQ_WINDOW_US), seq];
    return { verdict: 'accept', state: { offset, max, recent, ahead: null } };
  }
  // Too far ahead: the start or the continuation of a jumped stream.
  const a = state.ahead;
  const continues = a !== null && seq > a.seq && seq - a.seq <= toUs(nowMs - a.at) + SEQ_MARGIN_US;
  const ahead = continues ? { seq, at: nowMs, since: a.since } : { seq, at: nowMs, since: nowMs };
  if (continues && nowMs - ahead.since >= SEQ_ADOPT_MS) return { verdict: 'accept', state: anchored(seq, nowMs) };
  return { verdict: 'ahead', state: { ...state, ahead } };
}
