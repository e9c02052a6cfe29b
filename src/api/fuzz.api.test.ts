// The fuzz tier: malformed paths, queries and bodies to every route, as admin. Seeded and bounded
// (STARLING_FUZZ_SEED, STARLING_FUZZ_RUNS) so a failure replays; no answer may be a 5xx, and every
// 400 must name the field it is about.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, type RegisteredRoute } from './server.ts';
import { startSite, type TestSite } from '../../test/support/site.ts';

const SEED = Number(process.env.STARLING_FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.STARLING_FUZZ_RUNS ?? 2000);
const CONCURRENCY = 4;

const NASTY_TEXT = [
  '', '0', '-1', 'x', '%00', '%zz', '%ED%A0%80', '1e999', '99999999999999999999', '1.5', 'NaN', 'null', 'true',
  '2026-13-45T99:99:99Z', 'not-a-date', '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc', 'a'.repeat(300),
  '%F0%9F%98%80', 'uuid', 'timestamp', 'eyJ0IjoieCIsInMiOjF9', 'eyJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJzIjoxLjV9',
];
const textSegment = fc.oneof(fc.constantFrom(...NASTY_TEXT), fc.string({ maxLength: 20 }).map(encodeURIComponent));

const NASTY_JSON_TEXT = [
  '{"a":1e999}', '"\\ud800"', '{"name":"\\u0000"}', '', 'not json', '{"__proto__":{"x":1}}', 'null', '0', '[]',
  '['.repeat(20_000) + ']'.repeat(20_000), '{"a":' .repeat(40) + '1' + '}'.repeat(40),
];
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>('\u0000', 'a\u0000b', '\ud800', 0, -1, 1.5, 1e300, 'x'.repeat(5000), '1e999', '2026-13-45T99:99:99Z', [], {}, [[[]]], null, true, '12'),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

function keysOf(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

function requestFor(route: RegisteredRoute) {
  const segments = route.url.split('/').map((s) => (s.startsWith(':') ? textSegment : fc.constant(s)));
  const path = fc.tuple(...segments).map((parts) => parts.join('/'));
  const qKeys = [...keysOf(route.schema.querystring), 'q.field', 'q.value', 'marker', 'limit', 'junk'];
  const query = fc
    .array(fc.tuple(fc.constantFrom(...qKeys), textSegment), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&'));
  const bKeys = [...keysOf(route.schema.body), 'junk'];
  const body = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(...NASTY_JSON_TEXT),
    fc.dictionary(fc.constantFrom(...bKeys), nastyValue, { maxKeys: 5 }).map((o) => JSON.stringify(o)),
    nastyValue.map((v) => JSON.stringify(v)),
  );
  return fc.record({ path, query, body }).map((r) => ({ method: route.method, ...r, url: route.url }));
}

describe('fuzz: malformed input to every route', () => {
  let site: TestSite;
  let admin: string;

  beforeAll(async () => {
    site = await startSite();
    admin = await site.token();
  });
  afterAll(async () => site?.stop());

  it(`answers no 5xx and names the field of every 400 (seed ${SEED}, ${RUNS} requests)`, { timeout: 120_000 }, async () => {
    const routes = registeredRoutes(site.controller.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(40);
    const requests = fc.sample(fc.constantFrom(...routes).chain(requestFor), { seed: SEED, numRuns: RUNS });
    // Every route at least once, whatever the draw.
    for (const r of routes) requests.push(...fc.sample(requestFor(r), { seed: SEED, numRuns: 1 }));
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const r = requests[next++]!;
          const url = `${site.url}${r.path}${r.query === '' ? '' : `?${r.query}`}`;
          const ctl = new AbortController();
          const res = await fetch(url, {
            method: r.method,
            headers: { 'x-auth-token': admin, ...(r.body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(r.body === undefined || r.method === 'GET' ? {} : { body: r.body }),
            signal: ctl.signal,
          });
          if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
            ctl.abort();
            continue;
          }
          const text = await res.text();
          let field: unknown;
          try {
            field = (JSON.parse(text) as { error?: { field?: unknown } }).error?.field;
          } catch {
            field = undefined;
          }
          const what = `${r.method} ${r.url} as ${r.method} ${r.path}?${r.query} body ${String(r.body).slice(0, 120)} → ${res.status} ${text.slice(0, 160)}`;
          if (res.status >= 500) failures.push(what);
          else if (res.status === 400 && (typeof field !== 'string' || field === '')) failures.push(`no field: ${what}`);
        }
      }),
    );
    expect(failures.slice(0, 30), `${failures.length} failures (seed ${SEED})`).toEqual([]);
  });
});
