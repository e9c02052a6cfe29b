// Reading a PEM file the way sysinv's certificate-install does: its certificates (the first is the
// one installed, the rest its chain), an optional private key (possibly encrypted), and the
// checks that refuse it naming what is wrong. No I/O: the file's text and "now" come in.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { StarlingError } from '../common/errors.ts';

export const CERT_MODES = ['ssl', 'ssl_ca'] as const;
export type CertMode = (typeof CERT_MODES)[number];

export interface PemBundle {
  certificates: X509Certificate[];
  /** The private key block as given, and the key it holds. */
  key: { pem: string; object: KeyObject } | undefined;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/g;

const refuse = (message: string, field = 'file'): never => {
  throw new StarlingError('VALIDATION_FAILED', message, { field });
};

/** The file's certificates and key; refuses a file that is not PEM, or a block that does not parse. */
export function readPem(text: string, passphrase?: string): PemBundle {
  const certBlocks = text.match(CERT_BLOCK) ?? [];
  if (certBlocks.length === 0) refuse('the file has no PEM certificate (-----BEGIN CERTIFICATE-----)');
  const certificates = certBlocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      return refuse(`certificate ${i + 1} of the file is not a valid X.509 certificate`);
    }
  });
  const keyBlocks = text.match(KEY_BLOCK) ?? [];
  if (keyBlocks.length > 1) refuse('the file has more than one private key');
  let key: PemBundle['key'];
  if (keyBlocks[0] !== undefined) {
    const pem = keyBlocks[0];
    try {
      key = { pem, object: createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase }) };
    } catch {
      refuse(pem.includes('ENCRYPTED') && passphrase === undefined ? 'the private key is encrypted: give its passphrase' : 'the private key cannot be read (not a valid key, or a wrong passphrase)', pem.includes('ENCRYPTED') ? 'passphrase' : 'file');
    }
  }
  return { certificates, key };
}

/** "2026-12-06 02:51:11+00:00" (the form sysinv answers). */
export const sysinvDate = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;

/** Refuses a certificate outside its validity period at `now`. */
export function checkValidity(cert: X509Certificate, now: Date, what = 'the certificate'): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from) refuse(`${what} (${subjectOf(cert)}) is not yet valid: its validity starts ${sysinvDate(from)}`);
  if (now > to) refuse(`${what} (${subjectOf(cert)}) expired on ${sysinvDate(to)}`);
}

/** "CN=controller, O=Starling" from Node's line-per-attribute form. */
export const subjectOf = (cert: X509Certificate): string => oneLine(cert.subject);
export const issuerOf = (cert: X509Certificate): string => oneLine(cert.issuer);
const oneLine = (dn: string): string => dn.split('\n').filter(Boolean).reverse().join(', ');

const selfSigned = (c: X509Certificate): boolean => c.checkIssued(c) && c.verify(c.publicKey);

/**
 * Verifies `leaf` up to a self-signed CA, through the file's other certificates and the trusted
 * CAs; refuses naming the link that does not hold. A self-signed root given in the file counts
 * only when it is also trusted (installed with ssl_ca, or the site CA).
 */
export function checkChain(leaf: X509Certificate, intermediates: X509Certificate[], trusted: X509Certificate[], now: Date): void {
  const isTrusted = (c: X509Certificate): boolean => trusted.some((t) => t.fingerprint256 === c.fingerprint256);
  let cert = leaf;
  for (let depth = 0; depth < 10; depth++) {
    if (isTrusted(cert)) return;
    if (selfSigned(cert)) {
      refuse(`the chain does not verify: it ends at ${subjectOf(cert)}, which is not a trusted CA (install it first with -m ssl_ca)`);
    }
    const candidates = [...intermediates, ...trusted].filter((c) => cert.checkIssued(c));
    if (candidates.length === 0) {
      refuse(`the chain does not verify: no CA certificate for the issuer ${issuerOf(cert)} (include it in the file, or install it with -m ssl_ca)`);
    }
    const issuer = candidates.find((c) => cert.verify(c.publicKey));
    if (issuer === undefined) refuse(`the chain does not verify: the signature of ${subjectOf(cert)} does not verify with the key of ${issuerOf(cert)}`);
    if (!issuer!.ca) refuse(`the chain does not verify: ${subjectOf(issuer!)} is not a CA certificate`);
    checkValidity(issuer!, now, 'the CA certificate');
    cert = issuer!;
  }
  refuse('the chain does not verify: it is longer than 10 certificates');
}

export interface CheckedCertificate {
  mode: CertMode;
  certificate: X509Certificate;
  /** The whole chain as PEM (the certificate first), served with the key for ssl. */
  chainPem: string;
  keyPem: string | undefined;
}

/**
 * The checks of `certificate-install -m MODE`: ssl = a server certificate with its private key,
 * valid now, chaining to a trusted CA; ssl_ca = one or more CA certificates, each valid now.
 */
export function checkInstall(mode: CertMode, text: string, opts: { now: Date; trusted: X509Certificate[]; passphrase?: string }): CheckedCertificate[] {
  const bundle = readPem(text, opts.passphrase);
  if (mode === 'ssl_ca') {
    if (bundle.key !== undefined) refuse('a CA certificate is installed without a private key: remove it from the file');
    return bundle.certificates.map((c, i) => {
      if (!c.ca) refuse(`certificate ${i + 1} of the file (${subjectOf(c)}) is not a CA certificate (basicConstraints CA:TRUE)`);
      checkValidity(c, opts.now, `certificate ${i + 1} of the file`);
      if (selfSigned(c) === false && c.checkIssued(c)) refuse(`the self-signed certificate ${subjectOf(c)} has a signature that does not verify`);
      return { mode, certificate: c, chainPem: c.toString(), keyPem: undefined };
    });
  }
  const [leaf, ...rest] = bundle.certificates as [X509Certificate, ...X509Certificate[]];
  if (bundle.key === undefined) refuse('a server certificate (ssl) needs its private key in the same file');
  if (!leaf.checkPrivateKey(bundle.key!.object)) refuse(`the private key does not match the certificate ${subjectOf(leaf)}`);
  checkValidity(leaf, opts.now);
  checkChain(leaf, rest, opts.trusted, opts.now);
  const keyPem = bundle.key!.object.export({ type: 'pkcs8', format: 'pem' }).toString();
  return [{ mode, certificate: leaf, chainPem: bundle.certificates.map((c) => c.toString()).join(''), keyPem }];
}
