// SNMP traps as a network manager receives them: Debian's real snmptrapd listens on two loopback
// ports, the operator adds it as a trap destination, and every alarm set, alarm clear and log
// arrives as a v2c trap with Starling's OIDs; suppressed alarms send none; a deleted destination
// gets nothing more. With two controller processes on one database, each change is sent once, by
// the one holding the SNMP lease, and the other takes over when it stops. Also the itrapdest API's
// validation.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../db/index.ts';
import { ADMIN_PASSWORD, startSite, tempDir, type TestSite } from '../../test/support/site.ts';
import { runCli } from '../cli/index.ts';
import { STARLING_OID, TRAP_OIDS, VARBIND_OIDS } from './snmp.ts';

const COMMUNITY = 'starling-test-community';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ReceivedTrap {
  /** The receiver's port the trap arrived on. */
  port: number;
  /** snmpTrapOID.0, without the leading dot. */
  oid: string;
  /** OID (without the leading dot) → string value. */
  varbinds: Record<string, string>;
}

interface TrapReceiver {
  ports: [number, number];
  traps: ReceivedTrap[];
  waitFor(what: string, match: (t: ReceivedTrap) => boolean, ms?: number): Promise<ReceivedTrap>;
  stop(): Promise<void>;
}

function snmptrapdBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v snmptrapd || command -v /usr/sbin/snmptrapd'], {
    encoding: 'utf8',
  }).stdout.trim();
  if (found === '') {
    throw new Error(
      'snmptrapd is not installed: these tests send traps to the real receiver (apt-get install -y snmptrapd; .ci/run installs it)',
    );
  }
  return found;
}

