import { randomBytes } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AgentCommandName as WorkflowCommandName } from '../maintenance/domain/workflow.ts';
import type { HbNetwork } from '../maintenance/domain/heartbeat.ts';
import { formatEvent, createSseParser } from '../api/sse.ts';
import {
  AGENT_COMMAND_NAMES,
  AliveBody,
  ChannelQuery,
  CommandAnswer,
  RegisterBody,
  check,
  decodeChannelEvent,
  type AgentCommand,
  type AgentCommandName,
  type ChannelEvent,
  type ChannelEventData,
  type ChannelEventName,
} from './protocol.ts';

const key = () => randomBytes(64).toString('base64');
const host = { hostname: 'worker-0', personality: 'worker', cpus: [{ cpu: 0, allocated_function: 'platform' }], memory: [{ numa_node: 0, vm_hugepages_nr_2M: 512 }], interfaces: [{ ifname: 'mgmt0', iftype: 'ethernet', ifclass: 'platform', imtu: 1500, aemode: null, txhashpolicy: null, vlan_id: null, ports: ['eth0'], uses: [], networks: ['mgmt'], addresses: ['192.168.204.5/24'] }] };

/** Every event the controller sends, as it sends it. */
const good: ChannelEvent[] = [
  { event: 'hello', data: { hostname: 'controller-0' } },
  { event: 'heartbeat', data: { keys: { mgmt: key(), 'cluster-host': key() }, pulse_keys: { mgmt: key(), 'cluster-host': key() }, period_ms: 100 } },
  { event: 'probe', data: { nonce: 'a0e7c2f4-6f0b-4c36-9b1f-1b1a2d3e4f50' } },
  { event: 'command', data: { id: 'c-1', command: 'lock' } },
  { event: 'command', data: { id: 'c-2', command: 'apply-config', host } },
  { event: 'command', data: { id: 'c-3', command: 'reboot' } },
  { event: 'command', data: { id: 'c-4', command: 'goenabled' } },
];

/** Written by the controller's SSE writer and read by the agent's parser and checker. */
const throughTheWire = (event: string, data: unknown) => {
  const out: { event: string; data: string }[] = [];
  createSseParser((m) => out.push(m)).feed(formatEvent(event, data));
  expect(out).toHaveLength(1);
  return decodeChannelEvent(out[0]!.event, out[0]!.data);
};

describe('channel events', () => {
  it.each(good.map((e) => [`${e.event} ${'command' in e.data ? e.data.command : ''}`, e] as const))('%s goes through the wire unchanged', (_, e) => {
    expect(throughTheWire(e.event, e.data)).toEqual({ ok: true, value: e });
  });

  it.each([
    ['hello', { hostname: 'bad host!' }, '/hostname', /must match pattern/],
    ['hello', {}, '/hostname', /is required/],
    ['heartbeat', { keys: { mgmt: 'short' }, pulse_keys: {}, period_ms: 100 }, '/keys/mgmt', /must match pattern/],
    ['heartbeat', { keys: { pxeboot: key() }, pulse_keys: {}, period_ms: 100 }, '/keys/pxeboot', /is not allowed here/],
    ['heartbeat', { keys: {}, pulse_keys: { mgmt: 'short' }, period_ms: 100 }, '/pulse_keys/mgmt', /must match pattern/],
    ['heartbeat', { keys: {}, period_ms: 100 }, '/pulse_keys', /is required/],
    ['heartbeat', { keys: {}, pulse_keys: {}, period_ms: 0 }, '/period_ms', /must be >= 1/],
    ['probe', { nonce: 7 }, '/nonce', /must be string/],
    ['command', { id: 'c', command: 'format-disk' }, '/command', /must be one of lock, apply-config, reboot, goenabled/],
    ['command', { command: 'lock' }, '/id', /is required/],
    ['command', { id: 'c', command: 'apply-config' }, '/host', /is required/],
    ['command', { id: 'c', command: 'apply-config', host: { ...host, cpus: [{ cpu: -1, allocated_function: 'x' }] } }, '/host/cpus/0/cpu', /must be >= 0/],
    ['command', { id: 'c', command: 'apply-config', host: { ...host, interfaces: [{ ifname: 'x' }] } }, '/host/interfaces/0/iftype', /is required/],
    ['command', { id: 'c', command: 'lock', extra: 1 }, '/extra', /is not allowed here/],
    ['command', null, '/command', /must be one of/],
  ] as const)('%s %j is refused, naming %s', (event, data, field, problem) => {
    const r = throughTheWire(event, data);
    expect(r.ok).toBe(false);
    if (r.ok !== false) return;
    expect(r.field).toBe(field);
    expect(r.error).toMatch(problem);
    expect(r.error.startsWith(`${event} event: ${field}`) || r.error.startsWith(field)).toBe(true);
  });

  it('data that is not JSON is an error, never a throw', () => {
    expect(decodeChannelEvent('hello', '{"hostname":')).toMatchObject({ ok: false, field: '/', error: expect.stringMatching(/not JSON/) });
  });

  it('an event this agent does not know is told apart (a newer controller), not an error', () => {
    expect(decodeChannelEvent('upgrade', '{}')).toEqual({ ok: 'unknown', event: 'upgrade' });
    expect(decodeChannelEvent('__proto__', '{}')).toEqual({ ok: 'unknown', event: '__proto__' });
  });
});

