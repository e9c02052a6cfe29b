import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { formatComment, formatEvent } from '../api/sse.ts';
import type { ChannelEvent } from '../agentlink/protocol.ts';
import { keepChannel, readChannel } from './channel.ts';

/** A logger whose lines are kept, to see what the agent says about what it refused. */
function recordingLog() {
  const lines: { msg: string; field?: string; event?: string }[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: createLogger('debug', 'agent', dest), lines };
}

/** A channel's bytes, cut into small chunks as a network would. */
async function* wire(text: string, chunk = 5): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
}

describe('the agent reads its channel', () => {
  it('hands on each event the protocol allows, typed; refuses the others without stopping', async () => {
    const key = randomBytes(64).toString('base64');
    const text = [
      formatComment('keepalive'),
      formatEvent('hello', { hostname: 'worker-0' }),
      formatEvent('heartbeat', { keys: { mgmt: key }, pulse_keys: { mgmt: key }, period_ms: 100 }),
      formatEvent('heartbeat', { keys: { mgmt: 'not a key' }, pulse_keys: {}, period_ms: 100 }),
      formatEvent('future-event', { anything: true }),
      formatEvent('command', { id: 'c-1', command: 'lock' }),
      formatEvent('command', { id: 'c-2', command: 'format-disk' }),
      formatEvent('command', { id: 'c-3', command: 'apply-config' }),
      formatEvent('command', { command: 'reboot' }),
      'event: probe\ndata: {not json\n\n',
      formatEvent('probe', { nonce: 'n-1' }),
    ].join('');
    const events: ChannelEvent[] = [];
    const refused: [string, string][] = [];
    const { log, lines } = recordingLog();
    await readChannel(wire(text), { onEvent: (e) => events.push(e), onBadCommand: (id, error) => refused.push([id, error]) }, log);
    expect(events).toEqual([
      { event: 'hello', data: { hostname: 'worker-0' } },
      { event: 'heartbeat', data: { keys: { mgmt: key }, pulse_keys: { mgmt: key }, period_ms: 100 } },
      { event: 'command', data: { id: 'c-1', command: 'lock' } },
      { event: 'probe', data: { nonce: 'n-1' } },
    ]);
    // Commands that cannot be carried out are answered at once (a command without an id cannot be).
    expect(refused).toEqual([
      ['c-2', '/command must be one of lock, apply-config, reboot, goenabled'],
      ['c-3', 'command event: /host is required'],
    ]);
    const warned = lines.filter((l) => l.msg === 'controller event refused').map((l) => [l.event, l.field]);
    expect(warned).toEqual([
      ['heartbeat', '/keys/mgmt'],
      ['command', '/command'],
      ['command', '/host'],
      ['command', '/id'],
      ['probe', '/'],
    ]);
    expect(lines.some((l) => l.msg.includes('does not know') && l.event === 'future-event')).toBe(true);
  });
});

describe('the agent keeps its channel open', () => {
  /** keepChannel driven by a script of attempts; time is a record of the waits, not real. */
  async function drive(attempts: ('open-then-close' | 'fail' | 'reboot')[]) {
    const waits: number[] = [];
    let power = new AbortController();
    let n = 0;
    let stopped = false;
    await keepChannel({
      open: async () => {
        const a = attempts[n++];
        if (n >= attempts.length) stopped = true;
        if (a === 'fail') throw new Error('refused');
        if (a === 'reboot') {
          power.abort();
          throw new Error('aborted');
        }
      },
      power: () => power.signal,
      stopped: () => stopped,
      log: createLogger('silent'),
      sleep: async (ms) => {
        waits.push(ms);
        // The host is back after the first 50 ms of its boot.
        if (power.signal.aborted) power = new AbortController();
      },
    });
    return { waits, attempts: n };
  }

  it('reconnects at once after an open channel closes', async () => {
    expect(await drive(['open-then-close', 'open-then-close', 'open-then-close'])).toEqual({ waits: [0, 0], attempts: 3 });
  });

  it('backs off after failures (0.5 s, 1 s, 2 s…), and starts again from nothing after a channel that opened', async () => {
    expect((await drive(['fail', 'fail', 'fail', 'open-then-close', 'fail', 'fail'])).waits).toEqual([500, 1000, 2000, 0, 500]);
  });

  it('does not reconnect while the host reboots, and not with backoff after it', async () => {
    expect((await drive(['open-then-close', 'reboot', 'open-then-close'])).waits).toEqual([0, 50, 0]);
  });
});
