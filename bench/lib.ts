// What every benchmark shares: the machine line, the verdict marks, temporary folders that
// postgres (another user) can reach, and cleanup on Ctrl-C.

import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const machineLine = (): string =>
  `node ${process.version}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.arch()}`;

export const mark = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
export const pad = (s: string, n: number): string => s.padEnd(n);
export const lpad = (s: string, n: number): string => s.padStart(n);

/** A new temporary folder, registered in `registry` for cleanup; 0755 so PostgreSQL reaches it. */
export async function benchTempDir(prefix: string, registry: Set<string>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  registry.add(dir);
  await fsp.chmod(dir, 0o755);
  return dir;
}

/** Runs `cleanup` on SIGINT/SIGTERM, then exits 130; returns the way to stop listening. */
export function cleanupOnInterrupt(cleanup: () => Promise<void>): () => void {
  const onSignal = (sig: NodeJS.Signals): void => {
    console.error(`\n${sig}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
