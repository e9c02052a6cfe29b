// Which certificate alarms should be active at a given time (StarlingX's cert-alarm): 500.200
// (warning) from `warningDays` before a certificate expires, 500.210 (critical) once it has
// expired; none for a certificate replaced or uninstalled. Pure: the certificates and "now" come in.

export const CERT_EXPIRING = '500.200';
export const CERT_EXPIRED = '500.210';
export const CERT_ALARM_IDS = [CERT_EXPIRING, CERT_EXPIRED] as const;
/** Every certificate alarm's entity starts so (a clear of all of them goes by this prefix). */
export const CERT_ENTITY_PREFIX = 'system=certificate';

const DAY_MS = 86_400_000;

export interface WatchedCertificate {
  uuid: string;
  certtype: string;
  expiry_date: Date;
}

export interface CertificateAlarm {
  alarm_id: (typeof CERT_ALARM_IDS)[number];
  entity_instance_id: string;
  severity: 'warning' | 'critical';
  reason_text: string;
}

export const certificateEntity = (c: WatchedCertificate): string => `${CERT_ENTITY_PREFIX}.mode=${c.certtype}.uuid=${c.uuid}`;

const day = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export function certificateAlarms(certs: readonly WatchedCertificate[], now: Date, warningDays: number): CertificateAlarm[] {
  const out: CertificateAlarm[] = [];
  for (const c of certs) {
    const name = `Certificate 'system certificate-show ${c.uuid}' (mode=${c.certtype})`;
    const entity_instance_id = certificateEntity(c);
    if (now >= c.expiry_date) {
      out.push({ alarm_id: CERT_EXPIRED, entity_instance_id, severity: 'critical', reason_text: `${name} expired on ${day(c.expiry_date)}.` });
    } else if (c.expiry_date.getTime() - now.getTime() <= warningDays * DAY_MS) {
      out.push({ alarm_id: CERT_EXPIRING, entity_instance_id, severity: 'warning', reason_text: `${name} expiring soon on ${day(c.expiry_date)}.` });
    }
  }
  return out;
}

/** Milliseconds until the next check: the next threshold a certificate crosses, or `periodMs`. */
export function nextCheckMs(certs: readonly WatchedCertificate[], now: Date, warningDays: number, periodMs: number): number {
  let next = periodMs;
  for (const c of certs) {
    for (const at of [c.expiry_date.getTime() - warningDays * DAY_MS, c.expiry_date.getTime()]) {
      const ms = at - now.getTime();
      if (ms > 0 && ms < next) next = ms;
    }
  }
  return Math.max(1000, next);
}
