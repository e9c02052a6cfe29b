// Certificate expiry alarms as an operator sees them in the alarm list: with short-lived
// certificates and an injected clock, 500.200 (warning) from 30 days before expiry, 500.210
// (critical) once expired, both cleared when the certificate is replaced.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../common/clock.ts';
import { createLogger, silentLogger } from '../common/log.ts';
import { sealer } from '../common/sealed.ts';
import { ManualScheduler } from '../runtime/index.ts';
import { startSite, type TestSite } from '../../test/support/site.ts';
import { issueCertificate } from './generate.ts';
import { CertificateExpiryMonitor } from './reconciler.ts';
import { CertificateService } from './service.ts';
import { certificateAlarms, nextCheckMs } from './domain/expiry.ts';

const DAY = 86_400_000;

describe('certificate expiry alarms', () => {
  const start = Date.now();
  const clock = new FakeClock(new Date(start));
  const scheduler = new ManualScheduler(start);
  let site: TestSite;
  let monitor: CertificateExpiryMonitor;
  let service: CertificateService;

  const alarms = async () =>
    // a new token each time: the clock moves by days, tokens last an hour
    ((await site.call('GET', '/v1/alarms', { token: await site.token() })).body.alarms as { alarm_id: string; severity: string; reason_text: string; entity_instance_id: string }[]).filter((a) => a.alarm_id.startsWith('500.'));
  const advance = async (ms: number) => {
    clock.advance(ms);
    scheduler.advance(ms);
    await monitor.idle();
  };

  beforeAll(async () => {
    site = await startSite({ clock });
    service = new CertificateService(site.controller.db, clock, sealer(randomBytes(32).toString('base64')), async () => monitor.changed());
    monitor = new CertificateExpiryMonitor(
      { certificates: () => service.watched(), alarms: site.controller.fault, clock, log: process.env.DBG ? createLogger('debug') : silentLogger, scheduler },
      { warningDays: 30, periodMs: 3_600_000 },
    );
    monitor.start();
    await monitor.idle();
  });
  afterAll(async () => {
    await monitor?.stop();
    await site?.stop();
  });

  it('warns 30 days before, is critical once expired, and clears when replaced', async () => {
    const ca = await issueCertificate({ commonName: 'Short CA', ca: true, notBefore: new Date(start - DAY), notAfter: new Date(start + 3650 * DAY) });
    const short = await issueCertificate({ commonName: 'short.example', issuer: ca, notBefore: new Date(start - DAY), notAfter: new Date(start + 40 * DAY) });
    await service.install('ssl_ca', ca.certPem);
    const [installed] = await service.install('ssl', short.certPem + short.keyPem);
    await monitor.idle();
    expect(await alarms()).toEqual([]);

    await advance(11 * DAY); // 29 days left
    const warning = await alarms();
    expect(warning).toEqual([
      expect.objectContaining({
        alarm_id: '500.200',
        severity: 'warning',
        entity_instance_id: `system=certificate.mode=ssl.uuid=${installed!.uuid}`,
        reason_text: expect.stringMatching(new RegExp(`Certificate 'system certificate-show ${installed!.uuid}' \\(mode=ssl\\) expiring soon on ${installed!.expiry_date.slice(0, 10)}`)),
      }),
    ]);

    await advance(30 * DAY); // expired a day ago
    expect(await alarms()).toEqual([expect.objectContaining({ alarm_id: '500.210', severity: 'critical', reason_text: expect.stringMatching(/\(mode=ssl\) expired on /) })]);

    // Replaced by a certificate valid for a year (at the clock's time): both clear at once.
    const now = clock.now().getTime();
    const fresh = await issueCertificate({ commonName: 'fresh.example', issuer: ca, notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY) });
    await service.install('ssl', fresh.certPem + fresh.keyPem);
    await monitor.idle();
    expect(await alarms()).toEqual([]);
  });

  it('checks again at the next threshold a certificate crosses, else after the period', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    const c = { uuid: 'u', certtype: 'ssl_ca', expiry_date: new Date(now.getTime() + 31 * DAY) };
    expect(nextCheckMs([c], now, 30, 7 * DAY)).toBe(DAY);
    expect(nextCheckMs([c], now, 30, 3_600_000)).toBe(3_600_000);
    expect(certificateAlarms([c], new Date(now.getTime() + DAY), 30)).toMatchObject([{ alarm_id: '500.200', entity_instance_id: 'system=certificate.mode=ssl_ca.uuid=u' }]);
  });
});
