// The API's TLS: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only, and the certificate
// swapped on the listening socket (new connections get the new one, open ones finish on theirs).

import https from 'node:https';
import type { RequestListener } from 'node:http';
import type { SecureContextOptions } from 'node:tls';

export interface ServerCertificate {
  /** The certificate and its chain, PEM (the server's first). */
  cert: string;
  /** Its private key, PEM. Secret. */
  key: string;
}

/** Mozilla's "intermediate" list: ECDHE key exchange, AES-GCM and ChaCha20-Poly1305, then TLS 1.3's suites. */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const secureContextOptions = (c: ServerCertificate | undefined): SecureContextOptions => ({
  ...(c === undefined ? {} : { cert: c.cert, key: c.key }),
  minVersion: 'TLSv1.2',
  ciphers: TLS_CIPHERS,
  honorCipherOrder: true,
});

/** An HTTPS server for fastify's serverFactory; without a certificate yet, one must be swapped in
 *  before it listens. */
export function createHttpsServer(c: ServerCertificate | undefined, handler: RequestListener): https.Server {
  return https.createServer({ ...secureContextOptions(c) }, handler);
}

/** Serves `c` to the server's next connections; open connections keep the certificate they have. */
export function swapServerCertificate(server: https.Server, c: ServerCertificate): void {
  server.setSecureContext(secureContextOptions(c));
}
