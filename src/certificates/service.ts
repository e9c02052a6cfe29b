// Certificate use-cases (sysinv's certificate-install/list/show/uninstall): the only writer of the
// certificates table, one transaction each, announced on CERTIFICATE_CHANNEL after commit so every
// controller process serves the new server certificate without a restart.

import { X509Certificate } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import { StarlingError } from '../common/errors.ts';
import { newUuid } from '../common/ids.ts';
import type { Sealer } from '../common/sealed.ts';
import type { Db, Queryable } from '../db/index.ts';
import { checkInstall, issuerOf, subjectOf, type CertMode, type CheckedCertificate } from './pem.ts';
import {
  deleteCertificate,
  getCertificate,
  insertCertificate,
  listCertificates,
  lockCertificates,
  serverCertificateRow,
  type CertificateRow,
  type NewCertificate,
} from './repo.ts';

/** NOTIFY channel: a certificate was installed or uninstalled (payload: the certtype). */
export const CERTIFICATE_CHANNEL = 'starling_certificates';

/** A certificate as sysinv answers it. */
export interface Certificate {
  uuid: string;
  certtype: CertMode;
  signature: string;
  start_date: string;
  expiry_date: string;
  subject: string;
  issuer: string;
  details: null;
  created_at: string;
  updated_at: string | null;
}

export const toCertificate = (r: CertificateRow): Certificate => ({
  uuid: r.uuid,
  certtype: r.certtype,
  signature: r.signature,
  start_date: r.start_date.toISOString(),
  expiry_date: r.expiry_date.toISOString(),
  subject: r.subject,
  issuer: r.issuer,
  details: null,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at?.toISOString() ?? null,
});

/** What the expiry monitor checks. */
export interface WatchedCertificate {
  uuid: string;
  certtype: CertMode;
  subject: string;
  expiry_date: Date;
}

const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function newRow(c: CheckedCertificate, sealer: Sealer): NewCertificate {
  const x = c.certificate;
  return {
    uuid: newUuid(),
    certtype: c.mode,
    // sysinv: mode + "_" + the serial number in decimal
    signature: `${c.mode}_${BigInt(`0x${x.serialNumber}`).toString()}`,
    start_date: new Date(x.validFrom),
    expiry_date: new Date(x.validTo),
    subject: subjectOf(x),
    issuer: issuerOf(x),
    fingerprint: x.fingerprint256,
    certificate_pem: c.chainPem,
    private_key_sealed: c.keyPem === undefined ? null : sealer.seal(c.keyPem),
  };
}

export class CertificateService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    /** Called after each committed change, before the call answers (this process's server swaps
     *  its certificate then; other processes learn it from CERTIFICATE_CHANNEL). */
    private readonly afterChange: (certtype: CertMode) => Promise<void> = async () => undefined,
  ) {}

  async list(): Promise<Certificate[]> {
    return (await listCertificates(this.db)).map(toCertificate);
  }

  async get(uuid: string): Promise<Certificate> {
    return toCertificate(await this.row(this.db, uuid));
  }

  private async row(q: Queryable, uuid: string): Promise<CertificateRow> {
    const r = isUuid(uuid) ? await getCertificate(q, uuid) : undefined;
    if (r === undefined) throw new StarlingError('NOT_FOUND', `no certificate ${uuid}`, { field: 'uuid' });
    return r;
  }

  /** `certificate-install -m MODE`: checked (bad PEM, key mismatch, validity, chain), then stored;
   *  a server certificate replaces the one served. */
  async install(mode: CertMode, text: string, passphrase?: string): Promise<Certificate[]> {
    return this.change(mode, async (q) => {
      await lockCertificates(q);
      const rows = await listCertificates(q);
      const trusted = rows.filter((r) => r.certtype === 'ssl_ca').map((r) => new X509Certificate(r.certificate_pem));
      const checked = checkInstall(mode, text, { now: this.clock.now(), trusted, ...(passphrase === undefined ? {} : { passphrase }) });
      if (mode === 'ssl') {
        for (const r of rows) if (r.certtype === 'ssl') await deleteCertificate(q, r.uuid);
      } else {
        for (const c of checked) {
          const same = rows.find((r) => r.certtype === 'ssl_ca' && r.fingerprint === c.certificate.fingerprint256);
          if (same) throw new StarlingError('CONFLICT', `the CA certificate ${subjectOf(c.certificate)} is already installed (${same.uuid})`, { field: 'file' });
        }
      }
      const out: Certificate[] = [];
      for (const c of checked) out.push(toCertificate(await insertCertificate(q, newRow(c, this.sealer), this.clock.now())));
      return out;
    });
  }

  /** Removes a trusted CA certificate; the server certificate is replaced by installing another. */
  async uninstall(uuid: string): Promise<Certificate> {
    return this.change('ssl_ca', async (q) => {
      const r = await this.row(q, uuid);
      if (r.certtype !== 'ssl_ca') {
        throw new StarlingError('VALIDATION_FAILED', 'only ssl_ca certificates can be uninstalled; the server certificate (ssl) is replaced by installing another', { field: 'uuid' });
      }
      await deleteCertificate(q, uuid);
      return toCertificate(r);
    });
  }

  /** The server certificate every controller serves (chain and key, PEM), if one is installed. */
  async serverCertificate(): Promise<{ cert: string; key: string } | undefined> {
    const r = await serverCertificateRow(this.db);
    if (r === undefined || r.private_key_sealed === null) return undefined;
    return { cert: r.certificate_pem, key: this.sealer.open(r.private_key_sealed) };
  }

  /** A new site: the certificate the controller made (or the operator put in its data folder) and
   *  its CA become the installed ones, so they are listed and watched like any other. Idempotent. */
  async bootstrap(site: { cert: string; key: string; caPem: string | undefined }): Promise<void> {
    await this.db.tx(async (q) => {
      await lockCertificates(q);
      const rows = await listCertificates(q);
      const now = this.clock.now();
      if (site.caPem !== undefined) {
        const ca = new X509Certificate(site.caPem);
        if (!rows.some((r) => r.certtype === 'ssl_ca' && r.fingerprint === ca.fingerprint256)) {
          await insertCertificate(q, newRow({ mode: 'ssl_ca', certificate: ca, chainPem: ca.toString(), keyPem: undefined }, this.sealer), now);
        }
      }
      if (!rows.some((r) => r.certtype === 'ssl')) {
        const x = new X509Certificate(site.cert);
        await insertCertificate(q, newRow({ mode: 'ssl', certificate: x, chainPem: site.cert, keyPem: site.key }, this.sealer), now);
      }
    });
  }

  async watched(): Promise<WatchedCertificate[]> {
    return (await listCertificates(this.db)).map((r) => ({ uuid: r.uuid, certtype: r.certtype, subject: r.subject, expiry_date: r.expiry_date }));
  }

  private async change<T>(certtype: CertMode, fn: (q: Queryable) => Promise<T>): Promise<T> {
    const result = await this.db.tx(async (q) => {
      const r = await fn(q);
      await q.query('SELECT pg_notify($1, $2)', [CERTIFICATE_CHANNEL, certtype]);
      return r;
    });
    await this.afterChange(certtype);
    return result;
  }
}
