// The port through which the agent's monitors (pmon, resources, links) raise and clear alarms:
// a REST sink for fm on the controller that dedupes and replays after an outage, and a memory sink.

import type { Logger } from '../../common/log.ts';
import { httpRequest } from '../../api/http.ts';

export interface AgentAlarm {
  alarm_id: string;
  entity_instance_id: string;
  severity: 'critical' | 'major' | 'minor' | 'warning';
  reason_text: string;
}

export interface AlarmSink {
  raise(a: AgentAlarm): Promise<void>;
  clear(alarm_id: string, entity_instance_id: string): Promise<void>;
}

/** `host=<os name>…` → `host=<inventory name>…`; other entities unchanged. */
export function inventoryEntity(entity: string, osName: string, inventoryName: string | undefined): string {
  if (inventoryName === undefined || inventoryName === osName) return entity;
  const prefix = `host=${osName}`;
  if (entity !== prefix && !entity.startsWith(`${prefix}.`)) return entity;
  return `host=${inventoryName}${entity.slice(prefix.length)}`;
}

/** Alarms on the host as the inventory names it (`host=controller-0`), whatever the OS calls it. */
export function inventoryNamedSink(inner: AlarmSink, osName: string, inventoryName: () => string | undefined): AlarmSink {
  return {
    raise: (a) => inner.raise({ ...a, entity_instance_id: inventoryEntity(a.entity_instance_id, osName, inventoryName()) }),
    clear: (id, entity) => inner.clear(id, inventoryEntity(entity, osName, inventoryName())),
  };
}

/** One key per alarm, as fm's unique key (alarm_id, entity_instance_id). */
export const alarmKey = (alarm_id: string, entity_instance_id: string): string =>
  `${alarm_id} ${entity_instance_id}`;

const same = (a: AgentAlarm | null | undefined, b: AgentAlarm | null): boolean =>
  a === b ||
  (a != null &&
    b !== null &&
    a.alarm_id === b.alarm_id &&
    a.entity_instance_id === b.entity_instance_id &&
    a.severity === b.severity &&
    a.reason_text === b.reason_text);

export type MemoryAlarmSink = AlarmSink & {
  /** The alarms raised and not cleared, by alarmKey. */
  active: Map<string, AgentAlarm>;
  /** Every raise and clear that changed something, in order (what fm's event log would show). */
  history: Array<
    { op: 'raise'; alarm: AgentAlarm } | { op: 'clear'; alarm_id: string; entity_instance_id: string }
  >;
  resync(): Promise<void>;
};

/** For tests and `starling agent` dry runs: keeps the alarms in memory, deduped like the REST sink. */
export function memoryAlarmSink(): MemoryAlarmSink {
  const active = new Map<string, AgentAlarm>();
  const history: MemoryAlarmSink['history'] = [];
  return {
    active,
    history,
    raise: async (a) => {
      const key = alarmKey(a.alarm_id, a.entity_instance_id);
      if (same(active.get(key), a)) return;
      active.set(key, { ...a });
      history.push({ op: 'raise', alarm: { ...a } });
    },
    clear: async (alarm_id, entity_instance_id) => {
      if (!active.delete(alarmKey(alarm_id, entity_instance_id))) return;
      history.push({ op: 'clear', alarm_id, entity_instance_id });
    },
    resync: async () => undefined,
  };
}

export type RestAlarmSink = AlarmSink & {
  /** Sends the whole believed state again (every active alarm, every clear not yet confirmed): call
   * it when the controller comes back or after it lost its state. */
  resync(): Promise<void>;
  /** The alarms the monitors hold active. */
  active(): AgentAlarm[];
};

/** A request that hangs (a controller half up) must not hold later changes for long. */
const REQUEST_TIMEOUT_MS = 5_000;

interface Desired {
  alarm: AgentAlarm | null; // null: cleared
  /** When the monitor saw the change: sent as the alarm's timestamp, so a replay keeps it. */
  since: string;
}

/**
 * fm on the controller. `fmUrl` is called for every send (the agent's session may have been
 * renewed) and gives the faultmanagement endpoint of the catalog: the sink adds `/v1/alarms`
 * (or only `/alarms` to a URL that already ends in /v1). Desired state is kept per alarm; what the
 * controller last confirmed is kept beside it, and only differences are sent, in order, one at a
 * time. A failure is logged and the difference stays, to be sent with the next change or resync().
 */
