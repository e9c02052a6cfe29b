// Certificates made by Starling itself: the site CA and the API's server certificate on a first
// start (and short-lived ones in tests). node-forge builds and signs the X.509 structures; the
// RSA keys come from Node's own crypto (OpenSSL), so no key material is made in JavaScript.

import { generateKeyPair, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

const newKeyPair = promisify(generateKeyPair);

export interface Issued {
  certPem: string;
  /** PKCS#8 PEM. Secret: never logged nor answered. */
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS names and IP addresses for the subjectAltName (a server certificate). */
  altNames?: string[];
  /** Signed by this CA; undefined = self-signed. */
  issuer?: Issued;
  /** A CA certificate (basicConstraints CA:TRUE, keyCertSign). */
  ca?: boolean;
  /** The key to certify; undefined = a new RSA-2048 key. */
  keyPem?: string;
}

/** Makes and signs one certificate (SHA-256 with RSA). */
export async function issueCertificate(req: CertificateRequest): Promise<Issued> {
  const keyPem = req.keyPem ?? (await newKeyPair('rsa', { modulusLength: 2048 })).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive 128-bit serial (RFC 5280: at most 20 octets, positive).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = req.notAfter;
  const subject = [{ name: 'commonName', value: req.commonName }, { name: 'organizationName', value: 'Starling' }];
  cert.setSubject(subject);
  const issuerCert = req.issuer ? forge.pki.certificateFromPem(req.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: req.ca === true, critical: true },
    req.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (!req.ca) extensions.push({ name: 'extKeyUsage', serverAuth: true, clientAuth: true });
  if (req.altNames && req.altNames.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: req.altNames.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    });
  }
  if (issuerCert) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(extensions);
  const signer = req.issuer ? (forge.pki.privateKeyFromPem(req.issuer.keyPem)) : key;
  cert.sign(signer, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
