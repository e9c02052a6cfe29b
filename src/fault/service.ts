// Fault management use-cases: raise, clear and log (the alarm port every engine and agent uses),
// the alarm list and summary, the event log with its retention, and suppression. Every change is
// one transaction that also appends to the event log and notifies subscribers (LISTEN/NOTIFY, so
// subscribers in any controller process see every change once it is committed).

import { badText } from '../api/input.ts';
import type { Clock } from '../common/clock.ts';
import { StarlingError } from '../common/errors.ts';
import { newUuid } from '../common/ids.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Catalog } from './domain/catalog.ts';
import type { EventLogEntry } from './domain/model.ts';
import { matchesFilters, parseQuery, type Filter } from './domain/query.ts';
import {
  alarmFromRaise,
  checkEntityInstanceId,
  logFromInput,
  type LogInput,
  type RaiseInput,
} from './domain/raise.ts';
import { summarize, type AlarmSummary } from './domain/summary.ts';
import { WriteQueue, type BatchStats } from './write-queue.ts';
import {
  activeAlarmsOf,
  activeAlarmsWithIds,
  countBySeverity,
  deleteAlarms,
  eventFromLog,
  getAlarm,
  getEvent,
  insertEvent,
  listAlarms,
  listEvents,
  listSuppression,
  purgeEvents,
  seedSuppression,
  setSuppression,
  pageEnd,
  SORT_KEYS,
  writeAlarms,
  type ClearWrite,
  type RaiseWrite,
  type UpsertResult,
  type AlarmRow,
  type EventRow,
  type PageEnd,
  type SortKey,
  type SuppressionRow,
} from './repo.ts';

export const NOTIFY_CHANNEL = 'starling_fault';

/** What subscribers (the alarm stream, SNMP traps) receive for every change. */
export type FaultNotification =
  | {
      kind: 'alarm-set' | 'alarm-clear' | 'log';
      alarm_uuid: string | null;
      event: EventLogEntry;
      suppression_status: string;
    }
  | { kind: 'suppression'; alarm_id: string; suppression_status: string };

export const ALARM_QUERY_FIELDS = [
  'alarm_id',
  'alarm_type',
  'entity_type_id',
  'entity_instance_id',
  'severity',
  'probable_cause',
  'uuid',
] as const;
export const EVENT_QUERY_FIELDS = [
  'event_log_id',
  'event_log_type',
  'entity_type_id',
  'entity_instance_id',
  'severity',
  'state',
  'uuid',
] as const;

export interface AlarmListQuery {
  'q.field'?: string | string[];
  'q.op'?: string | string[];
  'q.value'?: string | string[];
  include_suppress?: boolean;
  mgmt_affecting?: boolean;
  limit?: number;
  marker?: string;
  sort_key?: SortKey;
  sort_dir?: 'asc' | 'desc';
}

export interface EventListQuery {
  'q.field'?: string | string[];
  'q.op'?: string | string[];
  'q.value'?: string | string[];
  alarms?: boolean;
  logs?: boolean;
  include_suppress?: boolean;
  limit?: number;
  marker?: string;
}

export interface RetentionOptions {
  /** Newest events kept. */
  maxCount: number;
  /** Older events are dropped (seconds). */
  maxAgeSeconds: number;
}

/** The in-process alarm port: how engines (maintenance, HA, orchestration…) report faults. */
export interface AlarmPort {
  raise(input: RaiseInput): Promise<{ alarm: AlarmRow; created: boolean }>;
  clear(alarmId: string, entityInstanceId: string): Promise<AlarmRow[]>;
  clearEntity(entityInstanceIdPrefix: string): Promise<AlarmRow[]>;
  log(input: LogInput): Promise<EventRow>;
  /** The active alarms with one of `alarmIds` on the entity or below it (an engine learns what it
   *  raised before, e.g. before a restart, from here rather than from memory). */
  active(entity: string, alarmIds: readonly string[]): Promise<{ alarm_id: string; entity_instance_id: string }[]>;
}

const encodeCursor = (c: object): string => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor<T>(s: string, check: (v: unknown) => v is T): T | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return check(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A forged cursor must not reach the database: an ISO time it can store, a safe integer seq. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const isCursorTime = (t: unknown): t is string => typeof t === 'string' && ISO_TIME.test(t) && !Number.isNaN(Date.parse(t));
const isCursorSeq = (s: unknown): s is number => Number.isSafeInteger(s) && (s as number) >= 0;

/** A next link's marker: sort key and direction, then the last row's sort value, timestamp, seq. */
interface AlarmCursor {
  k: SortKey;
  d: 'asc' | 'desc';
  v: string | number;
  t: string;
  s: number;
}
const isAlarmCursor = (v: unknown): v is AlarmCursor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as AlarmCursor).k === 'string' &&
  (v as AlarmCursor).k in SORT_KEYS &&
  (typeof (v as AlarmCursor).v === 'string' || typeof (v as AlarmCursor).v === 'number') &&
  isCursorTime((v as AlarmCursor).t) &&
  isCursorSeq((v as AlarmCursor).s) &&
  (typeof (v as AlarmCursor).v === 'string' ? badText((v as AlarmCursor).v as string) === undefined : Number.isFinite((v as AlarmCursor).v));
