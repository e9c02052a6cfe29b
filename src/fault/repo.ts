// Fault tables: alarms, event_log, event_suppression, snmp_trap_destinations.

import type { Db, Queryable } from '../db/index.ts';
import { QUERY_OPS, severityRank, type Filter } from './domain/query.ts';
import type { Alarm, EventLogEntry } from './domain/model.ts';
import type { LogRecord } from './domain/raise.ts';

export const ALARM_COLS = [
  'alarm_id',
  'entity_type_id',
  'entity_instance_id',
  'severity',
  'reason_text',
  'alarm_type',
  'probable_cause',
  'proposed_repair_action',
  'service_affecting',
  'suppression',
  'inhibit_alarms',
  'mgmt_affecting',
  'degrade_affecting',
  'timestamp',
] as const;

export const EVENT_COLS = [
  'uuid',
  'event_log_id',
  'state',
  'entity_type_id',
  'entity_instance_id',
  'severity',
  'reason_text',
  'event_log_type',
  'probable_cause',
  'proposed_repair_action',
  'service_affecting',
  'suppression',
  'timestamp',
] as const;

export interface AlarmRow extends Alarm {
  seq: number;
  suppression_status: 'suppressed' | 'unsuppressed';
}

/** The suppression status of alias `t`'s alarm id: a subquery evaluated per returned row only. */
const STATUS = (t: string, col = 'alarm_id'): string =>
  `COALESCE((SELECT x.suppression_status FROM event_suppression x WHERE x.alarm_id = ${t}.${col}), 'unsuppressed')`;
/** "Not suppressed", written so the planner estimates it well (a COALESCE over a join was
 *  misjudged 200-fold at 100,000 alarms and chose a parallel sort: 48 ms instead of 0.5). A hashed
 *  NOT IN list (tried in issue 5) made the alarm_id filter walk the time index through every
 *  newer alarm when that id's alarms are the oldest: 42 ms p50 instead of 2.6 in bench/fault.ts. */
const UNSUPPRESSED = (t: string, col = 'alarm_id'): string =>
  `NOT EXISTS (SELECT 1 FROM event_suppression x WHERE x.alarm_id = ${t}.${col} AND x.suppression_status = 'suppressed')`;

const SELECT_ALARM = `SELECT a.uuid, a.seq, 'set' AS alarm_state, ${ALARM_COLS.map((c) => `a.${c}`).join(', ')},
        ${STATUS('a')} AS suppression_status
   FROM alarms a`;

type DbAlarm = Omit<AlarmRow, 'timestamp'> & { timestamp: Date };
const toAlarm = (r: DbAlarm): AlarmRow => ({ ...r, timestamp: r.timestamp.toISOString() });

export interface UpsertResult {
  alarm: AlarmRow;
  inserted: boolean;
  /** Severity or reason changed (a repeat set with the same facts changes nothing else). */
  changed: boolean;
}

/** ISO 8601 UTC text of a timestamptz, as the API shows times. */
const ISO = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The notification of an event row `ev` (free text trimmed: NOTIFY payloads stop at 8000 bytes). */
const NOTIFY = (kind: string, alarmUuid: string, ev = 'ev'): string =>
  `pg_notify('starling_fault', json_build_object(
     'kind', '${kind}', 'alarm_uuid', ${alarmUuid},
     'event', to_jsonb(${ev}) - 'seq' || jsonb_build_object('timestamp', ${ISO(`${ev}.timestamp`)},
              'reason_text', left(${ev}.reason_text, 2000), 'proposed_repair_action', left(${ev}.proposed_repair_action, 1000)),
     'suppression_status', ${STATUS(ev, 'event_log_id')})::text)`;

const EVENT_FROM = (t: string, state: 'set' | 'clear', uuidExpr: string, atExpr: string): string =>
  `SELECT ${uuidExpr}, ${t}.alarm_id, '${state}', ${t}.entity_type_id, ${t}.entity_instance_id, ${state === 'clear' ? `'clear'` : `${t}.severity`},
          ${t}.reason_text, ${t}.alarm_type, ${t}.probable_cause, ${t}.proposed_repair_action, ${t}.service_affecting, ${t}.suppression, ${atExpr}`;

