// SNMP v2c traps for every alarm set, alarm clear and customer log, sent to each trap destination
// (itrapdest), as StarlingX's fm sends them: one trap per change per destination, fire and forget.
//
// The OID tree is ours, under the experimental arc 1.3.6.1.3.57915 (also in the README):
//   .1.1  trap: alarm set        .2.1  alarm id / event log id   .2.5  timestamp (ISO 8601)
//   .1.2  trap: alarm clear      .2.2  entity_instance_id        .2.6  event log uuid
//   .1.3  trap: log              .2.3  severity (clear on .1.2)  .2.7  probable_cause
//                                .2.4  reason_text               .2.8  alarm_type
// Every varbind is an OctetString; net-snmp puts sysUpTime.0 and snmpTrapOID.0 first (RFC 3416).

import { isIPv6 } from 'node:net';
import type { Session } from 'net-snmp';
import type { Logger } from '../common/log.ts';
import type { Queryable } from '../db/index.ts';
import type { FaultNotifier } from './notifier.ts';
import type { FaultNotification } from './service.ts';
import { listTrapDests, type TrapDest, type TrapDestReloader } from './trapdest.ts';

export const STARLING_OID = '1.3.6.1.3.57915';

export const TRAP_OIDS = {
  'alarm-set': `${STARLING_OID}.1.1`,
  'alarm-clear': `${STARLING_OID}.1.2`,
  log: `${STARLING_OID}.1.3`,
} as const;

export const VARBIND_OIDS = {
  id: `${STARLING_OID}.2.1`,
  entity_instance_id: `${STARLING_OID}.2.2`,
  severity: `${STARLING_OID}.2.3`,
  reason_text: `${STARLING_OID}.2.4`,
  timestamp: `${STARLING_OID}.2.5`,
  uuid: `${STARLING_OID}.2.6`,
  probable_cause: `${STARLING_OID}.2.7`,
  alarm_type: `${STARLING_OID}.2.8`,
} as const;

export interface Trap {
  oid: string;
  varbinds: { oid: string; value: string }[];
}

/** The trap a change sends, or none: suppression changes send nothing, and neither does an alarm
 *  an operator suppressed (StarlingX keeps suppressed alarms off its northbound interfaces). */
export function trapFor(n: FaultNotification): Trap | undefined {
  if (n.kind === 'suppression' || n.suppression_status === 'suppressed') return undefined;
  const e = n.event;
  return {
    oid: TRAP_OIDS[n.kind],
    varbinds: [
      { oid: VARBIND_OIDS.id, value: e.event_log_id },
      { oid: VARBIND_OIDS.entity_instance_id, value: e.entity_instance_id },
      { oid: VARBIND_OIDS.severity, value: e.severity },
      { oid: VARBIND_OIDS.reason_text, value: e.reason_text },
      { oid: VARBIND_OIDS.timestamp, value: e.timestamp },
      { oid: VARBIND_OIDS.uuid, value: e.uuid },
      { oid: VARBIND_OIDS.probable_cause, value: e.probable_cause },
      { oid: VARBIND_OIDS.alarm_type, value: e.event_log_type },
    ],
  };
}

type NetSnmp = typeof import('net-snmp');

interface Destination {
  dest: TrapDest;
  session: Session;
  /** ip:port, for logs (the community never goes into a log). */
  where: string;
}

/**
 * Sends a trap for each fault notification to every destination. The destinations are cached
 * (read at start and on reload(), which the itrapdest routes call after each change); a UDP
 * session is kept per destination. Sending runs off the notification, after the change is
 * committed, so it never delays the request that raised the alarm; failures are logged only.
 */
export class SnmpTrapSender implements TrapDestReloader {
  private readonly destinations = new Map<string, Destination>();
  /** Loaded on the first destination: net-snmp costs ~50 ms to load, kept off start-up. */
  private snmp: NetSnmp | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Loads run one after the other, so an older read never overwrites a newer one. */
  private loading: Promise<void> = Promise.resolve();
  /** Sends only between start() and stop(). */
  private stopped = true;

  constructor(
    private readonly db: Queryable,
    private readonly notifier: FaultNotifier,
    private readonly log: Logger,
  ) {}

  /** Starts sending (again, after a stop: the controller holding the SNMP lease sends). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.queueLoad();
    this.unsubscribe ??= this.notifier.subscribe((n) => this.send(n));
  }

  /** Re-reads the destinations (while sending); a failure is logged and the previous list kept. */
  async reload(): Promise<void> {
    if (this.stopped) return;
    await this.queueLoad().catch((e: unknown) =>
      this.log.error({ err: e }, 'SNMP trap destinations could not be reloaded'),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loading.catch(() => undefined);
    for (const d of this.destinations.values()) this.close(d);
    this.destinations.clear();
  }

  private queueLoad(): Promise<void> {
    const next = this.loading.catch(() => undefined).then(() => this.load());
    this.loading = next;
    return next;
  }

  private async load(): Promise<void> {
    const dests = await listTrapDests(this.db);
    if (this.stopped) return;
    if (dests.length > 0) this.snmp ??= (await import('net-snmp')).default;
    const keep = new Set(dests.map((d) => d.uuid));
    for (const [uuid, d] of this.destinations) {
      if (keep.has(uuid)) continue;
      this.close(d);
      this.destinations.delete(uuid);
    }
    // Rows never change (no PATCH: a new address is a new row), so a known uuid keeps its session.
    for (const dest of dests) {
      if (!this.destinations.has(dest.uuid)) this.destinations.set(dest.uuid, this.open(this.snmp!, dest));
    }
    this.log.debug(
      { destinations: [...this.destinations.values()].map((d) => d.where) },
      'SNMP trap destinations loaded',
    );
  }

  private open(snmp: NetSnmp, dest: TrapDest): Destination {
    const where = `${isIPv6(dest.ip_address) ? `[${dest.ip_address}]` : dest.ip_address}:${dest.port}`;
    const session = snmp.createSession(dest.ip_address, dest.community, {
      version: snmp.Version2c,
      trapPort: dest.port,
      transport: isIPv6(dest.ip_address) ? 'udp6' : 'udp4',
    });
    session.on('error', (err) => this.log.warn({ err, destination: where }, 'SNMP trap socket error'));
    return { dest, session, where };
  }

  private close(d: Destination): void {
    try {
      d.session.close();
    } catch (e) {
      this.log.debug({ err: e, destination: d.where }, 'SNMP trap session already closed');
    }
  }

  private send(n: FaultNotification): void {
    const trap = trapFor(n);
    const snmp = this.snmp;
    if (trap === undefined || snmp === undefined || this.destinations.size === 0) return;
    const varbinds = trap.varbinds.map((v) => ({
      oid: v.oid,
      type: snmp.ObjectType.OctetString,
      value: v.value,
    }));
    const id = trap.varbinds[0]!.value;
    for (const d of this.destinations.values()) {
      const failed = (err: unknown): void =>
        this.log.warn({ err, destination: d.where, trap: trap.oid, id }, 'SNMP trap not sent');
      try {
        d.session.trap(trap.oid, varbinds, (err) => {
          if (err) failed(err);
        });
      } catch (e) {
        failed(e);
      }
    }
  }
}