const isEventCursor = (v: unknown): v is { t: string; s: number } =>
  typeof v === 'object' && v !== null && isCursorTime((v as { t: unknown }).t) && isCursorSeq((v as { s: unknown }).s);

/** One alarm write for the queue: a raise or clear of one alarm (batched), or any other clear
 *  (a subtree, by uuid, by alarm id alone), which runs alone. */
type AlarmWrite =
  | ({ kind: 'raise' } & RaiseWrite)
  | ({ kind: 'clear' } & ClearWrite)
  | { kind: 'alone'; run: () => Promise<AlarmRow[]> };
type AlarmWriteResult = UpsertResult | AlarmRow[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class FaultService implements AlarmPort {
  /** Every alarm change goes through here: concurrent raises and clears share statements. */
  private readonly writes: WriteQueue<AlarmWrite, AlarmWriteResult>;

  /**
   * @param events the pool for alarm and event writes: may commit asynchronously (see ADR 3) —
   *   a crash can lose the last fraction of a second of them, which the monitors raise again.
   */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly catalog: Catalog,
    private readonly retention: RetentionOptions,
    private readonly events: Db = db,
  ) {
    this.writes = new WriteQueue(
      (ops) => this.applyWrites(ops),
      (op) =>
        op.kind === 'raise'
          ? `${op.alarm.alarm_id}\u0000${op.alarm.entity_instance_id}`
          : op.kind === 'clear'
            ? `${op.alarm_id}\u0000${op.entity_instance_id}`
            : undefined,
    );
  }

  /** Alarm writes (raises and clears) applied so far, and the statements they took. */
  writeStats(): BatchStats {
    return this.writes.stats();
  }

  private async applyWrites(ops: AlarmWrite[]): Promise<AlarmWriteResult[]> {
    const [first] = ops;
    if (ops.length === 1 && first?.kind === 'alone') return [await first.run()];
    const raises: RaiseWrite[] = [];
    const clears: ClearWrite[] = [];
    for (const op of ops) {
      if (op.kind === 'raise') raises.push(op);
      else if (op.kind === 'clear') clears.push(op);
      else throw new Error('an alarm write that runs alone was batched');
    }
    const { raised, cleared } = await writeAlarms(this.events, raises, clears);
    let r = 0;
    let c = 0;
    return ops.map((op) => {
      if (op.kind === 'raise') return raised[r++]!;
      const gone = cleared[c++];
      return gone ? [gone] : [];
    });
  }

  /** Suppression rows for every suppressible alarm id of the catalog (idempotent). */
  async bootstrap(): Promise<void> {
    await seedSuppression(
      this.db,
      [...this.catalog.values()]
        .filter((e) => e.type === 'alarm' && e.suppression)
        .map((e) => ({ uuid: newUuid(), alarm_id: e.id, description: e.description })),
    );
  }

  private async notify(q: Queryable, n: FaultNotification): Promise<void> {
    const payload = JSON.stringify(n);
    // NOTIFY payloads are limited to 8000 bytes: trim the free text of an oversized event.
    const safe =
      payload.length < 7900 || n.kind === 'suppression'
        ? payload
        : JSON.stringify({
            ...n,
            event: {
              ...n.event,
              reason_text: n.event.reason_text.slice(0, 1000),
              proposed_repair_action: '',
            },
          });
    await q.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, safe]);
  }

  async raise(input: RaiseInput): Promise<{ alarm: AlarmRow; created: boolean }> {
    const a = alarmFromRaise(input, this.catalog, this.clock.now());
    const { alarm, inserted } = (await this.writes.submit({
      kind: 'raise',
      uuid: newUuid(),
      eventUuid: newUuid(),
      alarm: a,
    })) as UpsertResult;
    return { alarm, created: inserted };
  }

  private async clearWhere(m: Parameters<typeof deleteAlarms>[1]): Promise<AlarmRow[]> {
    const at = this.clock.now();
    if (m.alarm_id !== undefined && m.entity_instance_id !== undefined && m.uuid === undefined && !m.prefix) {
      return (await this.writes.submit({
        kind: 'clear',
        alarm_id: m.alarm_id,
        entity_instance_id: m.entity_instance_id,
        at,
      })) as AlarmRow[];
    }
    return (await this.writes.submit({
      kind: 'alone',
      run: () => deleteAlarms(this.events, m, at),
    })) as AlarmRow[];
  }

  async clear(alarmId: string, entityInstanceId: string): Promise<AlarmRow[]> {
    return this.clearWhere({
      alarm_id: alarmId,
      entity_instance_id: checkEntityInstanceId(entityInstanceId),
    });
  }

  async active(entity: string, alarmIds: readonly string[]): Promise<{ alarm_id: string; entity_instance_id: string }[]> {
    return activeAlarmsOf(this.events, entity, alarmIds);
  }

  /** Every active alarm with one of `alarmIds`, on any entity (an engine's own alarms, read once). */
  async activeOfType(alarmIds: readonly string[]): Promise<{ alarm_id: string; entity_instance_id: string }[]> {
    return activeAlarmsWithIds(this.events, alarmIds);
  }

  /** Clears every alarm of an entity and below it (`host=worker-0` clears `host=worker-0.port=eth0`). */
  async clearEntity(entityInstanceIdPrefix: string): Promise<AlarmRow[]> {
    return this.clearWhere({
      entity_instance_id: checkEntityInstanceId(entityInstanceIdPrefix),
      prefix: true,
    });
  }

  /** The REST clear: by alarm id and/or entity (optionally the entity's whole subtree). */
  async clearMatching(m: {
    alarm_id?: string;
    entity_instance_id?: string;
    prefix?: boolean;
  }): Promise<AlarmRow[]> {
    if (m.alarm_id === undefined && m.entity_instance_id === undefined) {
      throw new StarlingError('VALIDATION_FAILED', 'give alarm_id, entity_instance_id or both', {
        field: 'alarm_id',
      });
    }
    if (m.prefix && m.entity_instance_id === undefined) {
      throw new StarlingError('VALIDATION_FAILED', 'prefix needs entity_instance_id', { field: 'prefix' });
    }
    if (m.entity_instance_id !== undefined) checkEntityInstanceId(m.entity_instance_id);
    return this.clearWhere(m);
  }

  async clearByUuid(uuid: string): Promise<AlarmRow> {
    const [gone] = await this.clearWhere({ uuid });
    if (!gone)
      throw new StarlingError('NOT_FOUND', `no active alarm with uuid ${uuid}`, { field: 'alarm_uuid' });
    return gone;
  }

  async log(input: LogInput): Promise<EventRow> {
    const l = logFromInput(input, this.catalog, this.clock.now());
    return this.events.tx(async (q) => {
      const event = await insertEvent(q, eventFromLog(newUuid(), l));
      await this.notify(q, {
        kind: 'log',
        alarm_uuid: null,
        event,
        suppression_status: event.suppression_status,
      });
      return event;
    });
  }

  async getAlarm(uuid: string): Promise<AlarmRow> {
    const a = UUID.test(uuid) ? await getAlarm(this.db, uuid) : undefined;
    if (!a)
      throw new StarlingError('NOT_FOUND', `no active alarm with uuid ${uuid}`, { field: 'alarm_uuid' });
    return a;
  }

  async listAlarms(query: AlarmListQuery): Promise<{ alarms: AlarmRow[]; next: string | null }> {
    const filters = parseQuery(
      { field: query['q.field'], op: query['q.op'], value: query['q.value'] },
      ALARM_QUERY_FIELDS,
    );
    const sortKey = query.sort_key ?? 'timestamp';
    const sortDir = query.sort_dir ?? 'desc';
    // StarlingX's fm answers api.limit_max (1000) alarms when no limit is given.
    const limit = query.limit ?? 1000;
    let after: PageEnd | undefined;
    if (query.marker !== undefined) after = await this.alarmMarker(query.marker, sortKey, sortDir);
    const alarms = await listAlarms(this.db, {
      filters,
      includeSuppressed: query.include_suppress ?? false,
      ...(query.mgmt_affecting === undefined ? {} : { mgmtAffecting: query.mgmt_affecting }),
      page: { limit, sortKey, sortDir, ...(after ? { after } : {}) },
    });
    const last = alarms.at(-1);
    const end = last && pageEnd(last, sortKey);
    const next =
      alarms.length === limit && end
        ? encodeCursor({ k: sortKey, d: sortDir, v: end.value, t: end.timestamp, s: end.seq })
        : null;
    return { alarms, next };
  }

  /** A marker is a cursor from `next` (robust while alarms come and go) or, like StarlingX's
   *  clients send, the uuid of the last alarm seen (which must still be active). */
  private async alarmMarker(marker: string, sortKey: SortKey, sortDir: 'asc' | 'desc'): Promise<PageEnd> {
    if (UUID.test(marker)) {
      const a = await getAlarm(this.db, marker);
      if (!a)
        throw new StarlingError(
          'VALIDATION_FAILED',
          `marker ${marker} is not an active alarm (it may have been cleared)`,
          { field: 'marker' },
        );
      return pageEnd(a, sortKey);
    }
    const c = decodeCursor(marker, isAlarmCursor);
    if (!c)
      throw new StarlingError(
        'VALIDATION_FAILED',
        'marker is neither an alarm uuid nor a cursor from a next link',
        { field: 'marker' },
      );
    if (c.k !== sortKey || c.d !== sortDir) {
      throw new StarlingError('VALIDATION_FAILED', 'marker was made for another sort_key or sort_dir', {
        field: 'marker',
      });
    }
    return { value: c.v, timestamp: c.t, seq: c.s };
  }

  async summary(includeSuppressed: boolean): Promise<AlarmSummary> {
    return summarize(await countBySeverity(this.db, includeSuppressed));
  }

  async listEvents(query: EventListQuery): Promise<{ events: EventRow[]; next: string | null }> {
    const filters: Filter[] = parseQuery(
      { field: query['q.field'], op: query['q.op'], value: query['q.value'] },
      EVENT_QUERY_FIELDS,
    );
    const kinds: ('alarms' | 'logs')[] =
      query.alarms && !query.logs ? ['alarms'] : query.logs && !query.alarms ? ['logs'] : ['alarms', 'logs'];
    const limit = query.limit ?? 100;
    let after: { timestamp: string; seq: number } | undefined;
    if (query.marker !== undefined) {
      if (UUID.test(query.marker)) {
        const e = await getEvent(this.db, query.marker);
        if (!e)
          throw new StarlingError('VALIDATION_FAILED', `marker ${query.marker} is not an event`, {
            field: 'marker',
          });
        after = { timestamp: e.timestamp, seq: e.seq };
      } else {
        const c = decodeCursor(query.marker, isEventCursor);
        if (!c)
          throw new StarlingError(
            'VALIDATION_FAILED',
            'marker is neither an event uuid nor a cursor from a next link',
            { field: 'marker' },
          );
        after = { timestamp: c.t, seq: c.s };
      }
    }
    const events = await listEvents(this.db, {
      filters,
      kinds,
      includeSuppressed: query.include_suppress ?? false,
      limit,
      ...(after ? { after } : {}),
    });
    const last = events.at(-1);
    return {
      events,
      next: events.length === limit && last ? encodeCursor({ t: last.timestamp, s: last.seq }) : null,
    };
  }

  async getEvent(uuid: string): Promise<EventRow> {
    const e = UUID.test(uuid) ? await getEvent(this.db, uuid) : undefined;
    if (!e) throw new StarlingError('NOT_FOUND', `no event with uuid ${uuid}`, { field: 'event_log_uuid' });
    return e;
  }

  /** event-suppress-list: every alarm id, or those matching q.* (alarm_id, suppression_status, uuid). */
  async listSuppression(
    query: { 'q.field'?: string | string[]; 'q.op'?: string | string[]; 'q.value'?: string | string[] } = {},
  ): Promise<SuppressionRow[]> {
    const filters = parseQuery(
      { field: query['q.field'], op: query['q.op'], value: query['q.value'] },
      ['alarm_id', 'suppression_status', 'uuid'],
    );
    const rows = await listSuppression(this.db);
    return filters.length === 0 ? rows : rows.filter((r) => matchesFilters(r as unknown as Record<string, unknown>, filters));
  }

  async setSuppression(
    match: { uuid?: string; alarm_id?: string },
    status: 'suppressed' | 'unsuppressed',
  ): Promise<SuppressionRow> {
    return this.db.tx(async (q) => {
      const row = await setSuppression(q, match, status, this.clock.now());
      if (!row) {
        const what = match.uuid ?? match.alarm_id ?? '';
        const known = match.alarm_id !== undefined && this.catalog.get(match.alarm_id);
        throw new StarlingError(
          known ? 'VALIDATION_FAILED' : 'NOT_FOUND',
          known
            ? `alarm ${what} cannot be suppressed (the catalog marks it unsuppressible)`
            : `no suppressible alarm ${what}`,
          { field: match.uuid !== undefined ? 'event_suppression_uuid' : 'alarm_id' },
        );
      }
      await this.notify(q, {
        kind: 'suppression',
        alarm_id: row.alarm_id,
        suppression_status: row.suppression_status,
      });
      return row;
    });
  }

  /** Applies the retention limits; returns how many events were dropped. */
  async purgeEvents(): Promise<number> {
    return purgeEvents(this.db, this.retention.maxCount, this.retention.maxAgeSeconds, this.clock.now());
  }
}
