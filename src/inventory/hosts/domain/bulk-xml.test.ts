import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import { parseBulkXml } from './bulk-xml.ts';

const host = (inner = '') =>
  `<host><hostname>worker-1</hostname><personality>worker</personality><mgmt_mac>08:00:27:00:00:01</mgmt_mac>${inner}</host>`;

function refusal(xml: string): StarlingError {
  try {
    parseBulkXml(xml);
  } catch (e) {
    if (e instanceof StarlingError) return e;
    throw e;
  }
  throw new Error('parsed');
}

describe('parseBulkXml', () => {
  it('reads a host with its fields; entities of XML itself are decoded', () => {
    const [h] = parseBulkXml(`<?xml version="1.0"?><hosts>${host('<location>row A &amp; B</location><power_on/>')}</hosts>`);
    expect(h).toMatchObject({ hostname: 'worker-1', personality: 'worker', location: { locn: 'row A & B' }, power_on: true });
  });

  it.each([
    ['a DOCTYPE with an entity', `<!DOCTYPE hosts [<!ENTITY x "y">]><hosts>${host()}</hosts>`, 'file'],
    ['an external entity', `<!DOCTYPE hosts [<!ENTITY x SYSTEM "file:///etc/passwd">]><hosts>${host('<location>&x;</location>')}</hosts>`, 'file'],
    ['a parameter entity', `<!DOCTYPE hosts [<!ENTITY % p SYSTEM "http://x/y"> %p;]><hosts/>`, 'file'],
    ['deep nesting', `<hosts>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</hosts>`, 'file'],
    ['<__proto__>', `<hosts>${host('<__proto__><x>1</x></__proto__>')}</hosts>`, 'file'],
    ['malformed XML', '<hosts><host></hosts>', 'file'],
    ['no <hosts> root', '<nodes/>', 'file'],
    ['an unknown field', `<hosts>${host('<colour>red</colour>')}</hosts>`, 'colour'],
  ])('%s → VALIDATION_FAILED naming %s', (_what, xml, field) => {
    const e = refusal(xml);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe(field);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
