// Structured logs (pino). Secrets never reach a log line: tokens, passwords and keys are redacted
// wherever they appear in the objects we log.

import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'res.headers["x-subject-token"]',
  'bm_password',
  '*.bm_password',
  'key',
  '*.key',
];

/**
 * A log that cannot be written (a full disk: ENOSPC) must never stop the process: its stream's
 * 'error' events are handled here — the lines are dropped, said once a minute on stderr — and the
 * stream writes again by itself once there is room.
 */
export function survivesWriteErrors(destination: pino.DestinationStream, name: string): void {
  const emitter = destination as Partial<NodeJS.EventEmitter>;
  if (typeof emitter.on !== 'function') return;
  let saidAt = Number.NEGATIVE_INFINITY;
  emitter.on('error', (e: NodeJS.ErrnoException) => {
    const now = performance.now();
    if (now - saidAt < 60_000) return;
    saidAt = now;
    try {
      process.stderr.write(`${name}: cannot write the log (${e.code ?? e.message}); lines are dropped until it can\n`);
    } catch {
      // stderr itself is gone: nothing more to do
    }
  });
}

export function createLogger(level: string, name = 'starling', destination?: pino.DestinationStream): Logger {
  const dest = destination ?? pino.destination(2);
  survivesWriteErrors(dest, name);
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    dest,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