/** PostgreSQL types of the alarm columns, for passing them as arrays (unnest). */
export const ALARM_COL_TYPES: Record<(typeof ALARM_COLS)[number], string> = {
  alarm_id: 'text',
  entity_type_id: 'text',
  entity_instance_id: 'text',
  severity: 'text',
  reason_text: 'text',
  alarm_type: 'text',
  probable_cause: 'text',
  proposed_repair_action: 'text',
  service_affecting: 'boolean',
  suppression: 'boolean',
  inhibit_alarms: 'boolean',
  mgmt_affecting: 'boolean',
  degrade_affecting: 'boolean',
  timestamp: 'timestamptz',
};

export interface RaiseWrite {
  uuid: string;
  eventUuid: string;
  alarm: Omit<Alarm, 'uuid'>;
}

export interface ClearWrite {
  alarm_id: string;
  entity_instance_id: string;
  at: Date;
}

const NC = ALARM_COLS.length;
const WRITE_SQL = `WITH r AS (
   SELECT * FROM unnest($1::uuid[], $2::uuid[], ${ALARM_COLS.map((c, i) => `$${i + 3}::${ALARM_COL_TYPES[c]}[]`).join(', ')})
            AS r(uuid, ev_uuid, ${ALARM_COLS.join(', ')})
 ), c AS (
   SELECT * FROM unnest($${NC + 3}::text[], $${NC + 4}::text[], $${NC + 5}::timestamptz[]) AS c(alarm_id, entity_instance_id, at)
 ), old AS (
   SELECT a.alarm_id, a.entity_instance_id, a.severity, a.reason_text
     FROM alarms a JOIN r ON a.alarm_id = r.alarm_id AND a.entity_instance_id = r.entity_instance_id
      FOR UPDATE OF a
 ), src AS (
   -- Joined before the upsert reads it: the old facts of alarm k are read (and locked) before
   -- alarm k is written, whatever order the planner runs the CTEs in.
   SELECT r.*, (o.alarm_id IS NULL OR o.severity <> r.severity OR o.reason_text <> r.reason_text) AS changed
     FROM r LEFT JOIN old o ON o.alarm_id = r.alarm_id AND o.entity_instance_id = r.entity_instance_id
 ), up AS (
   INSERT INTO alarms (uuid, ${ALARM_COLS.join(', ')})
   SELECT uuid, ${ALARM_COLS.join(', ')} FROM src
   ON CONFLICT (alarm_id, entity_instance_id) DO UPDATE SET
     ${ALARM_COLS.filter((c) => c !== 'alarm_id' && c !== 'entity_instance_id')
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')},
     updated_at = now()
   RETURNING *, (xmax = 0) AS inserted
 ), set_ev AS (
   INSERT INTO event_log (${EVENT_COLS.join(', ')})
   ${EVENT_FROM('u', 'set', 's.ev_uuid', 'u.timestamp')}
     FROM up u JOIN src s ON s.alarm_id = u.alarm_id AND s.entity_instance_id = u.entity_instance_id
    WHERE s.changed
   RETURNING *
 ), gone AS (
   DELETE FROM alarms a USING c WHERE a.alarm_id = c.alarm_id AND a.entity_instance_id = c.entity_instance_id
   RETURNING a.*, c.at AS cleared_at
 ), clear_ev AS (
   INSERT INTO event_log (${EVENT_COLS.join(', ')}) ${EVENT_FROM('g', 'clear', 'gen_random_uuid()', 'g.cleared_at')} FROM gone g
   RETURNING *
 ), sent AS (
   SELECT ${NOTIFY('alarm-set', 'u.uuid')} FROM set_ev ev JOIN up u ON u.alarm_id = ev.event_log_id AND u.entity_instance_id = ev.entity_instance_id
   UNION ALL
   SELECT ${NOTIFY('alarm-clear', 'g.uuid')} FROM clear_ev ev JOIN gone g ON g.alarm_id = ev.event_log_id AND g.entity_instance_id = ev.entity_instance_id
 )
 SELECT true AS raised, u.uuid, u.seq, 'set' AS alarm_state, ${ALARM_COLS.map((c) => `u.${c}`).join(', ')}, ${STATUS('u')} AS suppression_status,
        u.inserted, s.changed, (SELECT count(*) FROM sent) AS notified
   FROM up u JOIN src s ON s.alarm_id = u.alarm_id AND s.entity_instance_id = u.entity_instance_id
 UNION ALL
 SELECT false, g.uuid, g.seq, 'set', ${ALARM_COLS.map((c) => `g.${c}`).join(', ')}, ${STATUS('g')},
        false, true, (SELECT count(*) FROM sent)
   FROM gone g`;

