// What every CLI command gets: its output streams, the chosen format, and a client that logs in
// on first use (openrc environment or --os-* flags). At the end the command is written to the
// audit log through the API, as the user who ran it.

import { readFileSync } from 'node:fs';
import { loadClientConfig, type ClientFlags } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import { ApiClient, login } from '../api/client.ts';
import { parseFormat, renderList, renderShow, type Format, type Rec } from './output.ts';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface GlobalOptions extends ClientFlags {
  format?: string;
}

const SECRET_FLAGS = new Set(['--os-password', '--password', '--original-password', '--os-token', '--bm_password', '-P', '--community', '--sysadmin-password']);

/** The command line as the audit log keeps it: secrets replaced by ***. */
export function redactArgv(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.has(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=***`);
    else if (SECRET_FLAGS.has(a) && i + 1 < argv.length) {
      out.push(a, '***');
      i++;
    } else out.push(a === '' || /\s/.test(a) ? JSON.stringify(a) : a);
  }
  return out.join(' ');
}

/** OS_CACERT's file: the CA(s) the API's certificate must chain to. */
function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new StarlingError('USAGE', `OS_CACERT / --os-cacert: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: 'OS_CACERT' });
  }
}

export class CliContext {
  private apiClient: ApiClient | undefined;
  /** The resource the command acted on, for the audit log. */
  target: string | undefined;

  constructor(
    readonly io: Io,
    private readonly argv: readonly string[],
    private readonly globals: () => GlobalOptions,
    private readonly env: Record<string, string | undefined>,
  ) {}

  get format(): Format {
    return parseFormat(this.globals().format ?? 'table');
  }

  async client(): Promise<ApiClient> {
    if (this.apiClient) return this.apiClient;
    const cfg = loadClientConfig(this.globals(), this.env);
    if (cfg.username === undefined || cfg.password === undefined) {
      throw new StarlingError(
        'USAGE',
        'no credentials: set OS_USERNAME and OS_PASSWORD (and OS_AUTH_URL, OS_PROJECT_NAME), or pass --os-username/--os-password',
        { field: cfg.username === undefined ? 'OS_USERNAME' : 'OS_PASSWORD' },
      );
    }
    const ca = cfg.caFile === undefined ? undefined : readCaFile(cfg.caFile);
    const session = await login({
      ...(ca === undefined ? {} : { ca }),
      authUrl: cfg.authUrl,
      username: cfg.username,
      password: cfg.password,
      projectName: cfg.projectName,
      userDomain: cfg.userDomain,
      projectDomain: cfg.projectDomain,
    });
    this.apiClient = new ApiClient(session, cfg.authUrl, ca);
    return this.apiClient;
  }

  list(records: Rec[], columns: [string, string][]): void {
    this.io.out(renderList(records, columns, this.format));
  }

  show(record: Rec, fields?: string[]): void {
    this.io.out(renderShow(record, this.format, fields));
  }

  /** Records the finished command in the audit log; never changes the command's outcome. */
  async audit(exitCode: number): Promise<void> {
    if (!this.apiClient) return;
    try {
      await this.apiClient.request('POST', 'platform', '/audit_logs', {
        body: { command: `starling ${redactArgv(this.argv)}`, exit_code: exitCode, ...(this.target ? { target: this.target } : {}) },
      });
    } catch (e) {
      this.io.err(`warning: the command could not be written to the audit log: ${(e as Error).message}`);
    }
  }
}
