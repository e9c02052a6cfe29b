// Runs the bulk-add XML parser in a worker thread (src/inventory/hosts/bulk-xml-worker.ts): the API's
// event loop keeps answering while a large file is parsed, a hostile file can only exhaust the
// worker's own bounded heap, and at most MAX_PARALLEL files are parsed at once.

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StarlingError, type ErrorCode } from '../../common/errors.ts';
import { packageRoot } from '../../common/paths.ts';
import type { BulkHost } from './domain/bulk-xml.ts';

/** The largest hosts file accepted: 5,000 hosts with every field filled take ~3.4 MiB. */
export const MAX_BULK_BYTES = 8 * 1024 * 1024;
const MAX_PARALLEL = 2;
const PARSE_TIMEOUT_MS = 30_000;
/** The worker's heap: a 8 MiB file parses in well under this (measured ~100 MB for 5,000 hosts). */
const WORKER_HEAP_MB = 512;

let running = 0;
const waiting: (() => void)[] = [];

/** The worker's code: in dist/ when bundled; from source (tests, tsx) a small bootstrap registers
 *  tsx's loader in the worker first, then imports the .ts file beside this one. */
function newWorker(): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }, stdout: false };
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.ts')) return new Worker(path.join(packageRoot(), 'dist', 'bulk-xml-worker.mjs'), options);
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = pathToFileURL(path.join(path.dirname(self), 'bulk-xml-worker.ts')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

type Answer = { ok: true; hosts: BulkHost[] } | { ok: false; error: { code: ErrorCode; message: string; field?: string; details?: Record<string, unknown> } };

export async function parseBulkXmlInWorker(xml: string): Promise<BulkHost[]> {
  if (running >= MAX_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await runWorker(xml);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function runWorker(xml: string): Promise<BulkHost[]> {
  return new Promise((resolve, reject) => {
    const worker = newWorker();
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => settle(() => reject(new StarlingError('VALIDATION_FAILED', `the file took longer than ${PARSE_TIMEOUT_MS / 1000} s to parse`, { field: 'file' }))),
      PARSE_TIMEOUT_MS,
    );
    worker.once('message', (a: Answer) =>
      settle(() => {
        if (a.ok) resolve(a.hosts);
        else {
          const { code, message, field, details } = a.error;
          reject(new StarlingError(code, message, { ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) }));
        }
      }),
    );
    worker.once('error', (e) =>
      settle(() =>
        reject(
          (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new StarlingError('VALIDATION_FAILED', 'the file needs too much memory to parse', { field: 'file' })
            : new StarlingError('INTERNAL', 'the bulk file parser failed', { cause: e }),
        ),
      ),
    );
    worker.once('exit', (code) => settle(() => reject(new StarlingError('INTERNAL', `the bulk file parser exited (${code})`))));
    worker.postMessage(xml);
  });
}
