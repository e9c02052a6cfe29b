// The captured real machines (hwloc's Linux test suite, BSD-3-Clause, test/fixtures/sysfs-hwloc)
// with their answer keys, and unpacking them into a scratch folder.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseHwlocConsole, parseHwlocXml, type AnswerKey } from '../../src/agent/discovery/hwloc-answer-key.ts';

export const HWLOC_DATA = path.resolve(import.meta.dirname, '../fixtures/sysfs-hwloc');

export interface Machine {
  name: string;
  tarball: string;
  key: AnswerKey;
}

/** NAME.test says which tarball (`source:`) goes with which answer key (`target:`). */
export function machines(): Machine[] {
  if (!existsSync(HWLOC_DATA)) throw new Error(`the captured machines are missing: ${HWLOC_DATA}`);
  return readdirSync(HWLOC_DATA)
    .filter((f) => f.endsWith('.test'))
    .sort()
    .map((f) => {
      const spec = readFileSync(path.join(HWLOC_DATA, f), 'utf8');
      const field = (k: string) => new RegExp(`^${k}:\\s*(\\S+)`, 'm').exec(spec)?.[1];
      const source = field('source');
      const target = field('target');
      if (!source || !target) throw new Error(`${f}: no source or target line`);
      const text = readFileSync(path.join(HWLOC_DATA, target), 'utf8');
      return {
        name: f.replace(/\.test$/, ''),
        tarball: path.join(HWLOC_DATA, source),
        key: target.endsWith('.xml') ? parseHwlocXml(text) : parseHwlocConsole(text),
      };
    });
}

const execFileAsync = promisify(execFile);

/** Unpacks a machine under `scratch`; returns its root (the tarball's one folder: NAME or a close variant). */
export async function unpack(m: Machine, scratch: string): Promise<string> {
  const dir = path.join(scratch, m.name);
  mkdirSync(dir);
  await execFileAsync('tar', ['xjf', m.tarball, '-C', dir]);
  const [top, ...more] = readdirSync(dir);
  if (top === undefined || more.length > 0) throw new Error(`${m.tarball}: expected one folder, got ${[top, ...more].join(', ')}`);
  return path.join(dir, top);
}