const writeKey = (alarmId: string, entityInstanceId: string): string => `${alarmId}\u0000${entityInstanceId}`;

/**
 * Raises and clears of distinct alarms in one statement (one round trip, atomic, no transaction
 * block): upserts on (alarm_id, entity_instance_id) with a set event when the alarm is new or its
 * severity or text changed, deletes with a clear event, and a notification per event. Results come
 * back in the order given; a clear of an alarm that is not there gives undefined. Two writes of
 * one alarm must not share a call (the caller batches them apart).
 */
export async function writeAlarms(
  db: Db,
  raises: RaiseWrite[],
  clears: ClearWrite[],
): Promise<{ raised: UpsertResult[]; cleared: (AlarmRow | undefined)[] }> {
  const { rows } = await db.prepared<
    DbAlarm & { raised: boolean; inserted: boolean; changed: boolean; notified: number }
  >('fault_write_alarms', WRITE_SQL, [
    raises.map((w) => w.uuid),
    raises.map((w) => w.eventUuid),
    ...ALARM_COLS.map((c) => raises.map((w) => w.alarm[c])),
    clears.map((w) => w.alarm_id),
    clears.map((w) => w.entity_instance_id),
    clears.map((w) => w.at),
  ]);
  const up = new Map<string, UpsertResult>();
  const gone = new Map<string, AlarmRow>();
  for (const { raised, inserted, changed, notified: _n, ...a } of rows) {
    const alarm = toAlarm(a);
    if (raised) up.set(writeKey(a.alarm_id, a.entity_instance_id), { alarm, inserted, changed });
    else gone.set(writeKey(a.alarm_id, a.entity_instance_id), alarm);
  }
  return {
    raised: raises.map((w) => {
      const r = up.get(writeKey(w.alarm.alarm_id, w.alarm.entity_instance_id));
      if (!r)
        throw new Error(`the raise of ${w.alarm.alarm_id} on ${w.alarm.entity_instance_id} returned no row`);
      return r;
    }),
    cleared: clears.map((w) => gone.get(writeKey(w.alarm_id, w.entity_instance_id))),
  };
}

export async function getAlarm(q: Queryable, uuid: string): Promise<AlarmRow | undefined> {
  const r = (await q.query<DbAlarm>(`${SELECT_ALARM} WHERE a.uuid = $1`, [uuid])).rows[0];
  return r && toAlarm(r);
}

/** The active alarms with one of `alarmIds` on an entity or below it (`host=x`, `host=x.network=mgmt`). */
export async function activeAlarmsOf(
  q: Queryable,
  entity: string,
  alarmIds: readonly string[],
): Promise<{ alarm_id: string; entity_instance_id: string }[]> {
  const r = await q.query<{ alarm_id: string; entity_instance_id: string }>(
    `SELECT alarm_id, entity_instance_id FROM alarms
      WHERE alarm_id = ANY($2) AND (entity_instance_id = $1 OR entity_instance_id LIKE $3)`,
    [entity, alarmIds, `${likeEscape(entity)}.%`],
  );
  return r.rows;
}

export async function activeAlarmsWithIds(q: Queryable, alarmIds: readonly string[]): Promise<{ alarm_id: string; entity_instance_id: string }[]> {
  return (
    await q.query<{ alarm_id: string; entity_instance_id: string }>('SELECT alarm_id, entity_instance_id FROM alarms WHERE alarm_id = ANY($1)', [alarmIds])
  ).rows;
}