/** One snmptrapd line (format `TRAP %b<tab>%v`, numeric OIDs) → the trap, or undefined for other output. */
function parseTrapLine(line: string): ReceivedTrap | undefined {
  if (!line.startsWith('TRAP ')) return undefined;
  const [transport = '', ...fields] = line.slice(5).split('\t');
  const port = Number(/->\[[^\]]*\]:(\d+)/.exec(transport)?.[1]);
  const varbinds: Record<string, string> = {};
  for (const f of fields) {
    const m = /^\.?([0-9.]+) = (?:([A-Za-z-]+): )?(.*)$/.exec(f);
    if (!m) continue;
    const raw = m[3]!;
    varbinds[m[1]!] =
      raw.startsWith('"') && raw.endsWith('"')
        ? raw.slice(1, -1).replace(/\\(["\\])/g, '$1')
        : raw.replace(/^\./, '');
  }
  return { port, oid: varbinds['1.3.6.1.6.3.1.1.4.1.0'] ?? '', varbinds };
}

/** snmptrapd in the foreground on two loopback UDP ports, printing every trap it accepts (only
 *  those with our community: the conf authorises no other) as one line on stdout. */
async function startTrapReceiver(dir: string): Promise<TrapReceiver> {
  const binary = snmptrapdBinary();
  const conf = path.join(dir, 'snmptrapd.conf');
  await fs.writeFile(conf, `authCommunity log,execute,net ${COMMUNITY}\ndisableAuthorization no\n`);
  const ports: [number, number] = [await freePort(), await freePort()];
  const args = [
    '-f',
    '-Lo',
    '-C',
    '-c',
    conf,
    '-m',
    '',
    '-M',
    '/dev/null',
    '-n',
    '-On',
    '-F',
    'TRAP %b\t%v\n',
  ];
  const proc: ChildProcess = spawn(binary, [...args, ports.map((p) => `udp:127.0.0.1:${p}`).join(',')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SNMP_PERSISTENT_DIR: path.join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const traps: ReceivedTrap[] = [];
  let output = '';
  let pending = '';
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const t = parseTrapLine(line);
      if (t) traps.push(t);
    }
    wake();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
    wake();
  });

  const until = async (what: string, done: () => boolean, ms: number): Promise<void> => {
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (done()) finish(resolve);
        else if (exitedEarly)
          finish(() => reject(new Error(`snmptrapd exited while waiting for ${what}:\n${output}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`timed out after ${ms} ms waiting for ${what}; snmptrapd printed:\n${output}`)),
          ),
        ms,
      );
      const finish = (f: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
    });
  };

  proc.once('error', (e) => {
    output += `\n${e.message}`;
    exitedEarly = true;
    wake();
  });
  // snmptrapd prints its version once it listens.
  await until('snmptrapd to start', () => output.includes('NET-SNMP version'), 10_000);
  return {
    ports,
    traps,
    waitFor: async (what, match, ms = 10_000) => {
      await until(what, () => traps.some(match), ms);
      return traps.find(match)!;
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

const trapOid = (kind: keyof typeof TRAP_OIDS): string => TRAP_OIDS[kind];
/** Polls `done` every 100 ms for up to 5 s. */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (const t0 = Date.now(); !(await done()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - t0 > 5000) throw new Error('timed out after 5 s');
  }
}
const vb = (t: ReceivedTrap, name: keyof typeof VARBIND_OIDS): string | undefined =>
  t.varbinds[VARBIND_OIDS[name]];

describe('SNMP traps to snmptrapd', () => {
  let dir: string;
  let receiver: TrapReceiver | undefined;
  let site: TestSite | undefined;
  let admin: string;

  beforeAll(async () => {
    dir = await tempDir('starling-snmp-');
    receiver = await startTrapReceiver(dir);
    site = await startSite();
    admin = await site.token();
  });
  afterAll(async () => {
    await receiver?.stop();
    await site?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown) =>
    site!.call(method, p, { token: admin, ...(body === undefined ? {} : { body }) });
  const addDest = async (port: number) => {
    const r = await call('POST', '/v1/itrapdest', { ip_address: '127.0.0.1', community: COMMUNITY, port });
    expect(r.status).toBe(201);
    return r.body as { uuid: string };
  };
  const from = (entity: string) => (t: ReceivedTrap) => vb(t, 'entity_instance_id') === entity;

  it('sends an alarm-set trap, then an alarm-clear trap, with the alarm id, entity and severity', async () => {
    const [port] = receiver!.ports;
    const r = await call('POST', '/v1/itrapdest', { ip_address: '127.0.0.1', community: COMMUNITY, port });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      uuid: expect.stringMatching(UUID),
      ip_address: '127.0.0.1',
      port,
      community: COMMUNITY,
      type: 'snmpv2c_trap',
      transport: 'udp',
      created_at: expect.any(String),
    });

    const entity = 'host=controller-0';
    const raised = await call('POST', '/v1/alarms', {
      alarm_id: '100.101',
      entity_instance_id: entity,
      severity: 'major',
      reason_text: 'Platform CPU usage at 91%',
    });
    expect(raised.status).toBe(201);
    const set = await receiver!.waitFor(
      'the alarm-set trap',
      (t) => from(entity)(t) && t.oid === trapOid('alarm-set'),
    );
    expect(set.port).toBe(port);
    expect(set.oid).toBe(`${STARLING_OID}.1.1`);
    expect(vb(set, 'id')).toBe('100.101');
    expect(vb(set, 'severity')).toBe('major');
    expect(vb(set, 'reason_text')).toBe('Platform CPU usage at 91%');
    expect(vb(set, 'probable_cause')).toBe('threshold-crossed');
    expect(vb(set, 'alarm_type')).toBe('operational-violation');
    expect(vb(set, 'uuid')).toMatch(UUID);
    expect(Number.isNaN(Date.parse(vb(set, 'timestamp') ?? ''))).toBe(false);

    const cleared = await call(
      'DELETE',
      `/v1/alarms?alarm_id=100.101&entity_instance_id=${encodeURIComponent(entity)}`,
    );
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBe(1);
    const clear = await receiver!.waitFor(
      'the alarm-clear trap',
      (t) => from(entity)(t) && t.oid === trapOid('alarm-clear'),
    );
    expect(clear.oid).toBe(`${STARLING_OID}.1.2`);
    expect(vb(clear, 'id')).toBe('100.101');
    expect(vb(clear, 'severity')).toBe('clear');
    expect(vb(clear, 'uuid')).not.toBe(vb(set, 'uuid'));
    const mine = receiver!.traps.filter(from(entity));
    expect(mine.map((t) => t.oid)).toEqual([trapOid('alarm-set'), trapOid('alarm-clear')]);
  });

  it('sends a log trap for a customer log', async () => {
    const entity = 'host=worker-0';
    const r = await call('POST', '/v1/event_log', {
      event_log_id: '200.021',
      entity_instance_id: entity,
      severity: 'warning',
      reason_text: 'worker-0 lock requested',
    });
    expect(r.status).toBe(201);
    const log = await receiver!.waitFor('the log trap', (t) => from(entity)(t) && t.oid === trapOid('log'));
    expect(log.oid).toBe(`${STARLING_OID}.1.3`);
    expect(vb(log, 'id')).toBe('200.021');
    expect(vb(log, 'severity')).toBe('warning');
    expect(vb(log, 'uuid')).toBe(r.body.uuid);
  });

  it('sends no trap for a suppressed alarm, set or cleared', async () => {
    const { event_suppression } = (await call('GET', '/v1/event_suppression')).body as {
      event_suppression: { uuid: string; alarm_id: string }[];
    };
    const memory = event_suppression.find((s) => s.alarm_id === '100.103')!;
    const patched = await call('PATCH', `/v1/event_suppression/${memory.uuid}`, [
      { op: 'replace', path: '/suppression_status', value: 'suppressed' },
    ]);
    expect(patched.status).toBe(200);

    const entity = 'host=controller-1';
    expect(
      (
        await call('POST', '/v1/alarms', {
          alarm_id: '100.103',
          entity_instance_id: entity,
          severity: 'critical',
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('DELETE', `/v1/alarms?alarm_id=100.103&entity_instance_id=${encodeURIComponent(entity)}`))
        .body.cleared,
    ).toBe(1);
    // An unsuppressed alarm after them: once its trap is in, theirs would have been too.
    expect(
      (
        await call('POST', '/v1/alarms', {
          alarm_id: '100.101',
          entity_instance_id: entity,
          severity: 'critical',
        })
      ).status,
    ).toBe(201);
    await receiver!.waitFor(
      'the unsuppressed alarm trap',
      (t) => from(entity)(t) && vb(t, 'id') === '100.101',
    );
    expect(receiver!.traps.filter((t) => vb(t, 'id') === '100.103')).toEqual([]);
  });

  it('stops sending to a deleted destination at once, and keeps sending to the others', async () => {
    const [first, second] = receiver!.ports;
    const { itrapdest } = (await call('GET', '/v1/itrapdest')).body as {
      itrapdest: { uuid: string; port: number }[];
    };
    const old = itrapdest.find((d) => d.port === first)!;
    await addDest(second);
    expect((await call('DELETE', `/v1/itrapdest/${old.uuid}`)).status).toBe(204);

    const entity = 'host=controller-2';
    expect(
      (
        await call('POST', '/v1/alarms', {
          alarm_id: '100.101',
          entity_instance_id: entity,
          severity: 'major',
        })
      ).status,
    ).toBe(201);
    await receiver!.waitFor(
      'the trap on the remaining destination',
      (t) => from(entity)(t) && t.port === second,
    );
    // Sent together, to both sockets of one receiver: the deleted one would be in by now.
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver!.traps.filter(from(entity)).map((t) => t.port)).toEqual([second]);
  });

  it('starling system snmp-trapdest-add, -list, -show and -delete', async () => {
    const env = {
      OS_AUTH_URL: `${site!.url}/v3`,
      OS_USERNAME: 'admin',
      OS_PASSWORD: ADMIN_PASSWORD,
      OS_PROJECT_NAME: 'admin',
    };
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const add = await cli(
      'system',
      'snmp-trapdest-add',
      '--ip-address',
      '192.0.2.10',
      '--community',
      COMMUNITY,
      '--port',
      '1162',
      '-f',
      'json',
    );
    expect(add.code).toBe(0);
    const created = JSON.parse(add.out) as { uuid: string };
    expect(created).toMatchObject({
      ip_address: '192.0.2.10',
      port: 1162,
      community: COMMUNITY,
      type: 'snmpv2c_trap',
      transport: 'udp',
    });
    const list = await cli('system', 'snmp-trapdest-list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`\\| ${created.uuid} +\\| 192\\.0\\.2\\.10 +\\| 1162 +\\|`));
    expect(JSON.parse((await cli('system', 'snmp-trapdest-show', created.uuid, '-f', 'json')).out)).toEqual(
      created,
    );
    expect((await cli('system', 'snmp-trapdest-delete', created.uuid)).code).toBe(0);
    const again = await cli('system', 'snmp-trapdest-delete', created.uuid);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`no SNMP trap destination with uuid ${created.uuid}`);
    const badIp = await cli(
      'system',
      'snmp-trapdest-add',
      '--ip-address',
      'nowhere',
      '--community',
      COMMUNITY,
    );
    expect(badIp.code).toBe(1);
    expect(badIp.err).toContain('/ip_address');
    expect(
      (
        await cli(
          'system',
          'snmp-trapdest-add',
          '--ip-address',
          '192.0.2.11',
          '--community',
          COMMUNITY,
          '--port',
          '70000',
        )
      ).code,
    ).toBe(2);
    expect((await cli('system', 'snmp-trapdest-add', '--ip-address', '192.0.2.11')).code).toBe(2);
  });

  describe('the itrapdest API', () => {
    it.each([
      ['not an address', 'controller-0'],
      ['a network, not a host', '10.0.0.0/24'],
      ['an octet out of range', '10.0.0.256'],
      ['an IPv6 zone', 'fe80::1%eth0'],
    ])('refuses %s with 400 naming ip_address, and writes nothing', async (_, ip) => {
      const before = (await call('GET', '/v1/itrapdest')).body.itrapdest.length;
      const r = await call('POST', '/v1/itrapdest', { ip_address: ip, community: COMMUNITY });
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe('/ip_address');
      expect((await call('GET', '/v1/itrapdest')).body.itrapdest).toHaveLength(before);
    });

    it.each([
      ['a missing community', { ip_address: '10.0.0.9' }, '/community'],
      ['an empty community', { ip_address: '10.0.0.9', community: '' }, '/community'],
      ['port 0', { ip_address: '10.0.0.9', community: COMMUNITY, port: 0 }, '/port'],
      ['an unknown field', { ip_address: '10.0.0.9', community: COMMUNITY, transport: 'tcp' }, '/transport'],
    ])('refuses %s with 400 naming %s', async (_, body, field) => {
      const r = await call('POST', '/v1/itrapdest', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
    });

    it('adds with port 162 by default, refuses a duplicate with 409, shows, lists and deletes', async () => {
      const r = await call('POST', '/v1/itrapdest', { ip_address: '2001:db8::7', community: COMMUNITY });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        ip_address: '2001:db8::7',
        port: 162,
        type: 'snmpv2c_trap',
        transport: 'udp',
      });
      const uuid = r.body.uuid as string;

      const dup = await call('POST', '/v1/itrapdest', {
        ip_address: '2001:db8:0::7',
        community: 'other',
        port: 162,
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error.field).toBe('/ip_address');
      expect(
        (
          await call('POST', '/v1/itrapdest', {
            ip_address: '2001:db8::7',
            community: COMMUNITY,
            port: 10162,
          })
        ).status,
      ).toBe(201);

      expect((await call('GET', `/v1/itrapdest/${uuid}`)).body).toEqual(r.body);
      expect(
        (await call('GET', '/v1/itrapdest')).body.itrapdest.map((d: { uuid: string }) => d.uuid),
      ).toContain(uuid);

      expect((await call('DELETE', `/v1/itrapdest/${uuid}`)).status).toBe(204);
      const gone = await call('GET', `/v1/itrapdest/${uuid}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error.field).toBe('trapdest_uuid');
      expect((await call('DELETE', `/v1/itrapdest/${uuid}`)).status).toBe(404);
      expect((await call('GET', '/v1/itrapdest/not-a-uuid')).status).toBe(404);
      expect(
        (await call('GET', '/v1/itrapdest')).body.itrapdest.map((d: { uuid: string }) => d.uuid),
      ).not.toContain(uuid);
    });
  });
});

