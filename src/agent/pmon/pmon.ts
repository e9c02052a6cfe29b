// pmon: StarlingX's process monitor in the agent. Reads /etc/pmon.d-style files, audits each
// process every auditPeriodMs, and applies what domain/supervise.ts decides (restart, alarm, give up).

import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../common/log.ts';
import type { AlarmSink } from '../monitor/alarm-sink.ts';
import { parsePmonConf, type PmonConf, type PmonSeverity } from './domain/conf.ts';
import { audit, initialState, visibleState, type PmonAction, type ProcState } from './domain/supervise.ts';
import { childAlive, pidAlive, readPidfile, runScript, spawnCommand, terminate } from './processes.ts';

export interface PmonProcessStatus {
  name: string;
  state: 'running' | 'restarting' | 'failed' | 'stopped';
  pid: number | null;
  restarts: number;
  severity: PmonSeverity;
}

export interface Pmon {
  status(): PmonProcessStatus[];
  /** No critical process has failed. */
  healthy(): boolean;
  /** Problems of the last (re)load: bad files (skipped), unknown fields, duplicate process names. */
  problems(): string[];
  /** Reads the folder again: new files are watched, removed ones dropped, changed ones restarted. */
  reload(): Promise<void>;
  /** Stops auditing and stops the commands pmon runs itself (pidfile processes are left alone). */
  stop(): Promise<void>;
}

export interface PmonOptions {
  dir: string;
  hostname: string;
  sink: AlarmSink;
  log: Logger;
  /** Default 500, pmond's audit_period. */
  auditPeriodMs?: number;
  /** A critical process could not be recovered: the agent tells the controller, which fails the host. */
  onCriticalFailure: (process: string, reason: string) => void;
}

interface Watched {
  conf: PmonConf;
  state: ProcState;
  child?: ChildProcess;
  pid: number | null;
  scriptRunning?: boolean;
}

export const PROCESS_ALARM_ID = '200.006';

