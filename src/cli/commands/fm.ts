// `starling fm …`: StarlingX's fault management CLI (fmclient): alarms, the event log, suppression.

import type { Command } from 'commander';
import { StarlingError } from '../../common/errors.ts';
import { parseCliQuery } from '../../fault/index.ts';
import type { CliContext } from '../context.ts';
import type { Rec } from '../output.ts';

type Page<K extends string> = { [key in K]: Rec[] } & { next: string | null };

const ALARM_FIELDS = [
  'alarm_id',
  'alarm_state',
  'alarm_type',
  'degrade_affecting',
  'entity_instance_id',
  'entity_type_id',
  'mgmt_affecting',
  'probable_cause',
  'proposed_repair_action',
  'reason_text',
  'service_affecting',
  'severity',
  'suppression',
  'suppression_status',
  'timestamp',
  'uuid',
];

const EVENT_FIELDS = [
  'entity_instance_id',
  'entity_type_id',
  'event_log_id',
  'event_log_type',
  'probable_cause',
  'proposed_repair_action',
  'reason_text',
  'service_affecting',
  'severity',
  'state',
  'suppression',
  'suppression_status',
  'timestamp',
  'uuid',
];

function queryParams(text: string | undefined): Record<string, string[]> {
  if (text === undefined) return {};
  const q = parseCliQuery(text);
  return { 'q.field': q.field, 'q.op': q.op, 'q.value': q.value };
}

function toSearch(params: Record<string, string | string[] | number | boolean | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) s.append(k, String(x));
  }
  return s.toString();
}

/** Follows `next` links until `max` rows (or the end). */
async function collect<K extends string>(ctx: CliContext, path: string, key: K, params: Record<string, string | string[] | number | boolean | undefined>, max: number | undefined): Promise<Rec[]> {
  const c = await ctx.client();
  const rows: Rec[] = [];
  let url: string | null = `${path}?${toSearch(params)}`;
  while (url !== null && (max === undefined || rows.length < max)) {
    const page: Page<K> = (await c.request<Page<K>>('GET', 'faultmanagement', url)).body;
    rows.push(...page[key]);
    url = page.next;
  }
  return max === undefined ? rows : rows.slice(0, max);
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new StarlingError('USAGE', `${flag} must be a positive integer, got '${v}'`, { field: flag });
  return n;
}

