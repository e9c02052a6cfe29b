// The data folder's TLS files (tls/): the site CA and the API's server certificate, made on the
// first start unless the operator put their own there. Keys are 0600 and never leave the folder
// except as the served certificate's key (never in an answer or a log).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { StarlingError } from '../common/errors.ts';
import { issueCertificate } from './generate.ts';

export interface SiteTls {
  /** The served certificate (with its chain) and key, PEM. */
  cert: string;
  key: string;
  /** The site CA's certificate file, for OS_CACERT and the agents; undefined when the operator's
   *  own server certificate came without a tls/ca.crt. */
  caFile: string | undefined;
  caPem: string | undefined;
  /** Made now (a first start). */
  generated: boolean;
}

export const TLS_FILES = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'server.crt', key: 'server.key' } as const;

const DAY_MS = 86_400_000;
/** The site CA lasts 10 years; the server certificate it signs 2 years (alarm 500.200 warns before). */
const CA_DAYS = 3650;
const SERVER_DAYS = 730;

/** The names and addresses the API answers on: its bind address (every local one for a wildcard),
 *  loopback, this machine's name and `controller`. */
export function apiNames(bind: string): string[] {
  const names = new Set(['localhost', 'controller', os.hostname(), '127.0.0.1', '::1']);
  if (bind === '0.0.0.0' || bind === '::') {
    for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) names.add(a.address.replace(/%.*$/, ''));
  } else {
    names.add(bind);
  }
  return [...names].filter(Boolean);
}

const readIf = async (file: string): Promise<string | undefined> => {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

const writeSecret = (file: string, text: string): Promise<void> => fs.writeFile(file, text, { mode: 0o600, flag: 'wx' });

/** Loads the folder's server certificate, or makes the site CA and one on a first start. */
export async function ensureSiteTls(dataDir: string, opts: { names: string[]; now: Date }): Promise<SiteTls> {
  const dir = path.join(dataDir, 'tls');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (k: keyof typeof TLS_FILES): string => path.join(dir, TLS_FILES[k]);
  let caPem = await readIf(file('caCert'));
  let cert = await readIf(file('cert'));
  let key = await readIf(file('key'));
  let generated = false;
  if (cert === undefined || key === undefined) {
    if (cert !== undefined || key !== undefined) {
      throw new StarlingError('CONFIG_INVALID', `${dir} has ${cert === undefined ? TLS_FILES.key : TLS_FILES.cert} without ${cert === undefined ? TLS_FILES.cert : TLS_FILES.key}: give both, or neither to have them made`, { field: path.join(dir, cert === undefined ? TLS_FILES.cert : TLS_FILES.key) });
    }
    let caKey = await readIf(file('caKey'));
    if (caPem === undefined || caKey === undefined) {
      const ca = await issueCertificate({ commonName: `Starling site CA ${os.hostname()}`, ca: true, notBefore: new Date(opts.now.getTime() - 60_000), notAfter: new Date(opts.now.getTime() + CA_DAYS * DAY_MS) });
      await writeSecret(file('caKey'), ca.keyPem);
      await fs.writeFile(file('caCert'), ca.certPem, { mode: 0o644 });
      caPem = ca.certPem;
      caKey = ca.keyPem;
    }
    const issued = await issueCertificate({
      commonName: 'controller',
      altNames: opts.names,
      issuer: { certPem: caPem, keyPem: caKey },
      notBefore: new Date(opts.now.getTime() - 60_000),
      notAfter: new Date(opts.now.getTime() + SERVER_DAYS * DAY_MS),
    });
    await writeSecret(file('key'), issued.keyPem);
    await fs.writeFile(file('cert'), issued.certPem, { mode: 0o644 });
    cert = issued.certPem;
    key = issued.keyPem;
    generated = true;
  }
  // The operator's own files are checked before they are served: a wrong key would only show as
  // every client's failed handshake.
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new StarlingError('CONFIG_INVALID', `${file('cert')} / ${file('key')}: not a PEM certificate and private key`, { field: file('cert') });
  }
  if (!matches) throw new StarlingError('CONFIG_INVALID', `${file('key')} does not match ${file('cert')}`, { field: file('key') });
  return { cert, key, caFile: caPem === undefined ? undefined : file('caCert'), caPem, generated };
}