describe('SNMP traps with two controller processes on one database', () => {
  let dir: string;
  let receiver: TrapReceiver | undefined;
  let site: TestSite | undefined;
  let peer: { controller: { url: string }; stop(): Promise<void> } | undefined;
  let admin: string;

  beforeAll(async () => {
    dir = await tempDir('starling-snmp-ha-');
    receiver = await startTrapReceiver(dir);
    site = await startSite();
    admin = await site.token();
  });
  afterAll(async () => {
    await receiver?.stop();
    await peer?.stop();
    await site?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const on = async (url: string, method: string, p: string, body?: unknown) => {
    const r = await fetch(`${url}${p}`, {
      method,
      headers: {
        'x-auth-token': admin,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const leases = async (url: string) =>
    ((await (await fetch(`${url}/health`)).json()) as { leases: string[] }).leases;
  const from = (entity: string) => (t: ReceivedTrap) => vb(t, 'entity_instance_id') === entity;
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('sends each change once, from the lease holder, whichever controller took the change', async () => {
    const [first, second] = receiver!.ports;
    expect(
      (
        await on(site!.url, 'POST', '/v1/itrapdest', {
          ip_address: '127.0.0.1',
          community: COMMUNITY,
          port: first,
        })
      ).status,
    ).toBe(201);
    // The second controller starts knowing the destination: it must still not send.
    peer = await site!.startPeer();
    expect(await leases(site!.url)).toEqual(['snmp-traps']);
    expect(await leases(peer.controller.url)).toEqual([]);
    const entity = 'host=worker-7';
    expect(
      (
        await on(peer.controller.url, 'POST', '/v1/alarms', {
          alarm_id: '100.101',
          entity_instance_id: entity,
          severity: 'major',
        })
      ).status,
    ).toBe(201);
    await receiver!.waitFor('the alarm-set trap', (t) => from(entity)(t) && t.oid === trapOid('alarm-set'));
    expect(
      (
        await on(
          site!.url,
          'DELETE',
          `/v1/alarms?alarm_id=100.101&entity_instance_id=${encodeURIComponent(entity)}`,
        )
      ).body.cleared,
    ).toBe(1);
    await receiver!.waitFor(
      'the alarm-clear trap',
      (t) => from(entity)(t) && t.oid === trapOid('alarm-clear'),
    );
    await settle(); // a second sender's copies, sent as fast, would be in by now
    expect(receiver!.traps.filter(from(entity)).map((t) => t.oid)).toEqual([
      trapOid('alarm-set'),
      trapOid('alarm-clear'),
    ]);

    // A destination added through the other controller: the holder hears of it and sends there too.
    expect(
      (
        await on(peer.controller.url, 'POST', '/v1/itrapdest', {
          ip_address: '127.0.0.1',
          community: COMMUNITY,
          port: second,
        })
      ).status,
    ).toBe(201);
    const next = 'host=worker-9';
    await until(async () => {
      await on(site!.url, 'POST', '/v1/event_log', {
        event_log_id: '200.021',
        entity_instance_id: next,
        severity: 'warning',
        reason_text: 'probe',
      });
      return receiver!.traps.some((t) => from(next)(t) && t.port === second);
    });
  });

  it('the other controller takes the lease when the holder stops, and the traps keep coming', async () => {
    await site!.controller.stop();
    await until(async () => (await leases(peer!.controller.url)).includes('snmp-traps'));
    const entity = 'host=worker-8';
    expect(
      (
        await on(peer!.controller.url, 'POST', '/v1/alarms', {
          alarm_id: '100.101',
          entity_instance_id: entity,
          severity: 'critical',
        })
      ).status,
    ).toBe(201);
    const set = await receiver!.waitFor(
      'the alarm-set trap from the new holder',
      (t) => from(entity)(t) && t.oid === trapOid('alarm-set'),
    );
    expect(vb(set, 'severity')).toBe('critical');
  });
});
