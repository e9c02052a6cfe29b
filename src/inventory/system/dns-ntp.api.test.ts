// sysinv's DNS and NTP resources as an operator uses them (`system dns-show`, `dns-modify
// nameservers=…`, `ntp-modify ntpservers=…` send these calls): one of each per site, changed with
// a JSON-patch list that carries StarlingX's `action=apply`; bad input is a 400 naming the field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startSite, type TestSite } from '../../../test/support/site.ts';
import { runCli } from '../../cli/index.ts';

describe('DNS and NTP servers (/v1/idns, /v1/intp)', () => {
  let site: TestSite;
  let token: string;
  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  const patch = (kind: 'idns' | 'intp', uuid: string, field: string, value: string) =>
    site.call('PATCH', `/v1/${kind}/${uuid}`, {
      token,
      body: [
        { op: 'replace', path: `/${field}`, value },
        { op: 'replace', path: '/action', value: 'apply' },
      ],
    });

  it('shows none at first, then the servers set, in sysinv canonical form', async () => {
    const { idnss } = (await site.call('GET', '/v1/idns', { token })).body;
    expect(idnss).toHaveLength(1);
    const system = (await site.call('GET', '/v1/isystems', { token })).body.isystems[0];
    expect(idnss[0]).toMatchObject({ nameservers: '', isystem_uuid: system.uuid });
    const changed = await patch('idns', idnss[0].uuid, 'nameservers', '8.8.8.8, 2001:4860:4860:0:0:0:0:8888');
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ uuid: idnss[0].uuid, nameservers: '8.8.8.8,2001:4860:4860::8888' });
    expect(changed.body.updated_at).not.toBeNull();
    expect((await site.call('GET', `/v1/idns/${idnss[0].uuid}`, { token })).body.nameservers).toBe('8.8.8.8,2001:4860:4860::8888');

    const { intps } = (await site.call('GET', '/v1/intp', { token })).body;
    const ntp = await patch('intp', intps[0].uuid, 'ntpservers', '0.pool.ntp.org,10.0.0.1');
    expect(ntp.body).toMatchObject({ ntpservers: '0.pool.ntp.org,10.0.0.1' });
  });

  it('refuses bad input with a 400 naming the field, and keeps the name servers an NTP name needs', async () => {
    const dns = (await site.call('GET', '/v1/idns', { token })).body.idnss[0];
    const ntp = (await site.call('GET', '/v1/intp', { token })).body.intps[0];
    const bad = await patch('idns', dns.uuid, 'nameservers', 'dns.example.com');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: '/nameservers' });
    const many = await patch('intp', ntp.uuid, 'ntpservers', 'a.org,b.org,c.org,d.org');
    expect(many.status).toBe(400);
    expect(many.body.error.field).toBe('/ntpservers');
    // NTP by name (0.pool.ntp.org) needs DNS: clearing it ('NC', StarlingX's "none") is refused.
    const clear = await patch('idns', dns.uuid, 'nameservers', 'NC');
    expect(clear.status).toBe(400);
    expect(clear.body.error.message).toMatch(/At least one DNS server/);
    expect((await site.call('PATCH', `/v1/idns/${dns.uuid}`, { token, body: [{ op: 'replace', path: '/uuid', value: 'x' }] })).status).toBe(400);
    expect((await patch('idns', '00000000-0000-0000-0000-000000000000', 'nameservers', '1.1.1.1')).status).toBe(404);
    // Both cleared, NTP first.
    expect((await patch('intp', ntp.uuid, 'ntpservers', 'NC')).body.ntpservers).toBe('');
    expect((await patch('idns', dns.uuid, 'nameservers', 'NC')).body.nameservers).toBe('');
  });

  it("sets both at once through the subcloud end of platform sync (admin only)", async () => {
    const put = await site.call('PUT', '/v1.0/platform', { token, body: { platform: { nameservers: '9.9.9.9', ntpservers: 'time.example.org' } } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ platform: { nameservers: '9.9.9.9', ntpservers: 'time.example.org' }, changed: true });
    expect((await site.call('GET', '/v1.0/platform', { token })).body.platform).toEqual({ nameservers: '9.9.9.9', ntpservers: 'time.example.org' });
    const bad = await site.call('PUT', '/v1.0/platform', { token, body: { platform: { nameservers: 'nope', ntpservers: '' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('/platform/nameservers');
  });

  it('starling system dns-modify / ntp-modify / dns-show / ntp-show, with StarlingX\'s arguments', async () => {
    const env = { OS_AUTH_URL: `${site.url}/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_PROJECT_NAME: 'admin' };
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const dns = await cli('system', 'dns-modify', 'nameservers=1.1.1.1,8.8.4.4');
    expect(dns.code, dns.err).toBe(0);
    expect(dns.out).toMatch(/\| nameservers +\| 1\.1\.1\.1,8\.8\.4\.4 +\|/);
    expect((await cli('system', 'ntp-modify', 'ntpservers=ntp.example.org')).code).toBe(0);
    expect((await cli('system', 'ntp-show')).out).toMatch(/\| ntpservers +\| ntp\.example\.org +\|/);
    expect((await cli('system', 'dns-show')).out).toMatch(/\| isystem_uuid +\| [0-9a-f-]{36} +\|/);
    const bad = await cli('system', 'dns-modify', 'nameservers=dns.example.org');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/Invalid DNS nameserver target address dns\.example\.org/);
  });
});
