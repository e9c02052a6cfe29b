// StarlingX's fm API: /v1/alarms, /v1/alarms/summary, /v1/event_log, /v1/event_suppression,
// plus POST/DELETE /v1/alarms for raising and clearing, and /v1/alarms/stream (server-sent
// events of every change) for the dashboard and other subscribers.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../api/server.ts';
import { JsonPatch, patchFields } from '../api/json-patch.ts';
import { openEventStream, type EventStream } from '../api/sse.ts';
import {
  AlarmList,
  AlarmListQuery,
  ClearQuery,
  EventList,
  EventListQuery,
  LogBody,
  RaiseBody,
  Summary,
  SummaryQuery,
  SuppressionList,
  SuppressionQuery,
  UuidParam,
} from './schemas.ts';
import type { FaultService } from './service.ts';
import type { FaultNotifier } from './notifier.ts';

const nextUrl = (req: FastifyRequest, path: string, marker: string | null): string | null => {
  if (marker === null) return null;
  const qs = new URLSearchParams(req.url.split('?')[1] ?? '');
  qs.set('marker', marker);
  return `${path}?${qs.toString()}`;
};

const STREAM_KEEPALIVE_MS = 15_000;

export function faultRoutes(app: App, fault: FaultService, notifier: FaultNotifier): void {
  app.get('/v1/alarms', { schema: { querystring: AlarmListQuery, response: { 200: AlarmList } } }, async (req) => {
    const { alarms, next } = await fault.listAlarms(req.query);
    return { alarms: alarms, next: nextUrl(req, '/v1/alarms', next) };
  });

  app.get('/v1/alarms/summary', { schema: { querystring: SummaryQuery, response: { 200: Summary } } }, async (req) =>
    fault.summary(req.query.include_suppress ?? false),
  );

  const streams = new Set<EventStream>();
  app.addHook('onClose', async () => {
    for (const stream of streams) stream.close();
  });
  app.get('/v1/alarms/stream', (req, reply: FastifyReply) => {
    reply.hijack();
    const stream: EventStream = openEventStream(reply.raw, {
      keepaliveMs: STREAM_KEEPALIVE_MS,
      requestId: req.id,
      onClose: () => {
        unsubscribe();
        streams.delete(stream);
      },
    });
    stream.comment('connected');
    const unsubscribe = notifier.subscribe((n) => stream.send(n.kind, n));
    streams.add(stream);
  });

  app.get('/v1/alarms/:alarm_uuid', { schema: { params: UuidParam('alarm_uuid') } }, async (req) =>
    fault.getAlarm((req.params as { alarm_uuid: string }).alarm_uuid),
  );

  app.post('/v1/alarms', { schema: { body: RaiseBody } }, async (req, reply) => {
    const { alarm, created } = await fault.raise(req.body);
    return reply.status(created ? 201 : 200).send(alarm);
  });

  app.delete('/v1/alarms', { schema: { querystring: ClearQuery } }, async (req) => {
    const cleared = await fault.clearMatching(req.query);
    return { cleared: cleared.length, alarms: cleared.map((a) => ({ uuid: a.uuid, alarm_id: a.alarm_id, entity_instance_id: a.entity_instance_id })) };
  });

  app.delete('/v1/alarms/:alarm_uuid', { schema: { params: UuidParam('alarm_uuid') } }, async (req, reply) => {
    await fault.clearByUuid((req.params as { alarm_uuid: string }).alarm_uuid);
    return reply.status(204).send();
  });

  app.get('/v1/event_log', { schema: { querystring: EventListQuery, response: { 200: EventList } } }, async (req) => {
    const { events, next } = await fault.listEvents(req.query);
    return { event_log: events, next: nextUrl(req, '/v1/event_log', next) };
  });

  app.get('/v1/event_log/:event_log_uuid', { schema: { params: UuidParam('event_log_uuid') } }, async (req) =>
    fault.getEvent((req.params as { event_log_uuid: string }).event_log_uuid),
  );

  app.post('/v1/event_log', { schema: { body: LogBody } }, async (req, reply) => reply.status(201).send(await fault.log(req.body)));

  app.get('/v1/event_suppression', { schema: { querystring: SuppressionQuery, response: { 200: SuppressionList } } }, async (req) => ({
    event_suppression: await fault.listSuppression(req.query),
  }));

  app.patch(
    '/v1/event_suppression/:event_suppression_uuid',
    { schema: { params: UuidParam('event_suppression_uuid'), body: JsonPatch } },
    async (req) => {
      const patch = patchFields(req.body, {
        suppression_status: (v) => (v === 'suppressed' || v === 'unsuppressed' ? undefined : 'must be suppressed or unsuppressed'),
      });
      const uuid = (req.params as { event_suppression_uuid: string }).event_suppression_uuid;
      return fault.setSuppression({ uuid }, patch.suppression_status as 'suppressed' | 'unsuppressed');
    },
  );
}
