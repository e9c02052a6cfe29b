// Benchmark runner: `npm run bench` runs every bench/<name>.ts (except this file), in name order;
// `npm run bench -- <name> [...]` runs only the named ones. Each module exports
// `async function run(): Promise<void>` that prints its own report. Unknown name: exit 2.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = import.meta.dirname;
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts' && f !== 'lib.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const asked = process.argv.slice(2).map((a) => a.replace(/\.ts$/, ''));
const unknown = asked.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  console.error(`available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}

let failed = 0;
for (const name of asked.length > 0 ? asked : available) {
  console.log(`== bench: ${name} ==`);
  const mod: unknown = await import(pathToFileURL(path.join(dir, `${name}.ts`)).href);
  const run = (mod as { run?: unknown }).run;
  if (typeof run !== 'function') {
    console.error(`bench/${name}.ts does not export async function run()`);
    process.exit(2);
  }
  const started = performance.now();
  try {
    await (run as () => Promise<void>)();
    console.log(`== ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s ==`);
  } catch (e) {
    failed++;
    console.error(`== ${name}: FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  console.log('');
}
process.exit(failed > 0 ? 1 : 0);
