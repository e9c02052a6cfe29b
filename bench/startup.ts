// Startup benchmark: spawns the real `bin/starling up` (controller + embedded PostgreSQL + agent)
// and measures, against the goals of an edge controller:
//   - ready time on a NEW data folder (initdb + migrations + seeding): spawn -> first login (201);
//   - ready time on an EXISTING data folder (the same folders, after a clean SIGINT stop);
//   - idle memory of the whole process tree, 3 s after a start (RSS per part, PSS total).
// It reports; a missed goal does not fail it. Processes and temp folders are always cleaned up.

import { benchTempDir, cleanupOnInterrupt, lpad, machineLine, mark, pad } from './lib.ts';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  POLL_MS,
  processTable,
  StarlingProcesses,
  tail,
  treeOf,
  type Part,
  type Running,
  type Stopped,
} from './support/starling-process.ts';

const ADMIN_PASSWORD = 'bench-admin-password';
const COLD_RUNS = 3;
const WARM_RUNS = 5;
const IDLE_MS = 3_000;
const GOAL_NEW_MS = 2000;
const GOAL_EXISTING_MS = 1000;
const GOAL_TOTAL_MB = 200;

const runs = new StarlingProcesses(ADMIN_PASSWORD);
const tempDirs = new Set<string>();
const warnings = runs.warnings;

async function startAndLogin(dataDir: string): Promise<{ r: Running; ms: number }> {
  return runs.start('up', dataDir);
}

async function cleanupAll(): Promise<void> {
  await runs.stopAll();
  for (const dir of [...tempDirs]) {
    await runs.killLeftovers(dir).catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((e: Error) => {
      console.error(`could not remove ${dir}: ${e.message}`);
    });
    tempDirs.delete(dir);
  }
}

const newDataDir = (): Promise<string> => benchTempDir('starling-bench-', tempDirs);

// ---------------------------------------------------------------------------------------------
// /proc: memory

function readKb(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface PartMemory {
  procs: number;
  rssKb: number;
  pssKb: number;
  pssMissing: number;
}

function memory(rootPid: number, dataDir: string): Map<Part | 'total', PartMemory> {
  const out = new Map<Part | 'total', PartMemory>();
  for (const k of ['controller', 'agent', 'postgres', 'total'] as const) {
    out.set(k, { procs: 0, rssKb: 0, pssKb: 0, pssMissing: 0 });
  }
  for (const [pid, part] of treeOf(processTable(), rootPid, dataDir)) {
    const rss = readKb(`/proc/${pid}/status`, 'VmRSS');
    if (rss === undefined) continue; // exited, or a zombie / kernel thread without memory
    const pss = readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
    for (const m of [out.get(part)!, out.get('total')!]) {
      m.procs++;
      m.rssKb += rss;
      if (pss === undefined) m.pssMissing++;
      else m.pssKb += pss;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (x: number): string => `${Math.round(x)}`;
const mb = (kb: number): string => (kb / 1024).toFixed(1);

function describeStop(s: Stopped): string {
  const how = s.forced ? ', SIGKILLed after 10 s' : s.code === 0 ? '' : `, exit ${s.signal ?? s.code}`;
  if (s.forced || s.code !== 0)
    warnings.push(`a stop ended badly (${s.signal ?? s.code}${s.forced ? ', forced' : ''})`);
  return `stop ${ms(s.ms)} ms${how}`;
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const stopListening = cleanupOnInterrupt(cleanupAll);
  try {
    console.log(machineLine());
    // bin/starling rebuilds its bundle when src/ is newer: do that now, outside the measurements.
    const w0 = performance.now();
    await runs.warmUp();
    console.log(
      `warm-up: \`starling --help\` (bundle check/build) ${ms(performance.now() - w0)} ms, not counted`,
    );
    console.log(
      `ready = spawn of \`bin/starling up\` -> first login answered 201 (polled every ${POLL_MS} ms)`,
    );
    console.log('');

    const dirs: string[] = [];
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const dir = await newDataDir();
      dirs.push(dir);
      const { r, ms: t } = await startAndLogin(dir);
      cold.push(t);
      const s = await runs.stop(r);
      console.log(
        `  new folder       run ${i + 1}/${COLD_RUNS}: ready ${lpad(ms(t), 5)} ms   (${describeStop(s)})`,
      );
    }

    const warm: number[] = [];
    let mem: Map<Part | 'total', PartMemory> | undefined;
    for (let i = 0; i < WARM_RUNS; i++) {
      const dir = dirs[i % dirs.length]!;
      const { r, ms: t } = await startAndLogin(dir);
      warm.push(t);
      if (i === WARM_RUNS - 1 && r.child.pid !== undefined) {
        await sleep(IDLE_MS);
        if (r.exited) throw new Error(`starling up exited while idle:\n    ${tail(r)}`);
        mem = memory(r.child.pid, dir);
      }
      const s = await runs.stop(r);
      console.log(
        `  existing folder  run ${i + 1}/${WARM_RUNS}: ready ${lpad(ms(t), 5)} ms   (${describeStop(s)})`,
      );
    }

    console.log('');
    console.log(
      `${pad('ready time', 18)}${pad('runs (ms)', 32)}${lpad('min', 6)}${lpad('median', 8)}   goal (median)`,
    );
    for (const [label, xs, goal] of [
      ['new folder', cold, GOAL_NEW_MS],
      ['existing folder', warm, GOAL_EXISTING_MS],
    ] as const) {
      const med = median(xs);
      console.log(
        `${pad(label, 18)}${pad(xs.map(ms).join(' '), 32)}${lpad(ms(Math.min(...xs)), 6)}${lpad(ms(med), 8)}` +
          `   < ${goal} ms  ${mark(med < goal)}`,
      );
    }

    console.log('');
    console.log(`idle memory, ${IDLE_MS / 1000} s after a start on an existing folder (MB = MiB)`);
    console.log(`${pad('part', 18)}${lpad('procs', 6)}${lpad('RSS MB', 9)}${lpad('PSS MB', 9)}`);
    if (mem) {
      for (const part of ['controller', 'agent', 'postgres', 'total'] as const) {
        const m = mem.get(part)!;
        const pss = m.pssMissing === m.procs ? 'n/a' : `${mb(m.pssKb)}${m.pssMissing > 0 ? '*' : ''}`;
        console.log(`${pad(part, 18)}${lpad(String(m.procs), 6)}${lpad(mb(m.rssKb), 9)}${lpad(pss, 9)}`);
      }
      const total = mem.get('total')!;
      const pssOk = total.pssMissing === 0;
      console.log(
        `goal: total < ${GOAL_TOTAL_MB} MB   RSS ${mb(total.rssKb)} ${mark(total.rssKb / 1024 < GOAL_TOTAL_MB)}` +
          (pssOk ? `   PSS ${mb(total.pssKb)} ${mark(total.pssKb / 1024 < GOAL_TOTAL_MB)}` : '   PSS n/a'),
      );
      console.log(
        '(RSS counts pages shared between processes once per process; PSS shares them out: the honest total)',
      );
      if (total.pssMissing > 0) console.log('* PSS unreadable for some processes: partial sum');
    }
    for (const w of warnings) console.log(`warning: ${w}`);
  } finally {
    stopListening();
    await cleanupAll();
  }
}