/** Clears matching alarms (with their clear events and notifications) and returns them.
 *  `prefix`: the entity and everything below it. */
export async function deleteAlarms(
  q: Queryable,
  m: { uuid?: string; alarm_id?: string; entity_instance_id?: string; prefix?: boolean },
  at: Date,
): Promise<AlarmRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown): void => {
    params.push(v);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (m.uuid !== undefined) add('uuid = ?', m.uuid);
  if (m.alarm_id !== undefined) add('alarm_id = ?', m.alarm_id);
  if (m.entity_instance_id !== undefined) {
    if (m.prefix) {
      params.push(m.entity_instance_id);
      const n = params.length;
      params.push(`${likeEscape(m.entity_instance_id)}.%`);
      where.push(`(entity_instance_id = $${n} OR entity_instance_id LIKE $${params.length})`);
    } else add('entity_instance_id = ?', m.entity_instance_id);
  }
  if (where.length === 0) throw new Error('deleteAlarms needs a condition');
  params.push(at);
  // One statement: delete, append a clear event per alarm, notify each.
  const r = await q.query<DbAlarm & { notified: number }>(
    `WITH gone AS (DELETE FROM alarms WHERE ${where.join(' AND ')} RETURNING *),
     ev AS (
       INSERT INTO event_log (${EVENT_COLS.join(', ')}) ${EVENT_FROM('gone', 'clear', 'gen_random_uuid()', `$${params.length}::timestamptz`)} FROM gone
       RETURNING *
     ),
     sent AS (
       SELECT ${NOTIFY('alarm-clear', 'g.uuid')} FROM ev JOIN gone g ON g.alarm_id = ev.event_log_id AND g.entity_instance_id = ev.entity_instance_id
     )
     SELECT g.uuid, g.seq, 'set' AS alarm_state, ${ALARM_COLS.map((c) => `g.${c}`).join(', ')}, ${STATUS('g')} AS suppression_status,
            (SELECT count(*) FROM sent) AS notified
       FROM gone g ORDER BY g.seq`,
    params,
  );
  return r.rows.map(({ notified: _n, ...a }) => toAlarm(a));
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const SORT_KEYS = {
  timestamp: 'timestamp',
  severity: 'severity_rank',
  alarm_id: 'alarm_id',
  entity_instance_id: 'entity_instance_id',
} as const;
export type SortKey = keyof typeof SORT_KEYS;

/** Where the previous page ended: its last row's sort value, timestamp (the tie-break of the
 *  other keys, ISO text) and seq. */
export interface PageEnd {
  value: string | number;
  timestamp: string;
  seq: number;
}

export interface Page {
  limit: number;
  /** Keyset cursor: the last row seen. */
  after?: PageEnd;
  sortKey: SortKey;
  sortDir: 'asc' | 'desc';
}

function filterSql(
  filters: Filter[],
  params: unknown[],
  table: string,
  columns: Record<string, string>,
): string[] {
  return filters.map((f) => {
    const col = columns[f.field] ?? f.field;
    if (f.field === 'severity' && col === 'severity_rank') {
      params.push(severityRank(f.value));
    } else params.push(f.value);
    return `${table}.${col} ${QUERY_OPS[f.op]} $${params.length}`;
  });
}

export interface AlarmListOptions {
  filters: Filter[];
  includeSuppressed: boolean;
  mgmtAffecting?: boolean;
  page: Page;
}

/** The page's WHERE, ORDER BY and LIMIT over alias `a`, with their parameters. */
function alarmPage(o: AlarmListOptions): { where: string; order: string; limit: string; params: unknown[] } {
  const params: unknown[] = [];
  const where = filterSql(o.filters, params, 'a', { severity: 'severity_rank' });
  if (!o.includeSuppressed) where.push(UNSUPPRESSED('a'));
  if (o.mgmtAffecting !== undefined) {
    params.push(o.mgmtAffecting);
    where.push(`a.mgmt_affecting = $${params.length}`);
  }
  // Rows sort by the key, then newest first (timestamp, seq): the order of each key's index.
  const dir = o.page.sortDir;
  const cols =
    o.page.sortKey === 'timestamp'
      ? ['a.timestamp', 'a.seq']
      : [`a.${SORT_KEYS[o.page.sortKey]}`, 'a.timestamp', 'a.seq'];
  if (o.page.after) {
    const { value, timestamp, seq } = o.page.after;
    const values =
      o.page.sortKey === 'timestamp' ? [new Date(timestamp), seq] : [value, new Date(timestamp), seq];
    const refs = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    where.push(`(${cols.join(', ')}) ${dir === 'desc' ? '<' : '>'} (${refs.join(', ')})`);
  }
  params.push(o.page.limit);
  return {
    where: where.length ? `WHERE ${where.join(' AND ')}` : '',
    order: cols.map((c) => `${c} ${dir}`).join(', '),
    limit: `LIMIT $${params.length}`,
    params,
  };
}

/** A page of alarms. The timestamps come as ISO text (PostgreSQL formats them): parsing 1,000
 *  into Dates and formatting them again cost ~1.5 ms of the controller's CPU per page. */
export async function listAlarms(q: Queryable, o: AlarmListOptions): Promise<AlarmRow[]> {
  const p = alarmPage(o);
  const r = await q.query<AlarmRow>(
    `SELECT a.uuid, a.seq, 'set' AS alarm_state, ${ALARM_COLS.map((c) => (c === 'timestamp' ? `${ISO('a.timestamp')} AS timestamp` : `a.${c}`)).join(', ')},
            ${STATUS('a')} AS suppression_status
       FROM alarms a ${p.where} ORDER BY ${p.order} ${p.limit}`,
    p.params,
  );
  return r.rows;
}

/** Where a page ending with row `a` ends, for the next page's cursor. */
export function pageEnd(a: AlarmRow, key: SortKey): PageEnd {
  const value = key === 'severity' ? severityRank(a.severity) : key === 'timestamp' ? a.timestamp : a[key];
  return { value, timestamp: a.timestamp, seq: a.seq };
}

export async function countBySeverity(
  q: Queryable,
  includeSuppressed: boolean,
): Promise<Record<string, number>> {
  const r = await q.query<{ severity: string; n: number }>(
    `SELECT a.severity, count(*)::int AS n FROM alarms a ${includeSuppressed ? '' : `WHERE ${UNSUPPRESSED('a')}`} GROUP BY a.severity`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.severity, x.n]));
}

