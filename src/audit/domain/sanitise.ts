// What an audit entry may hold once stored: text without NUL bytes or lone surrogates (PostgreSQL
// refuses both, and one refused entry used to fail the batch of every concurrent call), bounded
// lengths, and only strings, integers or null whatever type the caller sent.

export interface AuditRecord {
  kind: 'api' | 'cli';
  user_id: string | null;
  user_name: string | null;
  project_id: string | null;
  project_name: string | null;
  method: string | null;
  path: string | null;
  command: string | null;
  target: string | null;
  status: number;
  source: string | null;
  request_id: string | null;
  duration_ms: number | null;
}

type TextField = Exclude<keyof AuditRecord, 'kind' | 'status' | 'duration_ms'>;

/** Longest text kept per field, in characters: ids and names as Keystone bounds them (255), a
 *  path as long as any real route with its ids, a CLI command as its body schema allows. */
export const AUDIT_LIMITS: Record<TextField, number> = {
  user_id: 255,
  user_name: 255,
  project_id: 255,
  project_name: 255,
  method: 16,
  path: 2048,
  command: 4096,
  target: 1024,
  source: 255,
  request_id: 128,
};

const REPLACEMENT = '\uFFFD';
const ELLIPSIS = '…';

/** Any value as storable text: strings as they are, numbers and booleans written out, arrays and
 *  objects as JSON; NUL bytes and lone surrogates become U+FFFD; longer than `max` is cut with an
 *  ellipsis (never inside a surrogate pair). null and undefined stay null. */
export function sanitiseText(value: unknown, max: number): string | null {
  if (value === null || value === undefined) return null;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') s = String(value);
  else s = describe(value, max);
  // eslint-disable-next-line no-control-regex
  s = s.replace(/\u0000/g, REPLACEMENT).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, REPLACEMENT);
  if (s.length <= max) return s;
  let cut = max - ELLIPSIS.length;
  const last = s.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return s.slice(0, Math.max(cut, 0)) + ELLIPSIS;
}

/** JSON of an object or array, cut early: a 20,000-deep array must not cost its full text. */
function describe(value: unknown, max: number): string {
  try {
    const json = JSON.stringify(value) as string | undefined;
    return json === undefined ? typeof value : json.slice(0, max + 1);
  } catch {
    return `[${typeof value}]`;
  }
}

/** An integer column: a finite number rounded, anything else `fallback`. */
export function sanitiseInt(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return fallback;
  return Math.min(Math.max(Math.trunc(n), -2_147_483_648), 2_147_483_647);
}

/** A double column: a finite number, else null. */
export function sanitiseNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** An entry as the caller built it: any field may hold anything a client sent. */
export type RawAuditEntry = { [K in keyof AuditRecord]?: unknown };

/** The entry as it will be stored, whatever the fields held. */
export function sanitiseEntry(raw: RawAuditEntry): AuditRecord {
  const text = (f: TextField) => sanitiseText(raw[f], AUDIT_LIMITS[f]);
  return {
    kind: raw.kind === 'cli' ? 'cli' : 'api',
    user_id: text('user_id'),
    user_name: text('user_name'),
    project_id: text('project_id'),
    project_name: text('project_name'),
    method: text('method'),
    path: text('path'),
    command: text('command'),
    target: text('target'),
    status: sanitiseInt(raw.status, 0),
    source: text('source'),
    request_id: text('request_id'),
    duration_ms: sanitiseNumber(raw.duration_ms),
  };
}
