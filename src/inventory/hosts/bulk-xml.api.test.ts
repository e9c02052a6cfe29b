// host-bulk-add under stress: a 5,000-host file (every field filled) is accepted and parsed off
// the API's event loop, so /health keeps answering; a file over the limit is refused with 413
// before it is read; hostile XML (entities, DOCTYPE, prototype keys, deep nesting, garbage) is
// a 400 naming `file`, never a 500, and adds nothing.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkHostsXml } from '../../../test/support/bulk-hosts.ts';
import { startSite, type TestSite } from '../../../test/support/site.ts';
import { MAX_BULK_BYTES } from './bulk-xml-parse.ts';

describe('bulk add limits and hostile files', () => {
  let site: TestSite;
  let token: string;
  const xml = { 'content-type': 'application/xml' };
  const count = async () => ((await site.call('GET', '/v1/ihosts', { token })).body.ihosts as unknown[]).length;

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    const sys = (await site.call('GET', '/v1/isystems', { token })).body.isystems[0];
    await site.call('PATCH', `/v1/isystems/${sys.uuid}`, { token, body: [{ op: 'replace', path: '/system_mode', value: 'duplex' }] });
    const c0 = await site.call('POST', '/v1/agents/register', { token, body: { mgmt_mac: '02:00:00:ff:ff:ff', bootstrap_controller: true, inventory: {} } });
    expect(c0.body.operational).toBe('enabled');
  });
  afterAll(async () => site?.stop());

  it('a file over 8 MiB is refused with 413 before its body is sent', async () => {
    const before = await count();
    // Announce 9 MiB, send 1 KiB, and wait: the answer must come without the rest.
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const u = new URL('/v1/ihosts/bulk_add', site.url);
      const req = http.request(u, { method: 'POST', headers: { 'content-type': 'application/xml', 'content-length': 9 * 1024 * 1024, 'x-auth-token': token } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.write('<hosts>'.padEnd(1024, ' '));
      setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref();
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error.error_code).toBe('PAYLOAD_TOO_LARGE');
    expect(await count()).toBe(before);
  });

  const host = (inner = '') => `<host><hostname>h-1</hostname><personality>worker</personality><mgmt_mac>08:00:27:aa:00:01</mgmt_mac>${inner}</host>`;
  const hostile: [string, string][] = [
    ['an external entity', `<?xml version="1.0"?><!DOCTYPE hosts [<!ENTITY x SYSTEM "file:///etc/passwd">]><hosts>${host('<location>&x;</location>')}</hosts>`],
    ['a parameter entity', `<?xml version="1.0"?><!DOCTYPE hosts [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><hosts>${host()}</hosts>`],
    ['an entity expansion bomb', `<!DOCTYPE hosts [<!ENTITY a "${'x'.repeat(1000)}"><!ENTITY b "${'&a;'.repeat(1000)}"><!ENTITY c "${'&b;'.repeat(1000)}">]><hosts>${host('<location>&c;</location>')}</hosts>`],
    ['a <__proto__> element in a host', `<hosts>${host('<__proto__><polluted>yes</polluted></__proto__>')}</hosts>`],
    ['a <__proto__> element under <hosts>', `<hosts><__proto__><host>x</host></__proto__>${host()}</hosts>`],
    ['a <constructor> element', `<hosts>${host('<constructor>x</constructor>')}</hosts>`],
    ['50,000 nested elements', `<hosts>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</hosts>`],
    ['an unclosed element', `<hosts><host><hostname>h-1</hostname></hosts>`],
    ['binary garbage', '\u0000\u0001<hosts\u0000>>>'],
    ['an empty body', ' '],
  ];

  it.each(hostile)('%s → 400 naming a field of the file, nothing added', async (_what, body) => {
    const before = await count();
    const r = await site.call('POST', '/v1/ihosts/bulk_add', { token, body, headers: xml });
    expect(r.status).toBe(400);
    expect(r.body.error.error_code).toBe('VALIDATION_FAILED');
    expect(typeof r.body.error.field).toBe('string');
    expect(await count()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hostile XML sent as the `file` field of a form is refused the same way', async () => {
    const b = 'XyZ';
    const form = `--${b}\r\nContent-Disposition: form-data; name="file"; filename="hosts.xml"\r\nContent-Type: text/xml\r\n\r\n${hostile[0]![1]}\r\n--${b}--\r\n`;
    const r = await site.call('POST', '/v1/ihosts/bulk_add', { token, body: form, headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('file');
  });

  // Last: the other tests count the hosts before and after, which is slow with 5,000 of them.
  it('5,000 hosts (every field filled) fit the limit; /health answers quickly while they are parsed', async () => {
    const file = bulkHostsXml(5000);
    expect(file.length).toBeLessThan(MAX_BULK_BYTES);
    let done = false;
    const health: number[] = [];
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        const r = await fetch(`${site.url}/health`);
        await r.text();
        health.push(performance.now() - t);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const t = performance.now();
    const r = await site.call('POST', '/v1/ihosts/bulk_add', { token, body: file, headers: xml });
    const took = performance.now() - t;
    done = true;
    await probe;
    expect(r.status).toBe(201);
    expect(r.body.ihosts).toHaveLength(5000);
    const sorted = [...health].sort((a, b) => a - b);
    console.info(
      `5,000 hosts: ${(file.length / 1048576).toFixed(2)} MiB, bulk add ${took.toFixed(0)} ms; /health during it: ${health.length} probes, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`,
    );
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(100);
    expect(sorted.at(-1)!).toBeLessThan(1500);
  }, 120_000);
});