// --- event log -------------------------------------------------------------------------------------

export type EventRow = EventLogEntry & { seq: number; suppression_status: 'suppressed' | 'unsuppressed' };
type DbEvent = Omit<EventRow, 'timestamp'> & { timestamp: Date };
const toEvent = (r: DbEvent): EventRow => ({ ...r, timestamp: r.timestamp.toISOString() });

export async function insertEvent(q: Queryable, e: EventLogEntry): Promise<EventRow> {
  const r = await q.query<DbEvent>(
    `WITH ins AS (INSERT INTO event_log (${EVENT_COLS.join(', ')}) VALUES (${EVENT_COLS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *)
     SELECT ins.seq, ${EVENT_COLS.map((c) => `ins.${c}`).join(', ')}, ${STATUS('ins', 'event_log_id')} AS suppression_status FROM ins`,
    EVENT_COLS.map((c) => e[c]),
  );
  return toEvent(r.rows[0]!);
}

export function eventFromLog(uuid: string, l: LogRecord): EventLogEntry {
  return {
    uuid,
    event_log_id: l.event_log_id,
    state: 'log',
    entity_type_id: l.entity_type_id,
    entity_instance_id: l.entity_instance_id,
    severity: l.severity,
    reason_text: l.reason_text,
    event_log_type: l.event_log_type,
    probable_cause: l.probable_cause,
    proposed_repair_action: '',
    service_affecting: l.service_affecting,
    suppression: false,
    timestamp: l.timestamp,
  };
}