export function restAlarmSink(opts: {
  fmUrl: () => Promise<{ url: string; token: string; ca?: string }>;
  log: Logger;
}): RestAlarmSink {
  const { log } = opts;
  const desired = new Map<string, Desired>();
  /** What the controller confirmed: the alarm, or null for a confirmed clear. */
  const confirmed = new Map<string, AgentAlarm | null>();
  let tail: Promise<void> = Promise.resolve();

  const alarmsUrl = (base: string): string => {
    const b = base.replace(/\/+$/, '');
    return b.endsWith('/v1') ? `${b}/alarms` : `${b}/v1/alarms`;
  };

  /** true = done (sent, or refused for good); false = try again later. */
  const send = async (d: Desired, alarm_id: string, entity: string): Promise<boolean> => {
    const { url, token, ca } = await opts.fmUrl();
    const headers = { 'content-type': 'application/json', 'x-auth-token': token };
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const pinned = ca === undefined ? {} : { ca };
    const res = d.alarm
      ? await httpRequest(alarmsUrl(url), {
          method: 'POST',
          headers,
          signal,
          ...pinned,
          body: JSON.stringify({ ...d.alarm, timestamp: d.since }),
        })
      : await httpRequest(
          `${alarmsUrl(url)}?${new URLSearchParams({ alarm_id, entity_instance_id: entity }).toString()}`,
          { method: 'DELETE', headers, signal, ...pinned },
        );
    const text = await res.text();
    if (res.status >= 200 && res.status < 300) return true;
    // 400/404/409: the controller will never take this one (an id or severity its catalog lacks):
    // retrying would only repeat the warning. 401/403/5xx: a session or controller problem that passes.
    const permanent =
      res.status >= 400 &&
      res.status < 500 &&
      res.status !== 401 &&
      res.status !== 403 &&
      res.status !== 408 &&
      res.status !== 429;
    log.warn(
      { alarm_id, entity_instance_id: entity, status: res.status, body: text.slice(0, 300), permanent },
      d.alarm ? 'alarm raise refused' : 'alarm clear refused',
    );
    return permanent;
  };

  /** Sends every difference; stops at the first failure to reach the controller (the rest would fail too). */
  const flush = async (force: boolean): Promise<void> => {
    for (const [key, d] of desired) {
      if (same(confirmed.get(key), d.alarm) && !(force && d.alarm)) continue;
      const [alarm_id = '', entity = ''] = splitKey(key);
      try {
        if (await send(d, alarm_id, entity)) confirmed.set(key, d.alarm);
      } catch (e) {
        log.warn(
          {
            alarm_id,
            entity_instance_id: entity,
            err: e instanceof Error ? e.message : e,
          },
          'fm not reachable: alarm kept to send later',
        );
        return;
      }
    }
  };

  const enqueue = (force = false): Promise<void> => {
    tail = tail
      .then(() => flush(force))
      .catch((e: unknown) =>
        log.error({ err: e instanceof Error ? e.message : e }, 'alarm sink: flush failed'),
      );
    return tail;
  };

  return {
    raise: async (a) => {
      const key = alarmKey(a.alarm_id, a.entity_instance_id);
      if (same(desired.get(key)?.alarm, a)) return;
      desired.set(key, { alarm: { ...a }, since: new Date().toISOString() });
      await enqueue();
    },
    clear: async (alarm_id, entity_instance_id) => {
      const key = alarmKey(alarm_id, entity_instance_id);
      const d = desired.get(key);
      // Cleared already: nothing to do. Never seen in this run: send the clear once anyway, so an
      // alarm a previous run of the agent left behind does not outlive the fault.
      if (d && d.alarm === null) return;
      desired.set(key, { alarm: null, since: new Date().toISOString() });
      await enqueue();
    },
    resync: () => enqueue(true),
    active: () => [...desired.values()].flatMap((d) => (d.alarm ? [{ ...d.alarm }] : [])),
  };
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(' ');
  return [key.slice(0, i), key.slice(i + 1)];
}
