// Bad input answers 400 naming the field, never 500: each case below was a 500 once (NUL bytes,
// non-uuid ids against uuid columns, forged paging markers, 1e999, a lone surrogate, deep nesting,
// a number where a name belongs).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authBody, startSite, type TestSite } from '../../test/support/site.ts';

const cursor = (c: object): string => Buffer.from(JSON.stringify(c)).toString('base64url');
const GOOD_TIME = '2026-01-01T00:00:00.000Z';

describe('bad input: 400 naming the field', () => {
  let site: TestSite;
  let admin: string;

  beforeAll(async () => {
    site = await startSite();
    admin = await site.token();
  });
  afterAll(async () => site?.stop());

  const login = async (name: string) => {
    const body = await authBody('admin', 'x');
    body.auth.identity.password.user.name = name;
    return body;
  };

  const cases: [string, string, string, () => unknown, string][] = [
    ['a NUL byte in the path', 'DELETE', '/v1/ihosts/%00', () => undefined, 'host_id'],
    ['a NUL byte in a JSON string', 'POST', '/v1/alarms', () => ({ alarm_id: '100.101', entity_instance_id: 'host=a\u0000', severity: 'major' }), '/entity_instance_id'],
    ['a NUL byte in a login name', 'POST', '/v3/auth/tokens', () => login('ad\u0000min'), '/auth/identity/password/user/name'],
    ['a non-uuid alarm id', 'DELETE', '/v1/alarms/0', () => undefined, 'alarm_uuid'],
    ['a non-uuid value for the uuid field', 'GET', '/v1/alarms?q.field=uuid&q.value=x', () => undefined, 'q.value'],
    ['a non-uuid value for the uuid field of the event log', 'GET', '/v1/event_log?q.field=uuid&q.value=x', () => undefined, 'q.value'],
    ['an event log cursor with a bad time', 'GET', `/v1/event_log?marker=${cursor({ t: '2026-13-45T99:99:99Z', s: 1 })}`, () => undefined, 'marker'],
    ['an event log cursor with a fractional number', 'GET', `/v1/event_log?marker=${cursor({ t: GOOD_TIME, s: 1.5 })}`, () => undefined, 'marker'],
    ['an event log cursor with a huge number', 'GET', `/v1/event_log?marker=${cursor({ t: GOOD_TIME, s: 1e20 })}`, () => undefined, 'marker'],
    ['an alarm cursor with a bad time', 'GET', `/v1/alarms?marker=${cursor({ k: 'timestamp', d: 'desc', v: GOOD_TIME, t: 'yesterday 25:00', s: 1 })}`, () => undefined, 'marker'],
    ['an alarm cursor with a huge number', 'GET', `/v1/alarms?marker=${cursor({ k: 'timestamp', d: 'desc', v: GOOD_TIME, t: GOOD_TIME, s: 1e300 })}`, () => undefined, 'marker'],
    ['an audit marker of 20 digits', 'GET', '/v1/audit_logs?marker=99999999999999999999', () => undefined, 'marker'],
    ['1e999 for an integer in a query', 'GET', '/v1/audit_logs?limit=1e999', () => undefined, 'limit'],
    ['1e999 for an integer in a body', 'POST', '/v1/audit_logs', () => '{"command":"starling system show","exit_code":1e999}', '/exit_code'],
    ['the number 0 as a hostname', 'POST', '/v1/ihosts', () => ({ hostname: 0, personality: 'worker' }), '/hostname'],
    ['a number sent as a string', 'POST', '/v1/audit_logs', () => ({ command: 'starling system show', exit_code: '0' }), '/exit_code'],
    ['a lone surrogate', 'POST', '/v1/ihosts', () => '{"hostname":"\\ud800","personality":"worker"}', '/hostname'],
    ['20,000-deep nesting', 'POST', '/v1/alarms', () => '['.repeat(20_000) + ']'.repeat(20_000), '/'],
  ];

  it.each(cases)('%s', async (_, method, path, body, field) => {
    const b = await body();
    const r = await site.call(method, path, { token: admin, ...(b === undefined ? {} : { body: b }) });
    expect({ status: r.status, field: r.body?.error?.field }).toEqual({ status: 400, field: expect.stringContaining(field) });
    expect(r.body.error.error_code).toMatch(/^(VALIDATION_FAILED|BAD_REQUEST)$/);
  });
});