export async function startPmon(opts: PmonOptions): Promise<Pmon> {
  const { sink, log, hostname } = opts;
  const watched = new Map<string, Watched>();
  const inflight = new Set<Promise<void>>();
  let problems: string[] = [];
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const entity = (name: string) => `host=${hostname}.process=${name}`;
  /** Alarm reports run beside the audits: a slow controller must not delay a restart. */
  const track = (p: Promise<void>): void => {
    const q = p
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'pmon: alarm report failed'))
      .finally(() => inflight.delete(q));
    inflight.add(q);
  };
  const serial = (fn: () => Promise<void>): Promise<void> =>
    (chain = chain
      .then(fn)
      .catch((e: unknown) => log.error({ err: (e as Error).message }, 'pmon: audit failed')));

  const observe = async (w: Watched): Promise<boolean> => {
    if (w.conf.command !== undefined) {
      const alive = childAlive(w.child);
      w.pid = alive ? w.child!.pid! : null;
      return alive;
    }
    const pid = await readPidfile(w.conf.pidfile!);
    const alive = pid !== undefined && (await pidAlive(pid));
    w.pid = alive ? pid : null;
    return alive;
  };

  const apply = (w: Watched, a: PmonAction): void => {
    const { conf } = w;
    switch (a.kind) {
      case 'start':
        log.info(
          { process: conf.process, attempt: w.state.attempts },
          w.state.attempts === 0 ? 'pmon: starting process' : 'pmon: restarting process',
        );
        if (conf.command !== undefined) {
          w.child = spawnCommand(conf.command, conf.process, log);
        } else if (w.scriptRunning) {
          // A hung script is not run a second time beside itself; this attempt just counts as failed.
          log.warn(
            { process: conf.process, script: conf.script },
            'pmon: the previous restart script is still running',
          );
        } else {
          w.scriptRunning = true;
          void runScript(conf.script!, conf.process, log)
            .catch((e: unknown) =>
              log.error({ process: conf.process, err: (e as Error).message }, 'pmon: restart script'),
            )
            .finally(() => (w.scriptRunning = false));
        }
        return;
      case 'raise':
        log.warn(
          { process: conf.process, severity: conf.severity, reason: a.reason },
          'pmon: process failure',
        );
        track(
          sink.raise({
            alarm_id: PROCESS_ALARM_ID,
            entity_instance_id: entity(conf.process),
            severity: conf.severity,
            reason_text: a.reason,
          }),
        );
        return;
      case 'clear':
        if (w.state.restarts > 0) log.info({ process: conf.process }, 'pmon: process recovered');
        track(sink.clear(PROCESS_ALARM_ID, entity(conf.process)));
        return;
      case 'critical-failure':
        log.error({ process: conf.process, reason: a.reason }, 'pmon: critical process failed');
        try {
          opts.onCriticalFailure(conf.process, a.reason);
        } catch (e) {
          log.error(
            { process: conf.process, err: (e as Error).message },
            'pmon: critical failure handler threw',
          );
        }
        return;
    }
  };

  const auditAll = async (): Promise<void> => {
    for (const w of watched.values()) {
      const alive = await observe(w);
      const step = audit(w.conf, w.state, alive, Date.now());
      w.state = step.state;
      for (const a of step.actions) apply(w, a);
    }
  };

  const drop = async (w: Watched): Promise<void> => {
    watched.delete(w.conf.process);
    if (w.child) await terminate(w.child);
    track(sink.clear(PROCESS_ALARM_ID, entity(w.conf.process)));
  };

  const load = async (): Promise<void> => {
    const { confs, problems: found } = await readConfs(opts.dir);
    problems = found;
    for (const p of found) log.warn({ problem: p }, 'pmon: configuration');
    for (const w of [...watched.values()]) {
      const next = confs.get(w.conf.process);
      if (!next || JSON.stringify(next) !== JSON.stringify(w.conf)) await drop(w);
    }
    for (const conf of confs.values()) {
      if (!watched.has(conf.process))
        watched.set(conf.process, { conf, state: initialState(Date.now()), pid: null });
    }
  };

  const tick = (): void => {
    void serial(auditAll).finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.auditPeriodMs ?? 500);
    });
  };

  await serial(load);
  await serial(auditAll); // statuses mean something once startPmon resolves
  log.info({ processes: [...watched.keys()], problems: problems.length }, 'pmon: started');
  timer = setTimeout(tick, opts.auditPeriodMs ?? 500);

  return {
    status: () =>
      [...watched.values()].map((w) => ({
        name: w.conf.process,
        state: stopped ? 'stopped' : visibleState(w.state),
        pid: w.pid,
        restarts: w.state.restarts,
        severity: w.conf.severity,
      })),
    healthy: () =>
      ![...watched.values()].some((w) => w.conf.severity === 'critical' && w.state.phase === 'failed'),
    problems: () => [...problems],
    reload: () => serial(load),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await chain;
      await Promise.all([...watched.values()].flatMap((w) => (w.child ? [terminate(w.child)] : [])));
      for (const w of watched.values()) if (w.conf.command !== undefined) w.pid = null;
      await Promise.all([...inflight]);
    },
  };
}

/** Every *.conf of the folder, parsed; bad files and repeated process names become problems. */
async function readConfs(dir: string): Promise<{ confs: Map<string, PmonConf>; problems: string[] }> {
  const confs = new Map<string, PmonConf>();
  const problems: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.conf')).sort();
  } catch (e) {
    return {
      confs,
      problems: [
        `${dir}: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      ],
    };
  }
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      problems.push(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    const r = parsePmonConf(text, file);
    if (!r.ok) {
      problems.push(r.error);
      continue;
    }
    problems.push(...r.warnings);
    if (r.conf.mode === 'ignore') continue;
    const first = confs.get(r.conf.process);
    if (first) {
      problems.push(
        `${file}: process: '${r.conf.process}' is already watched by ${first.file}; this file is skipped`,
      );
      continue;
    }
    confs.set(r.conf.process, r.conf);
  }
  return { confs, problems };
}