describe('what the agent posts', () => {
  it('accepts the agent’s own messages', () => {
    expect(check(ChannelQuery, { hostname: 'worker-0', mgmt_mac: '02:00:00:00:00:01', instance: 'b0e7c2f4-6f0b', version: '0.1.0' }).ok).toBe(true);
    expect(check(AliveBody, { hostname: 'worker-0', instance: 'b0e7c2f4-6f0b', nonce: 'n' }).ok).toBe(true);
    expect(check(CommandAnswer, { hostname: 'worker-0', ok: true, detail: { files: ['/x'] } }).ok).toBe(true);
    expect(check(CommandAnswer, { hostname: 'worker-0', ok: false, error: 'not healthy' }).ok).toBe(true);
    const reg = { mgmt_mac: '02:00:00:00:00:01', heartbeat: [{ network: 'mgmt', address: '0.0.0.0', port: 2103 }], inventory: { icpus: [{ cpu: 0 }] } };
    expect(check(RegisterBody, reg).ok).toBe(true);
  });

  it.each([
    ['channel query', '/mgmt_mac', ChannelQuery, { hostname: 'w', mgmt_mac: 'zz', instance: 'b0e7c2f4-6f0b' }],
    ['alive', '/instance', AliveBody, { hostname: 'w', instance: 'short' }],
    ['answer', '/ok', CommandAnswer, { hostname: 'w' }],
    ['register', '/heartbeat/0/network', RegisterBody, { mgmt_mac: 'm', inventory: {}, heartbeat: [{ network: 'pxe', address: 'a', port: 1 }] }],
    ['register', '/inventory/disks', RegisterBody, { mgmt_mac: 'm', inventory: { disks: [] } }],
  ] as const)('a bad %s message names %s', (_, field, schema, value) => {
    expect(check(schema, value)).toMatchObject({ ok: false, field });
  });
});

describe('one vocabulary on both sides', () => {
  it('the commands are the ones maintenance’s workflows send', () => {
    expectTypeOf<AgentCommandName>().toEqualTypeOf<WorkflowCommandName>();
    expect(AGENT_COMMAND_NAMES.sort()).toEqual(['apply-config', 'goenabled', 'lock', 'reboot']);
  });

  it('the heartbeat keys are per network, and events and payloads are tied by name', () => {
    expectTypeOf<keyof ChannelEventData<'heartbeat'>['keys']>().toEqualTypeOf<HbNetwork>();
    expectTypeOf<ChannelEventData<'command'>>().toEqualTypeOf<AgentCommand>();
    expectTypeOf<ChannelEvent['event']>().toEqualTypeOf<ChannelEventName>();
  });
});
