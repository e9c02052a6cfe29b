// The dashboard's file serving, in process (Fastify's inject, no socket): what a browser and an
// API client each get at `/`, the assets' types, caching and compression, and nothing outside
// the built folder.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import { dashboardRoutes } from './dashboard.ts';
import { buildServer, type App } from './server.ts';

const HTML = '<!doctype html><html><head><script type="module" src="./assets/index-abc.js"></script></head></html>';
const JS = `console.log(${JSON.stringify('x'.repeat(5000))});`;

function server(dir: string): App {
  const app = buildServer({ log: silentLogger, validateToken: async () => undefined, audit: async () => undefined });
  const page = dashboardRoutes(app, dir);
  app.get('/', { config: { access: 'public' } }, async (req, reply) =>
    /text\/html/.test(String(req.headers.accept)) ? page(req, reply) : reply.status(300).send({ versions: {} }),
  );
  return app;
}

describe('dashboard files', () => {
  let dir: string;
  let app: App;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'starling-dash-files-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), HTML);
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), JS);
    writeFileSync(path.join(dir, 'secret.txt'), 'not served');
    app = server(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the page to a browser, with a policy that keeps it to its own origin', async () => {
    const r = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.body).toBe(HTML);
  });

  it('serves hashed assets gzipped to clients that accept it, cached for good', async () => {
    const gz = await app.inject({ method: 'GET', url: '/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['cache-control']).toContain('immutable');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(JS);
    expect(gz.rawPayload.length).toBeLessThan(JS.length / 10);
    const plain = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(JS);
  });

  it('serves nothing but the built files', async () => {
    for (const url of ['/assets/missing.js', '/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2Fsecret.txt', '/secret.txt']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain('not served');
    }
  });

  it('says so when the dashboard is not built', async () => {
    const empty = server(path.join(dir, 'no-such-folder'));
    try {
      const r = await empty.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(r.statusCode).toBe(503);
      expect(r.body).toContain('npm run build');
    } finally {
      await empty.close();
    }
  });
});
