// The web dashboard's files, served by the controller itself at `/` (no second server): the
// build writes them to dist/dashboard (scripts/build.mjs, Vite). Only `/index.html` and
// `/assets/*` are claimed, so every API path keeps its own route; `/` stays Keystone's version
// document for API clients (keystoneauth asks for JSON) and answers the page to a browser (which
// asks for text/html: see wantsPage). The page is a single-page application with hash routes
// (`/#/hosts/…`): no path ever needs a fallback to index.html.
//
// The files are few and small (~100 kB): each is read and gzip-compressed once, on its first
// request, and kept in memory. Assets carry a content hash in their names and are cached for a
// year; index.html is revalidated on every load so a new build is picked up at once.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../common/paths.ts';
import type { App } from './server.ts';

/** Where the build writes the dashboard. */
export const DASHBOARD_DIR = path.join(packageRoot(), 'dist', 'dashboard');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The page talks to its own origin only; nothing may frame it (clickjacking of the actions). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

interface Loaded {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
}

/** Every file under `dir`, by its URL path (`/assets/index-abc.js`). */
function listFiles(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of listFiles(p, `${prefix}/${e.name}`)) files.set(k, v);
    else if (e.isFile()) files.set(`${prefix}/${e.name}`, p);
  }
  return files;
}

/** Does this request for `/` come from a browser (HTML before JSON in its Accept header)? */
export function wantsPage(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

/** The answer to `GET /` from a browser: the page. */
export type PageHandler = (req: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** Registers the dashboard's assets and answers the handler of its page (for `GET /`). */
export function dashboardRoutes(app: App, dir = DASHBOARD_DIR): PageHandler {
  let files: Map<string, string> | undefined;
  const cache = new Map<string, Loaded>();
  const load = (urlPath: string): Loaded | undefined => {
    const hit = cache.get(urlPath);
    if (hit) return hit;
    // Listed once, on the first request (a build made after the start is picked up by a restart).
    files ??= listFiles(dir);
    const file = files.get(urlPath);
    if (file === undefined || !statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
    const body = readFileSync(file);
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 1024;
    const loaded = { body, gzip: compressible ? gzipSync(body, { level: 9 }) : undefined, type };
    cache.set(urlPath, loaded);
    return loaded;
  };

  const send = (req: FastifyRequest, reply: FastifyReply, urlPath: string, cacheControl: string) => {
    const f = load(urlPath);
    if (f === undefined) {
      if (urlPath === '/index.html') {
        return reply
          .status(503)
          .header('content-type', 'text/plain; charset=utf-8')
          .send('The dashboard is not built on this controller: run `npm run build` and restart it.\n');
      }
      return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n');
    }
    void reply.headers(SECURITY_HEADERS).header('content-type', f.type).header('cache-control', cacheControl).header('vary', 'accept-encoding');
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (f.gzip !== undefined && acceptsGzip) return reply.header('content-encoding', 'gzip').send(f.gzip);
    return reply.send(f.body);
  };

  const page = { config: { access: 'public' as const } };
  app.get('/index.html', page, (req, reply) => send(req, reply, '/index.html', 'no-cache'));
  app.get('/assets/*', page, (req, reply) =>
    send(req, reply, `/assets/${(req.params as { '*': string })['*']}`, 'public, max-age=31536000, immutable'),
  );
  return (req, reply) => send(req, reply, '/index.html', 'no-cache');
}