export async function getEvent(q: Queryable, uuid: string): Promise<EventRow | undefined> {
  const r = (
    await q.query<DbEvent>(
      `SELECT e.seq, ${EVENT_COLS.map((c) => `e.${c}`).join(', ')}, ${STATUS('e', 'event_log_id')} AS suppression_status
         FROM event_log e WHERE e.uuid = $1`,
      [uuid],
    )
  ).rows[0];
  return r && toEvent(r);
}

export async function listEvents(
  q: Queryable,
  o: {
    filters: Filter[];
    kinds: ('alarms' | 'logs')[];
    includeSuppressed: boolean;
    limit: number;
    after?: { timestamp: string; seq: number };
  },
): Promise<EventRow[]> {
  const params: unknown[] = [];
  const where = filterSql(o.filters, params, 'e', {});
  if (o.kinds.length === 1)
    where.push(o.kinds[0] === 'alarms' ? `e.state IN ('set', 'clear')` : `e.state = 'log'`);
  if (!o.includeSuppressed) where.push(UNSUPPRESSED('e', 'event_log_id'));
  if (o.after) {
    params.push(new Date(o.after.timestamp), o.after.seq);
    where.push(`(e.timestamp, e.seq) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(o.limit);
  const r = await q.query<DbEvent>(
    `SELECT e.seq, ${EVENT_COLS.map((c) => `e.${c}`).join(', ')}, ${STATUS('e', 'event_log_id')} AS suppression_status
       FROM event_log e
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.timestamp DESC, e.seq DESC LIMIT $${params.length}`,
    params,
  );
  return r.rows.map(toEvent);
}

/**
 * Retention: drops events beyond the newest `maxCount` or older than `maxAgeSeconds`, but never
 * the set events of alarms still active (the record of why an active alarm exists).
 */
export async function purgeEvents(
  q: Queryable,
  maxCount: number,
  maxAgeSeconds: number,
  now: Date,
): Promise<number> {
  const r = await q.query(
    `DELETE FROM event_log e
      WHERE (e.seq <= (SELECT seq FROM event_log ORDER BY seq DESC OFFSET $1 LIMIT 1)
             OR e.timestamp < $2::timestamptz - make_interval(secs => $3))
        AND NOT (e.state = 'set' AND EXISTS (
              SELECT 1 FROM alarms a WHERE a.alarm_id = e.event_log_id AND a.entity_instance_id = e.entity_instance_id))`,
    [maxCount, now, maxAgeSeconds],
  );
  return r.rowCount ?? 0;
}

// --- suppression -----------------------------------------------------------------------------------

export interface SuppressionRow {
  uuid: string;
  alarm_id: string;
  description: string;
  suppression_status: 'suppressed' | 'unsuppressed';
}

export async function seedSuppression(
  q: Queryable,
  rows: { uuid: string; alarm_id: string; description: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO event_suppression (uuid, alarm_id, description)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
     ON CONFLICT (alarm_id) DO UPDATE SET description = EXCLUDED.description`,
    [rows.map((r) => r.uuid), rows.map((r) => r.alarm_id), rows.map((r) => r.description)],
  );
}

export async function listSuppression(q: Queryable): Promise<SuppressionRow[]> {
  return (
    await q.query<SuppressionRow>(
      'SELECT uuid, alarm_id, description, suppression_status FROM event_suppression ORDER BY alarm_id',
    )
  ).rows;
}

export async function setSuppression(
  q: Queryable,
  match: { uuid?: string; alarm_id?: string },
  status: 'suppressed' | 'unsuppressed',
  at: Date,
): Promise<SuppressionRow | undefined> {
  const [col, v] = match.uuid !== undefined ? ['uuid::text', match.uuid] : ['alarm_id', match.alarm_id];
  return (
    await q.query<SuppressionRow>(
      `UPDATE event_suppression SET suppression_status = $2, updated_at = $3 WHERE ${col} = $1
       RETURNING uuid, alarm_id, description, suppression_status`,
      [v, status, at],
    )
  ).rows[0];
}
