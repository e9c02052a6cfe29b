import { describe, expect, it } from 'vitest';
import { SEQ_ADOPT_MS, acceptPulseSeq, type PulseSeqState } from './pulse-seq.ts';

const S = 1_800_000_000_000_000n; // a controller clock, µs
const us = (ms: number) => BigInt(ms) * 1000n;

/** Feeds (seq, arrival ms) pairs in order; answers each verdict. */
function run(pulses: [bigint, number][], state?: PulseSeqState) {
  const verdicts: string[] = [];
  for (const [seq, at] of pulses) {
    const r = acceptPulseSeq(state, seq, at);
    verdicts.push(r.verdict);
    state = r.state;
  }
  return { verdicts, state };
}
/** Real pulses every 100 ms from t0 (arrival ms) with seq = S + elapsed. */
const real = (from: number, n: number, t0 = 0): [bigint, number][] =>
  Array.from({ length: n }, (_, i) => [S + us((from + i) * 100), t0 + (from + i) * 100]);

describe('acceptPulseSeq', () => {
  it('accepts the first pulse and each newer one that advances with the time', () => {
    expect(run(real(0, 5)).verdicts).toEqual(['accept', 'accept', 'accept', 'accept', 'accept']);
  });

  it('refuses a pulse already accepted, or older than the window (replay)', () => {
    const { verdicts } = run([...real(0, 3), [S + us(100), 250], [S + us(150), 260], [S - us(5_000), 270]]);
    expect(verdicts.slice(3)).toEqual(['replayed', 'accept', 'replayed']); // S+150 ms: never seen, in the window
  });

  it('accepts up to 2 s ahead of the elapsed time (clock jitter, a controller restart)', () => {
    expect(run([[S, 0], [S + us(2_100), 100]]).verdicts).toEqual(['accept', 'accept']);
    expect(run([[S, 0], [S + us(2_101), 100]]).verdicts).toEqual(['accept', 'ahead']);
    // After a 10 s silence (a cable pulled), a seq 12 s newer is fine.
    expect(run([[S, 0], [S + us(12_000), 10_000]]).verdicts).toEqual(['accept', 'accept']);
  });

  it('forged pulses each as far ahead as allowed, every 50 ms, never make a real pulse refused', () => {
    const pulses: [bigint, number][] = [];
    for (let i = 0; i < 100; i++) {
      pulses.push([S + us(i * 100), i * 100]); // real
      pulses.push([S + us(i * 100 + 50 + 2_000), i * 100 + 50]); // forged: at the margin's edge
    }
    const { verdicts } = run(pulses);
    expect(verdicts.filter((_, i) => i % 2 === 0)).toEqual(Array(100).fill('accept'));
  });

  it('a forged pulse 20 s ahead, or far in the future, is refused and the real pulses go on being accepted', () => {
    for (const forged of [S + us(20_000), (1n << 64n) - 1n]) {
      const { verdicts } = run([...real(0, 3), [forged, 250], ...real(3, 20)]);
      expect(verdicts[3]).toBe('ahead');
      expect(verdicts.filter((v, i) => i !== 3)).toEqual(Array(23).fill('accept'));
    }
  });

  it('a stream of forged pulses interleaved with the real ones never takes over', () => {
    const pulses: [bigint, number][] = [];
    for (let i = 0; i < 30; i++) pulses.push([S + us(i * 100), i * 100], [S + us(20_000 + i * 100), i * 100 + 50]);
    const { verdicts } = run(pulses);
    expect(verdicts.filter((_, i) => i % 2 === 0)).toEqual(Array(30).fill('accept'));
    expect(verdicts.filter((_, i) => i % 2 === 1)).toEqual(Array(30).fill('ahead'));
  });

  it('follows a controller whose clock really jumped forward, once its new stream lasted alone', () => {
    const jumped = Array.from({ length: 10 }, (_, i): [bigint, number] => [S + us(60_000 + 300 + i * 100), 300 + i * 100]);
    const { verdicts } = run([...real(0, 3), ...jumped]);
    const adoptAfter = SEQ_ADOPT_MS / 100; // pulses of the new stream refused before it is followed
    expect(verdicts.slice(3, 3 + adoptAfter)).toEqual(Array(adoptAfter).fill('ahead'));
    expect(verdicts.slice(3 + adoptAfter)).toEqual(Array(10 - adoptAfter).fill('accept'));
  });
});
