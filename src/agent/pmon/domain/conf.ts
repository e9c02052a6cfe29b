// pmond's process configuration (/etc/pmon.d/*.conf, INI with a [process] section), parsed and
// checked with the file, line and field of the first problem named. Pure.

export type PmonSeverity = 'minor' | 'major' | 'critical';

export interface PmonConf {
  /** The file it came from (for logs). */
  file: string;
  process: string;
  /** A file holding the pid of a process started by `script` (pmond's usual style). */
  pidfile?: string;
  /** Our extension: a command pmon runs itself and supervises as its child. */
  command?: string;
  /** How to restart a pidfile process: a shell command, or an LSB script path (run with `start`). */
  script?: string;
  severity: PmonSeverity;
  /** Restart attempts before the process is declared failed. */
  restarts: number;
  intervalMs: number;
  /** How long a restarted process must stay up to count as recovered. */
  debounceMs: number;
  /** How long a (re)started process gets to appear. */
  startupMs: number;
  /** `active` is accepted and monitored as `passive` (no health pings yet). */
  mode: 'passive' | 'active' | 'ignore';
}

/** pmond's usual values (StarlingX pmon.d files: restarts 3, interval 5 s, debounce 20 s, startuptime 5 s). */
export const PMON_DEFAULTS = {
  severity: 'major',
  restarts: 3,
  interval: 5,
  debounce: 20,
  startuptime: 5,
  mode: 'passive',
} as const;

export type ParseResult =
  | {
      ok: true;
      conf: PmonConf;
      /** Fields we do not know, ignored (file:line: field: …). */ warnings: string[];
    }
  | { ok: false; error: string; file: string; line: number; field: string | undefined };

/** Keys of StarlingX pmon.d files we do not act on: accepted quietly so stock files parse. */
const IGNORED = new Set([
  'service',
  'style',
  'subfunction',
  'quorum',
  'full_init_reqd',
  'port',
  'period',
  'timeout',
  'threshold',
  'status_failure_text',
  'start_arg',
  'stop_arg',
  'status_arg',
]);

const NAME = /^[A-Za-z0-9_.@+-]{1,64}$/;

export function parsePmonConf(text: string, fileName: string): ParseResult {
  const fail = (line: number, field: string | undefined, message: string): ParseResult => ({
    ok: false,
    error: `${fileName}:${line}${field ? `: ${field}` : ''}: ${message}`,
    file: fileName,
    line,
    field,
  });
  const values = new Map<string, { value: string; line: number }>();
  let section: string | undefined;
  let sectionLine = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#') || raw.startsWith(';')) continue;
    const head = /^\[([^\]]+)\]$/.exec(raw);
    if (head) {
      section = head[1]!.trim();
      if (section === 'process') sectionLine = n;
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!kv) return fail(n, undefined, `cannot read '${raw.slice(0, 60)}' (expected key = value)`);
    if (section !== 'process') continue; // other sections are not pmon's
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!.replace(/\s+[#;].*$/, '').trim(); // a trailing comment
    if (values.has(key)) return fail(n, key, `given twice (first on line ${values.get(key)!.line})`);
    values.set(key, { value, line: n });
  }
  if (sectionLine === 0) return fail(1, undefined, 'no [process] section');

  // An unknown field is most likely a typo (`restart = 3`): said, but not fatal, as pmond does.
  const warnings = [...values]
    .filter(([key]) => !IGNORED.has(key) && !KNOWN.has(key))
    .map(([key, { line }]) => `${fileName}:${line}: ${key}: unknown field, ignored`);
  const get = (k: string) => values.get(k);
  const lineOf = (k: string) => get(k)?.line ?? sectionLine;

  const proc = get('process');
  if (!proc || proc.value === '') return fail(sectionLine, 'process', 'required');
  if (!NAME.test(proc.value))
    return fail(proc.line, 'process', `'${proc.value}' is not a process name (letters, digits, _ . @ + -)`);

  const severity = get('severity')?.value ?? PMON_DEFAULTS.severity;
  if (severity !== 'minor' && severity !== 'major' && severity !== 'critical')
    return fail(lineOf('severity'), 'severity', `'${severity}' must be minor, major or critical`);
  const mode = get('mode')?.value ?? PMON_DEFAULTS.mode;
  if (mode !== 'passive' && mode !== 'active' && mode !== 'ignore')
    return fail(lineOf('mode'), 'mode', `'${mode}' must be passive, active or ignore`);

  const num = (k: string, dflt: number, integer: boolean): number | ParseResult => {
    const v = get(k);
    if (!v) return dflt;
    const x = Number(v.value);
    const ok = v.value !== '' && Number.isFinite(x) && x >= 0 && (!integer || Number.isInteger(x));
    return ok
      ? x
      : fail(v.line, k, `'${v.value}' must be ${integer ? 'a whole number' : 'a number of seconds'} ≥ 0`);
  };
  const restarts = num('restarts', PMON_DEFAULTS.restarts, true);
  const interval = num('interval', PMON_DEFAULTS.interval, false);
  const debounce = num('debounce', PMON_DEFAULTS.debounce, false);
  const startup = num('startuptime', PMON_DEFAULTS.startuptime, false);
  for (const x of [restarts, interval, debounce, startup]) if (typeof x !== 'number') return x;

  const pidfile = nonEmpty(get('pidfile')?.value);
  const command = nonEmpty(get('command')?.value);
  const script = nonEmpty(get('script')?.value);
  if (mode !== 'ignore') {
    if (pidfile && command)
      return fail(
        lineOf('command'),
        'command',
        'give pidfile (a process the script starts) or command (pmon runs it), not both',
      );
    if (!pidfile && !command) return fail(sectionLine, 'pidfile', 'required (or command)');
    if (pidfile && !pidfile.startsWith('/'))
      return fail(lineOf('pidfile'), 'pidfile', `'${pidfile}' must be an absolute path`);
    if (pidfile && !script)
      return fail(sectionLine, 'script', 'required with pidfile (how to restart the process)');
    if (command && script)
      return fail(lineOf('script'), 'script', 'not used with command (pmon restarts the command itself)');
  }

  return {
    ok: true,
    conf: {
      file: fileName,
      process: proc.value,
      ...(pidfile ? { pidfile } : {}),
      ...(command ? { command } : {}),
      ...(script ? { script } : {}),
      severity,
      restarts: restarts as number,
      intervalMs: (interval as number) * 1000,
      debounceMs: (debounce as number) * 1000,
      startupMs: (startup as number) * 1000,
      mode,
    },
    warnings,
  };
}

const KNOWN = new Set([
  'process',
  'pidfile',
  'command',
  'script',
  'severity',
  'restarts',
  'interval',
  'debounce',
  'startuptime',
  'mode',
]);

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
