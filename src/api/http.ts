// A small HTTP client on node:http(s), for the CLI and the agent. Not fetch: Node's fetch loads
// undici, ~14 MB more resident memory in every agent (measured here).

import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StarlingError } from '../common/errors.ts';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as a stream (server-sent events), or read whole with text(). */
  stream: IncomingMessage;
  text(): Promise<string>;
  header(name: string): string | undefined;
}

export interface HttpInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** PEM of the only CAs an https server's certificate may chain to (replaces the system's). */
  ca?: string;
}

/** OpenSSL's codes for a certificate that does not verify: said as such, with what to do. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function httpRequest(url: string, init: HttpInit): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: init.method,
        ...(init.ca === undefined ? {} : { ca: init.ca }),
        headers: { ...(init.headers ?? {}), ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }) },
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      },
      (res) => {
        let cached: Promise<string> | undefined;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          stream: res,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
          },
          text: () =>
            (cached ??= new Promise<string>((ok, fail) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
              res.on('error', fail);
            })),
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return reject(e);
      if (e.code !== undefined && UNTRUSTED.has(e.code)) {
        return reject(
          new StarlingError('CONNECTION_FAILED', `${u.origin} is not trusted: its certificate does not verify (${e.code}); give the site's CA certificate (OS_CACERT / --os-cacert)`, { cause: e, field: 'OS_CACERT' }),
        );
      }
      reject(new StarlingError('CONNECTION_FAILED', `cannot reach ${u.origin}: ${e.code ?? e.message}`, { cause: e }));
    });
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
