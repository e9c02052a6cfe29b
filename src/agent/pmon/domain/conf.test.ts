import { describe, expect, it } from 'vitest';
import { parsePmonConf } from './conf.ts';

// A stock StarlingX pmon.d file, comments and all.
const STOCK = `[process]
process  = guestServer
service  = guestServer
pidfile  = /var/run/guestServer.pid
script   = /etc/init.d/guestServer
style    = lsb            ; ocf or lsb
severity = major          ; minor, major, critical
restarts = 3              ; restart retries before error assertion
interval = 3              ; number of seconds to wait between restarts
debounce = 10             ; number of seconds that a process needs to remain
                          ;   running before degrade is removed and retry count
                          ;   is cleared.
startuptime  = 1          ; Seconds to wait after process start before starting the debounce monitor
mode  = passive           ; Monitoring mode: passive (default) or active
`;

describe('parsePmonConf', () => {
  it('reads a stock StarlingX file, trailing comments included', () => {
    const r = parsePmonConf(STOCK, '/etc/pmon.d/guestServer.conf');
    expect(r).toEqual({
      ok: true,
      warnings: [],
      conf: {
        file: '/etc/pmon.d/guestServer.conf',
        process: 'guestServer',
        pidfile: '/var/run/guestServer.pid',
        script: '/etc/init.d/guestServer',
        severity: 'major',
        restarts: 3,
        intervalMs: 3000,
        debounceMs: 10000,
        startupMs: 1000,
        mode: 'passive',
      },
    });
  });

  it('fills pmond’s defaults; fractional seconds are allowed', () => {
    const r = parsePmonConf('[process]\nprocess = sleeper\ncommand = sleep 1000\ninterval = 0.2\n', 'x.conf');
    expect(r.ok && r.conf).toMatchObject({
      severity: 'major',
      restarts: 3,
      intervalMs: 200,
      debounceMs: 20000,
      startupMs: 5000,
      mode: 'passive',
      command: 'sleep 1000',
    });
  });

  it('an unknown field is a warning naming file, line and field, not a failure', () => {
    const r = parsePmonConf('[process]\nprocess = a\ncommand = sleep 1\nrestart = 3\n', 'a.conf');
    expect(r.ok && r.warnings).toEqual(['a.conf:4: restart: unknown field, ignored']);
  });

  it('mode = ignore needs nothing else', () => {
    const r = parsePmonConf('[process]\nprocess = off\nmode = ignore\n', 'off.conf');
    expect(r.ok && r.conf.mode).toBe('ignore');
  });

  it.each([
    ['no [process] section', 'process = a\n', 1, undefined],
    ['a line that is not key = value', '[process]\nprocess = a\nthis is wrong\n', 3, undefined],
    ['no process name', '[process]\ncommand = sleep 1\n', 1, 'process'],
    ['a bad process name', '[process]\nprocess = a b\ncommand = x\n', 2, 'process'],
    ['neither pidfile nor command', '[process]\nprocess = a\nscript = /bin/true\n', 1, 'pidfile'],
    [
      'both pidfile and command',
      '[process]\nprocess = a\npidfile = /run/a.pid\nscript = x\ncommand = sleep 1\n',
      5,
      'command',
    ],
    ['a pidfile without a script', '[process]\nprocess = a\npidfile = /run/a.pid\n', 1, 'script'],
    ['a relative pidfile', '[process]\nprocess = a\npidfile = run/a.pid\nscript = x\n', 3, 'pidfile'],
    ['a script with command', '[process]\nprocess = a\ncommand = sleep 1\nscript = x\n', 4, 'script'],
    ['an unknown severity', '[process]\nprocess = a\ncommand = sleep 1\nseverity = fatal\n', 4, 'severity'],
    ['an unknown mode', '[process]\nprocess = a\ncommand = sleep 1\nmode = sometimes\n', 4, 'mode'],
    [
      'restarts not a whole number',
      '[process]\nprocess = a\ncommand = sleep 1\nrestarts = 1.5\n',
      4,
      'restarts',
    ],
    ['a negative interval', '[process]\nprocess = a\ncommand = sleep 1\ninterval = -1\n', 4, 'interval'],
    ['debounce not a number', '[process]\nprocess = a\ncommand = sleep 1\ndebounce = soon\n', 4, 'debounce'],
    ['a field given twice', '[process]\nprocess = a\ncommand = sleep 1\nprocess = b\n', 4, 'process'],
  ])('%s: fails naming file, line and field', (_n, text, line, field) => {
    const r = parsePmonConf(text, '/etc/pmon.d/a.conf');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect({ line: r.line, field: r.field, file: r.file }).toEqual({
      line,
      field,
      file: '/etc/pmon.d/a.conf',
    });
    expect(r.error.startsWith(`/etc/pmon.d/a.conf:${line}${field ? `: ${field}:` : ':'}`)).toBe(true);
  });
});
