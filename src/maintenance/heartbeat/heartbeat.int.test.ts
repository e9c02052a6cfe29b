// Real UDP on 127.0.0.1 and ::1: a pulser (worker thread) and agents' responders.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { hostNetworkKeys, decodePacket, encodePacket, multicastOf, networkKey, nextSeq, pulseKeys, REPLY_FLAG_MULTICAST, type HbNetwork, startResponder, type Responder, type ResponderEndpoint } from '../../agentlink/heartbeat/index.ts';
import { startPulser, type HbObservation, type HbTarget } from './pulser.ts';

const siteKey = randomBytes(32);
/** Each host has its own keys; hosts are named worker-<n> with host id w<n>. */
const keysOf = (hostId: string, k = siteKey) => hostNetworkKeys(k, hostId);
const hostIdOf = (hostname: string) => `w${hostname.split('-')[1]}`;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function responder(
  hostname: string,
  endpoints: ResponderEndpoint[],
  key = siteKey,
): Promise<Responder> {
  const r = await startResponder({
    keys: keysOf(hostIdOf(hostname), key),
    pulseKeys: pulseKeys(key),
    hostname,
    endpoints,
    flags: () => 1,
    log: silentLogger,
  });
  cleanup.push(() => r.close());
  return r;
}

/** A pulser whose observations are kept per "host/network", oldest first. */
async function pulser(periodMs = 100, bind?: string, report: 'all' | 'changes' = 'all') {
  const seen = new Map<string, boolean[]>();
  const p = await startPulser({
    ...(bind === undefined ? {} : { bind }),
    periodMs,
    controller: 'controller-0',
    pulseKeys: pulseKeys(siteKey),
    report,
    log: silentLogger,
    onTick: (obs: HbObservation[]) => {
      for (const o of obs) {
        const k = `${o.hostId}/${o.network}`;
        seen.set(k, [...(seen.get(k) ?? []), o.answered]);
      }
    },
  });
  cleanup.push(() => p.close());
  const last = (k: string, n: number) => {
    const all = seen.get(k) ?? [];
    return all.length >= n ? all.slice(-n) : null;
  };
  const streak = (keys: string[], answered: boolean, n = 5) =>
    keys.every((k) => last(k, n)?.every((a) => a === answered) ?? false);
  return { p, seen, last, streak };
}

