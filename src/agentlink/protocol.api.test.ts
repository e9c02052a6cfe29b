// The controller's end of the protocol: whatever an agent sends that the protocol does not allow is
// a 400 naming the field, never a 500 and never a half-stored change.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';

describe('the controller checks what agents send against the protocol', () => {
  let site: TestSite;
  let agent: string;
  beforeAll(async () => {
    site = await startSite();
    // The agents' service user appears a moment after the start: log in until it exists.
    for (let i = 0; ; i++) {
      try {
        agent = await site.token('starling-agent', site.controller.agentPassword, 'services');
        break;
      } catch (e) {
        if (i >= 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 60_000);
  afterAll(async () => site?.stop());

  const post = (path: string, body: unknown) => site.call('POST', path, { token: agent, body });

  it.each([
    ['a command answer without ok', '/v1/agents/commands/c-1', { hostname: 'worker-0' }, '/ok'],
    ['a command answer with ok a string', '/v1/agents/commands/c-1', { hostname: 'worker-0', ok: 'yes' }, '/ok'],
    ['a command answer with a field the protocol lacks', '/v1/agents/commands/c-1', { hostname: 'worker-0', ok: true, files: [] }, '/files'],
    ['a report of an unknown type', '/v1/agents/events', { hostname: 'worker-0', type: 'meltdown', reason: 'x' }, '/type'],
    ['a probe answer with a short instance', '/v1/agents/channel/alive', { hostname: 'worker-0', instance: 'abc' }, '/instance'],
    ['a registration on an unknown network', '/v1/agents/register', { mgmt_mac: '02:00:00:00:00:01', inventory: {}, heartbeat: [{ network: 'pxeboot', address: '0.0.0.0', port: 2103 }] }, '/heartbeat/0/network'],
    ['a registration of an unknown table', '/v1/agents/register', { mgmt_mac: '02:00:00:00:00:01', inventory: { disks: [] } }, '/inventory/disks'],
  ])('%s: 400 naming %s', async (_, path, body, field) => {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
  });

  it('a channel asked for with a malformed MAC: 400 naming the query parameter', async () => {
    const q = new URLSearchParams({ hostname: 'worker-0', mgmt_mac: 'not-a-mac', instance: 'b0e7c2f4-6f0b' });
    const r = await site.call('GET', `/v1/agents/channel?${q.toString()}`, { token: agent });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('mgmt_mac');
  });
});
