// The certificates table (migration 030): read and written only through this file.

import type { Queryable } from '../db/index.ts';
import type { CertMode } from './pem.ts';

export interface CertificateRow {
  uuid: string;
  certtype: CertMode;
  signature: string;
  start_date: Date;
  expiry_date: Date;
  subject: string;
  issuer: string;
  fingerprint: string;
  certificate_pem: string;
  private_key_sealed: string | null;
  created_at: Date;
  updated_at: Date | null;
}

const COLUMNS = 'uuid, certtype, signature, start_date, expiry_date, subject, issuer, fingerprint, certificate_pem, private_key_sealed, created_at, updated_at';

export const listCertificates = async (q: Queryable): Promise<CertificateRow[]> =>
  (await q.query<CertificateRow>(`SELECT ${COLUMNS} FROM certificates ORDER BY certtype, created_at, uuid`)).rows;

export const getCertificate = async (q: Queryable, uuid: string): Promise<CertificateRow | undefined> =>
  (await q.query<CertificateRow>(`SELECT ${COLUMNS} FROM certificates WHERE uuid = $1`, [uuid])).rows[0];

export const serverCertificateRow = async (q: Queryable): Promise<CertificateRow | undefined> =>
  (await q.query<CertificateRow>(`SELECT ${COLUMNS} FROM certificates WHERE certtype = 'ssl'`)).rows[0];

export type NewCertificate = Omit<CertificateRow, 'created_at' | 'updated_at'>;

export async function insertCertificate(q: Queryable, c: NewCertificate, now: Date): Promise<CertificateRow> {
  const r = await q.query<CertificateRow>(
    `INSERT INTO certificates (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL) RETURNING ${COLUMNS}`,
    [c.uuid, c.certtype, c.signature, c.start_date, c.expiry_date, c.subject, c.issuer, c.fingerprint, c.certificate_pem, c.private_key_sealed, now],
  );
  return r.rows[0]!;
}

export async function deleteCertificate(q: Queryable, uuid: string): Promise<void> {
  await q.query('DELETE FROM certificates WHERE uuid = $1', [uuid]);
}

/** Locks the table against another install's check-then-write (one server certificate, a CA once). */
export async function lockCertificates(q: Queryable): Promise<void> {
  await q.query('LOCK TABLE certificates IN SHARE ROW EXCLUSIVE MODE');
}
