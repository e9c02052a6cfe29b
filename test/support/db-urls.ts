// Where the test databases live. The external server is the machine's PostgreSQL (CI has one at
// 127.0.0.1:5432 with trust auth); STARLING_TEST_EXTERNAL_URL points elsewhere.

export const EXTERNAL_URL = process.env.STARLING_TEST_EXTERNAL_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Backend = 'embedded' | 'external';

export const backend = (): Backend => (process.env.STARLING_TEST_BACKEND === 'external' ? 'external' : 'embedded');

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