export function registerFm(program: Command, ctx: CliContext): void {
  const fm = program.command('fm').description('fault management (StarlingX fm): alarms, event log, suppression');

  fm.command('alarm-list')
    .description('list active alarms, newest first')
    .option('-q, --query <query>', 'filter, e.g. "alarm_id=100.101;severity>=major;entity_instance_id=host=worker-0"')
    .option('--uuid', 'show the UUID column')
    .option('--include_suppress', 'include suppressed alarms')
    .option('--mgmt_affecting', 'show the Management Affecting column')
    .option('--degrade_affecting', 'show the Degrade Affecting column')
    .option('-l, --limit <n>', 'show at most n alarms')
    .action(async (o: { query?: string; uuid?: boolean; include_suppress?: boolean; mgmt_affecting?: boolean; degrade_affecting?: boolean; limit?: string }) => {
      const max = o.limit === undefined ? undefined : positiveInt(o.limit, '--limit');
      const rows = await collect(ctx, '/v1/alarms', 'alarms', { ...queryParams(o.query), include_suppress: o.include_suppress, limit: Math.min(max ?? 1000, 1000) }, max);
      ctx.list(rows, [
        ...(o.uuid ? ([['uuid', 'UUID']] as [string, string][]) : []),
        ['alarm_id', 'Alarm ID'],
        ['reason_text', 'Reason Text'],
        ['entity_instance_id', 'Entity ID'],
        ['severity', 'Severity'],
        ['timestamp', 'Time Stamp'],
        ...(o.mgmt_affecting ? ([['mgmt_affecting', 'Management Affecting']] as [string, string][]) : []),
        ...(o.degrade_affecting ? ([['degrade_affecting', 'Degrade Affecting']] as [string, string][]) : []),
      ]);
    });

  fm.command('alarm-show <uuid>')
    .description('show an active alarm')
    .action(async (uuid: string) => {
      ctx.target = uuid;
      const c = await ctx.client();
      ctx.show(await c.get<Rec>('faultmanagement', `/v1/alarms/${encodeURIComponent(uuid)}`), ALARM_FIELDS);
    });

  fm.command('alarm-delete <uuid...>')
    .description('delete (clear) active alarms by uuid')
    .action(async (uuids: string[]) => {
      const c = await ctx.client();
      ctx.target = uuids.join(',');
      for (const uuid of uuids) await c.request('DELETE', 'faultmanagement', `/v1/alarms/${encodeURIComponent(uuid)}`);
    });

  fm.command('alarm-summary')
    .description('count active alarms per severity')
    .option('--include_suppress', 'include suppressed alarms')
    .action(async (o: { include_suppress?: boolean }) => {
      const c = await ctx.client();
      const s = await c.get<Rec>('faultmanagement', '/v1/alarms/summary', { include_suppress: o.include_suppress });
      ctx.list([s], [
        ['critical', 'Critical Alarms'],
        ['major', 'Major Alarms'],
        ['minor', 'Minor Alarms'],
        ['warnings', 'Warnings'],
        ['status', 'Status'],
      ]);
    });

  fm.command('event-list')
    .description('list the event log (alarm sets and clears, customer logs), newest first')
    .option('-q, --query <query>', 'filter, e.g. "event_log_id=200.022;entity_instance_id=host=worker-0"')
    .option('-l, --limit <n>', 'show at most n events', '20')
    .option('--alarms', 'only alarm sets and clears')
    .option('--logs', 'only customer logs')
    .option('--uuid', 'show the UUID column')
    .option('--include_suppress', 'include events of suppressed alarms')
    .action(async (o: { query?: string; limit: string; alarms?: boolean; logs?: boolean; uuid?: boolean; include_suppress?: boolean }) => {
      const max = positiveInt(o.limit, '--limit');
      const rows = await collect(
        ctx,
        '/v1/event_log',
        'event_log',
        { ...queryParams(o.query), alarms: o.alarms, logs: o.logs, include_suppress: o.include_suppress, limit: Math.min(max, 1000) },
        max,
      );
      ctx.list(rows, [
        ...(o.uuid ? ([['uuid', 'UUID']] as [string, string][]) : []),
        ['timestamp', 'Time Stamp'],
        ['state', 'State'],
        ['event_log_id', 'Event Log ID'],
        ['reason_text', 'Reason Text'],
        ['entity_instance_id', 'Entity Instance ID'],
        ['severity', 'Severity'],
      ]);
    });

  fm.command('event-show <uuid>')
    .description('show an event')
    .action(async (uuid: string) => {
      ctx.target = uuid;
      const c = await ctx.client();
      ctx.show(await c.get<Rec>('faultmanagement', `/v1/event_log/${encodeURIComponent(uuid)}`), EVENT_FIELDS);
    });

  fm.command('event-suppress-list')
    .description('list alarm ids that can be suppressed, with their status and catalog text')
    .action(async () => {
      const c = await ctx.client();
      const { event_suppression } = await c.get<{ event_suppression: Rec[] }>('faultmanagement', '/v1/event_suppression');
      ctx.list(event_suppression, [
        ['alarm_id', 'Event ID'],
        ['suppression_status', 'Status'],
        ['description', 'Description'],
      ]);
    });

  const setStatus = async (ids: string[] | 'all', status: 'suppressed' | 'unsuppressed'): Promise<void> => {
    const c = await ctx.client();
    const { event_suppression } = await c.get<{ event_suppression: { uuid: string; alarm_id: string; suppression_status: string }[] }>(
      'faultmanagement',
      '/v1/event_suppression',
    );
    const targets = ids === 'all' ? event_suppression.filter((s) => s.suppression_status !== status) : ids.map((id) => {
      const row = event_suppression.find((s) => s.alarm_id === id);
      if (!row) throw new StarlingError('NOT_FOUND', `alarm id ${id} cannot be suppressed (not in the catalog, or unsuppressible)`, { field: '--alarm_id' });
      return row;
    });
    ctx.target = targets.map((t) => t.alarm_id).join(',');
    const done: Rec[] = [];
    for (const t of targets) {
      done.push(
        (
          await c.request<Rec>('PATCH', 'faultmanagement', `/v1/event_suppression/${t.uuid}`, {
            body: [{ op: 'replace', path: '/suppression_status', value: status }],
          })
        ).body,
      );
    }
    ctx.list(done, [
      ['alarm_id', 'Event ID'],
      ['suppression_status', 'Status'],
    ]);
  };
  const ids = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

  fm.command('event-suppress')
    .description('suppress alarm ids: still recorded, hidden from default lists and the summary')
    .requiredOption('--alarm_id <ids>', 'comma-separated alarm ids, e.g. 100.101,100.103')
    .action(async (o: { alarm_id: string }) => setStatus(ids(o.alarm_id), 'suppressed'));

  fm.command('event-unsuppress')
    .description('unsuppress alarm ids')
    .requiredOption('--alarm_id <ids>', 'comma-separated alarm ids')
    .action(async (o: { alarm_id: string }) => setStatus(ids(o.alarm_id), 'unsuppressed'));

  fm.command('event-unsuppress-all')
    .description('unsuppress every suppressed alarm id')
    .action(async () => setStatus('all', 'unsuppressed'));
}
