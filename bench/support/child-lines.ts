// The lines a benchmark's helper process prints on its stdout, taken one at a time.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Returns `next(timeoutMs)`: the next line, waiting for it at most that long. */
export function childLines(stream: Readable, what: string): (timeoutMs: number) => Promise<string> {
  const lines: string[] = [];
  createInterface({ input: stream }).on('line', (l) => lines.push(l));
  return async (timeoutMs) => {
    for (const t0 = Date.now(); lines.length === 0; await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${what} did not answer within ${timeoutMs} ms`);
    }
    return lines.shift()!;
  };
}