const targetsOf = (hostId: string, r: Responder, k = siteKey): HbTarget[] =>
  r.endpoints().map((e) => ({ hostId, ...e, key: keysOf(hostId, k)[e.network] }));

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function udp(type: 'udp4' | 'udp6' = 'udp4') {
  const s = dgram.createSocket(type);
  const inbox: { buf: Buffer; rinfo: dgram.RemoteInfo }[] = [];
  s.on('message', (buf, rinfo) => inbox.push({ buf, rinfo }));
  await new Promise<void>((r) => s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', r));
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  const send = (buf: Buffer, port: number, address = type === 'udp4' ? '127.0.0.1' : '::1') =>
    new Promise<void>((res, rej) => s.send(buf, port, address, (e) => (e ? rej(e) : res())));
  return { s, inbox, send, port: s.address().port };
}

/** worker-0's key for a network (of this site, or of another). */
const key = (n: HbNetwork, k = siteKey) => keysOf('w0', k)[n];
/** The site's pulse key for a network (every agent holds it). */
const pulseKey = (n: HbNetwork, k = siteKey) => pulseKeys(k)[n];
const nonce = () => randomBytes(8).readBigUInt64BE();
const freshPulse = (network: HbNetwork, k = siteKey, claim: HbNetwork = network) =>
  encodePacket(
    { kind: 'pulse', network: claim, seq: nextSeq(0n), nonce: nonce(), controller: 'controller-0' },
    pulseKey(network, k),
  );

describe('heartbeat over UDP', () => {
  it('pulses each host on each network, over IPv4 and IPv6, and hears the answers', async () => {
    const w0 = await responder('worker-0', [
      { network: 'mgmt', address: '127.0.0.1', port: 0 },
      { network: 'cluster-host', address: '127.0.0.1', port: 0 },
    ]);
    const w1 = await responder('worker-1', [
      { network: 'mgmt', address: '::1', port: 0 },
      { network: 'cluster-host', address: '::1', port: 0 },
    ]);
    expect(w0.endpoints().every((e) => e.port > 0)).toBe(true);
    const hb = await pulser();
    hb.p.setTargets([...targetsOf('w0', w0), ...targetsOf('w1', w1)]);
    const keys = ['w0/mgmt', 'w0/cluster-host', 'w1/mgmt', 'w1/cluster-host'];
    await waitFor('5 answered periods on every network', () => hb.streak(keys, true));
    // A target's first period has no observation, so a new host never starts with a miss.
    for (const k of keys) expect(hb.seen.get(k)!.every((a) => a)).toBe(true);
    const stats = await hb.p.stats();
    expect(stats).toMatchObject({ forged: 0, replayed: 0, malformed: 0, sendErrors: 0 });
    expect(stats.answered).toBeGreaterThanOrEqual(20);
    expect(w1.stats()).toMatchObject({ forged: 0, replayed: 0, malformed: 0 });
    expect(w1.stats().answered).toBeGreaterThanOrEqual(10);
  });

  it('a host whose agent stops answers on no network any more; the others keep answering', async () => {
    const w0 = await responder('worker-0', [
      { network: 'mgmt', address: '127.0.0.1', port: 0 },
      { network: 'cluster-host', address: '::1', port: 0 },
    ]);
    const w1 = await responder('worker-1', [{ network: 'mgmt', address: '127.0.0.1', port: 0 }]);
    const hb = await pulser();
    hb.p.setTargets([...targetsOf('w0', w0), ...targetsOf('w1', w1)]);
    await waitFor('answers', () => hb.streak(['w0/mgmt', 'w0/cluster-host', 'w1/mgmt'], true, 3));
    await w0.close();
    await waitFor('misses on both of worker-0’s networks', () =>
      hb.streak(['w0/mgmt', 'w0/cluster-host'], false),
    );
    expect(hb.streak(['w1/mgmt'], true)).toBe(true);
  });

  it('a host the multicast pulse reaches gets no unicast pulse; when it stops reaching it, unicast pulses resume before any loss', async () => {
    // worker-0's agent, by hand: a unicast socket and a member of mgmt's group, both answering.
    const agent = await udp();
    const pk = pulseKey('mgmt');
    const mc = multicastOf(pk);
    const member = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => member.bind(mc.port, mc.group, r));
    member.addMembership(mc.group, '127.0.0.1');
    let memberOpen = true;
    cleanup.push(() => (memberOpen ? new Promise<void>((r) => member.close(() => r())) : undefined));
    const answer = (multicast: boolean) => (buf: Buffer, from: dgram.RemoteInfo) => {
      const d = decodePacket(buf, pk);
      if (!d.ok || d.msg.kind !== 'pulse') return;
      const flags = multicast ? REPLY_FLAG_MULTICAST : 0;
      const reply = encodePacket({ kind: 'reply', network: 'mgmt', seq: d.msg.seq, nonce: d.msg.nonce, hostname: 'worker-0', flags }, key('mgmt'));
      agent.s.send(reply, from.port, from.address);
    };
    agent.s.on('message', answer(false));
    member.on('message', answer(true));
    const hb = await pulser();
    hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: '127.0.0.1', port: agent.port, hostname: 'worker-0', key: key('mgmt') }]);
    await waitFor('the multicast pulse alone', async () => (await hb.p.stats()).multicastTargets === 1);
    const unicast = agent.inbox.length;
    await waitFor('5 answered periods', () => hb.streak(['w0/mgmt'], true, 5));
    expect(agent.inbox.length).toBe(unicast); // no unicast pulse meanwhile

    const from = hb.seen.get('w0/mgmt')!.length;
    await new Promise<void>((r) => member.close(() => r()));
    memberOpen = false;
    await waitFor('unicast pulses again', () => agent.inbox.length > unicast);
    await waitFor('10 more periods', () => hb.seen.get('w0/mgmt')!.length >= from + 10);
    const after = hb.seen.get('w0/mgmt')!.slice(from);
    expect(after.slice(-5)).toEqual([true, true, true, true, true]);
    // At most 2 periods missed in a row (the degrade threshold is 6).
    expect(after.join(',')).not.toMatch(/false,false,false/);
    expect((await hb.p.stats()).multicastTargets).toBe(0);
  });

  it('reporting changes only: a host’s first period, its misses and its first answer after them, nothing while it answers', async () => {
    const w0 = await responder('worker-0', [{ network: 'mgmt', address: '127.0.0.1', port: 0 }]);
    const hb = await pulser(100, undefined, 'changes');
    hb.p.setTargets(targetsOf('w0', w0));
    await waitFor('the first period', () => (hb.seen.get('w0/mgmt')?.length ?? 0) >= 1);
    const answered0 = (await hb.p.stats()).answered;
    await waitFor('10 answered periods', async () => (await hb.p.stats()).answered >= answered0 + 10);
    expect(hb.seen.get('w0/mgmt')).toEqual([true]);
    await w0.close();
    await waitFor('3 misses', () => hb.streak(['w0/mgmt'], false, 3));
    expect(hb.seen.get('w0/mgmt')![0]).toBe(true);
    expect(hb.seen.get('w0/mgmt')!.slice(1).every((a) => !a)).toBe(true);
  });

  it('a pulse the kernel refuses to send counts as a miss and a send error', async () => {
    const hb = await pulser();
    // The broadcast address without SO_BROADCAST: EACCES locally, nothing leaves the host.
    hb.p.setTargets([{ hostId: 'w9', network: 'mgmt', address: '255.255.255.255', port: 2103, key: key('mgmt') }]);
    await waitFor('misses', () => hb.streak(['w9/mgmt'], false, 3));
    expect((await hb.p.stats()).sendErrors).toBeGreaterThanOrEqual(3);
  });

  it('refuses targets that are not addresses and ports', async () => {
    const hb = await pulser();
    expect(() =>
      hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: 'worker-0', port: 2103, key: key('mgmt') }]),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'targets[0].address' }));
    expect(() =>
      hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: '::1', port: 70000, key: key('mgmt') }]),
    ).toThrow(/port/);
    expect(() =>
      hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: '::1', port: 2103, key: new Uint8Array(0) }]),
    ).toThrow(expect.objectContaining({ field: 'targets[0].key' }));
  });

  it('the responder drops forged, truncated, altered and wrong-network pulses, and counts them', async () => {
    const w0 = await responder('worker-0', [
      { network: 'mgmt', address: '127.0.0.1', port: 0 },
      { network: 'cluster-host', address: '127.0.0.1', port: 0 },
    ]);
    const mgmtPort = w0.endpoints()[0]!.port;
    const spy = await udp();
    const flipped = freshPulse('mgmt');
    flipped[10] = flipped[10]! ^ 0x80;
    const attempts: Buffer[] = [
      freshPulse('mgmt', randomBytes(32)), // forged: another site's key
      encodePacket(
        { kind: 'pulse', network: 'mgmt', seq: nextSeq(0n), nonce: nonce(), controller: 'controller-0' },
        key('mgmt'),
      ), // forged: made with the host's own key, not the pulse key
      flipped, // forged: a byte changed in transit
      freshPulse('mgmt').subarray(0, 40), // malformed: truncated
      freshPulse('cluster-host'), // forged: a cluster-host pulse on the mgmt socket
      freshPulse('mgmt', siteKey, 'cluster-host'), // malformed: mgmt-keyed but claims cluster-host
      encodePacket(
        { kind: 'reply', network: 'mgmt', seq: nextSeq(0n), nonce: nonce(), hostname: 'x', flags: 0 },
        pulseKey('mgmt'),
      ), // malformed: a reply on the pulse socket
      Buffer.from('hello'), // malformed
    ];
    for (const a of attempts) await spy.send(a, mgmtPort);
    await waitFor('all received', () => w0.stats().received === attempts.length);
    expect(w0.stats()).toEqual({ received: 8, answered: 0, forged: 4, replayed: 0, ahead: 0, malformed: 4 });
    // And one good pulse is answered, to the sender's address and port, with its seq and nonce,
    // under the host's own key.
    const good = freshPulse('mgmt');
    await spy.send(good, mgmtPort);
    await waitFor('the reply', () => spy.inbox.length === 1);
    const sent = decodePacket(good, pulseKey('mgmt'));
    const r = decodePacket(spy.inbox[0]!.buf, key('mgmt'));
    if (!sent.ok) throw new Error('the pulse did not decode');
    expect(r).toMatchObject({
      ok: true,
      msg: { kind: 'reply', network: 'mgmt', hostname: 'worker-0', flags: 1, seq: sent.msg.seq, nonce: sent.msg.nonce },
    });
  });

  it('a captured pulse or reply sent again is a replay: dropped and counted on both sides', async () => {
    // The spy sits between the pulser and the agent and relays (and repeats) what it captures
    // (over IPv6, which is pulsed unicast: no multicast pulse reaches the agent past the spy).
    const w0 = await responder('worker-0', [{ network: 'mgmt', address: '::1', port: 0 }]);
    const agentPort = w0.endpoints()[0]!.port;
    const spy = await udp('udp6');
    const hb = await pulser(1000); // a long period: the relay happens well inside one
    hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: '::1', port: spy.port, key: key('mgmt') }]);
    await waitFor('a pulse', () => spy.inbox.length >= 1);
    const pulse = spy.inbox.shift()!;
    expect(decodePacket(pulse.buf, pulseKey('mgmt'))).toMatchObject({ ok: true, msg: { kind: 'pulse' } });

    await spy.send(pulse.buf, agentPort);
    await waitFor('the reply', () => spy.inbox.some((m) => m.rinfo.port === agentPort));
    const reply = spy.inbox.find((m) => m.rinfo.port === agentPort)!;
    await spy.send(pulse.buf, agentPort); // the same pulse again
    await waitFor('the copy received', () => w0.stats().received === 2);
    expect(w0.stats()).toMatchObject({ answered: 1, replayed: 1 });

    const before = await hb.p.stats();
    await spy.send(reply.buf, pulse.rinfo.port);
    await spy.send(reply.buf, pulse.rinfo.port); // the same reply again
    await waitFor('both received', async () => (await hb.p.stats()).received === before.received + 2);
    const after = await hb.p.stats();
    expect([after.answered - before.answered, after.replayed - before.replayed]).toEqual([1, 1]);
    await waitFor('the period judged', () => (hb.seen.get('w0/mgmt')?.length ?? 0) >= 1);
    expect(hb.seen.get('w0/mgmt')![0]).toBe(true);
  });

  it('the pulser drops forged, malformed and unknown replies, and counts them', async () => {
    const spy = await udp();
    const hb = await pulser();
    hb.p.setTargets([{ hostId: 'w0', network: 'mgmt', address: '127.0.0.1', port: spy.port, key: key('mgmt') }]);
    await waitFor('a pulse', () => spy.inbox.length >= 1);
    const pulserPort = spy.inbox[0]!.rinfo.port;
    const seq = decodePacket(spy.inbox[0]!.buf, pulseKey('mgmt'));
    if (!seq.ok) throw new Error('pulse did not decode');
    const replyTo = (s: bigint, k: Buffer, network: HbNetwork = 'mgmt', n = seq.msg.nonce) =>
      encodePacket({ kind: 'reply', network, seq: s, nonce: n, hostname: 'worker-0', flags: 0 }, k);
    const before = await hb.p.stats();
    const attempts = [
      replyTo(seq.msg.seq, networkKey(randomBytes(32), 'mgmt')), // forged
      replyTo(seq.msg.seq, keysOf('w1').mgmt), // forged: another host's key answers for worker-0
      replyTo(seq.msg.seq, pulseKey('mgmt')), // forged: the pulse key (every agent has it) answers for no host
      replyTo(seq.msg.seq, key('mgmt')).subarray(0, 50), // malformed
      encodePacket(
        { kind: 'pulse', network: 'mgmt', seq: seq.msg.seq, nonce: seq.msg.nonce, controller: 'controller-0' },
        key('mgmt'),
      ), // malformed: a pulse, not a reply
      replyTo(seq.msg.seq, key('mgmt'), 'cluster-host'), // malformed: the seq of a mgmt pulse
      replyTo(12345n, key('mgmt')), // replayed: no pulse has that seq
      replyTo(seq.msg.seq, key('mgmt'), 'mgmt', seq.msg.nonce ^ 1n), // replayed: the seq with another nonce
    ];
    for (const a of attempts) await spy.send(a, pulserPort);
    await waitFor(
      'all received',
      async () => (await hb.p.stats()).received === before.received + attempts.length,
    );
    const after = await hb.p.stats();
    expect({
      forged: after.forged - before.forged,
      malformed: after.malformed - before.malformed,
      replayed: after.replayed - before.replayed,
      answered: after.answered - before.answered,
    }).toEqual({ forged: 3, malformed: 3, replayed: 2, answered: 0 });
  });

  it('after a host key change, only replies made with the new key count', async () => {
    const w0 = await responder('worker-0', [{ network: 'mgmt', address: '127.0.0.1', port: 0 }]);
    const hb = await pulser();
    hb.p.setTargets(targetsOf('w0', w0));
    await waitFor('answers', () => hb.streak(['w0/mgmt'], true, 3));
    const newKey = randomBytes(32);
    w0.setKeys(keysOf('w0', newKey), pulseKeys(siteKey));
    await waitFor('misses with the old key', () => hb.streak(['w0/mgmt'], false, 3));
    expect((await hb.p.stats()).forged).toBeGreaterThanOrEqual(3);
    hb.p.setTargets(targetsOf('w0', w0, newKey));
    await waitFor('answers with the new key', () => hb.streak(['w0/mgmt'], true, 3));
  });

  it('a forged pulse 20 s ahead, or far in the future, does not make the agent refuse the real pulses', async () => {
    // The attacker holds the pulse key (every agent does): its pulses verify.
    const w0 = await responder('worker-0', [{ network: 'mgmt', address: '127.0.0.1', port: 0 }]);
    const port = w0.endpoints()[0]!.port;
    const spy = await udp();
    const hb = await pulser();
    hb.p.setTargets(targetsOf('w0', w0));
    await waitFor('answers', () => hb.streak(['w0/mgmt'], true, 3));
    const forge = (seq: bigint) =>
      encodePacket({ kind: 'pulse', network: 'mgmt', seq, nonce: nonce(), controller: 'controller-0' }, pulseKey('mgmt'));
    await spy.send(forge(nextSeq(0n) + 20_000_000n), port);
    await spy.send(forge((1n << 64n) - 1n), port);
    await waitFor('both refused', () => w0.stats().ahead === 2);
    const from = hb.seen.get('w0/mgmt')!.length;
    // 15 periods on, every real pulse is still answered: the host would never be degraded (6 misses)
    // nor failed (10).
    await waitFor('15 more periods', () => hb.seen.get('w0/mgmt')!.length >= from + 15);
    expect(hb.seen.get('w0/mgmt')!.slice(from)).not.toContain(false);
    expect(spy.inbox).toHaveLength(0); // the forged pulses were not answered
  });

  it('listens only on the address it is bound to (the API’s), and says where', async () => {
    const w0 = await responder('worker-0', [{ network: 'mgmt', address: '127.0.0.1', port: 0 }]);
    const hb = await pulser(100, '127.0.0.1');
    expect(hb.p.listening()).toEqual([{ address: '127.0.0.1', port: expect.any(Number) as number }]);
    hb.p.setTargets(targetsOf('w0', w0));
    await waitFor('answers', () => hb.streak(['w0/mgmt'], true, 3));
    const wildcard = await pulser(100);
    expect(wildcard.p.listening().map((l) => l.address).sort()).toEqual(['0.0.0.0', '::']);
  });

  it('100 targets at 100 ms: every one answered; prints the CPU it costs', async () => {
    const hosts = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        responder(`worker-${i}`, [
          { network: 'mgmt', address: '127.0.0.1', port: 0 },
          { network: 'cluster-host', address: i % 2 ? '::1' : '127.0.0.1', port: 0 },
        ]),
      ),
    );
    const hb = await pulser(100);
    const targets = hosts.flatMap((r, i) => targetsOf(`w${i}`, r));
    expect(targets).toHaveLength(100);
    hb.p.setTargets(targets);
    const keys = targets.map((t) => `${t.hostId}/${t.network}`);
    await waitFor('every target answered', () => hb.streak(keys, true, 3), 30_000);

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const s0 = await hb.p.stats();
    await new Promise((r) => setTimeout(r, 3000));
    const s1 = await hb.p.stats();
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const pct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    const answered = s1.answered - s0.answered;
    const sent = s1.sent - s0.sent;
    console.info(
      `heartbeat: 100 targets at 100 ms for ${(wallMs / 1000).toFixed(1)} s: ${sent} datagrams sent, ${answered} answered, ` +
        `${s1.multicastTargets} targets reached by multicast alone; ` +
        `CPU ${pct.toFixed(1)}% of one core (pulser worker + main thread + 50 responders, one process)`,
    );
    expect(answered).toBeGreaterThanOrEqual(2000); // ≥ 20 periods of 100 answers in 3 s, even on a busy machine
    // The IPv4 targets get the multicast pulse alone; the IPv6 ones (25) unicast pulses.
    expect(s1.multicastTargets).toBe(75);
    expect(sent).toBeLessThan(answered);
    expect(s1.sendErrors - s0.sendErrors).toBe(0);
    await waitFor('every target answered', () => hb.streak(keys, true, 3), 30_000);
  });
});
