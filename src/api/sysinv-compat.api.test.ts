// What StarlingX's own clients (cgtsclient, fmclient) need from any request, whatever the
// resource: sysinv's error shape beside ours, bodiless requests not refused for their content
// type, trailing slashes, and the query booleans their framework accepts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSite, type TestSite } from '../../test/support/site.ts';

describe('sysinv compatibility of every request', () => {
  let site: TestSite;
  let token: string;
  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
  });
  afterAll(async () => site?.stop());

  const raise = async (id: string) => {
    const r = await site.call('POST', '/v1/alarms', {
      token,
      body: { alarm_id: '100.101', entity_instance_id: `host=${id}`, severity: 'major', reason_text: 'hot' },
    });
    expect([200, 201]).toContain(r.status);
    return r.body.uuid as string;
  };

  it('an error on /v1 carries sysinv error_message (faultstring = our message) after our error body', async () => {
    const r = await site.call('GET', '/v1/ihosts/no-such-host', { token });
    expect(r.status).toBe(404);
    expect(Object.keys(r.body)).toEqual(['error', 'error_message']);
    const inner = JSON.parse(r.body.error_message);
    expect(inner).toEqual({ faultstring: r.body.error.message, debuginfo: null });
    expect(inner.faultstring).toContain('no-such-host');
    const v3 = await site.call('GET', '/v3/users/nobody', { token });
    expect(v3.body.error_message).toBeUndefined();
  });

  it('DELETE with Content-Type application/octet-stream and no body is not refused (cgtsclient, fmclient)', async () => {
    const uuid = await raise('compat-del');
    const r = await site.call('DELETE', `/v1/alarms/${uuid}`, {
      token,
      headers: { 'content-type': 'application/octet-stream', 'content-length': '0' },
    });
    expect(r.status).toBe(204);
    const body = await site.call('POST', '/v1/alarms', {
      token,
      body: 'alarm',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(body.status).toBe(415);
  });

  it('a trailing slash names the same resource', async () => {
    const r = await site.call('GET', '/v1/ihosts/', { token });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.ihosts)).toBe(true);
  });

  it('query booleans True/true/1 and False/false/0 are accepted; others refused naming the parameter', async () => {
    await raise('compat-bool');
    for (const v of ['True', 'true', '1', 'False', 'false', '0']) {
      const r = await site.call('GET', `/v1/alarms?include_suppress=${v}`, { token });
      expect(r.status, v).toBe(200);
    }
    const bad = await site.call('GET', '/v1/alarms?include_suppress=maybe', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('include_suppress');
  });
});
