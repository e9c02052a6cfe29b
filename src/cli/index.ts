// The `starling` command line: one program, StarlingX's command groups. One top-level catch maps
// errors to messages and exit codes (0 ok, 1 error, 2 usage).

import { Command, CommanderError, Option } from 'commander';
import { currentEnv } from '../common/config.ts';
import { StarlingError, isStarlingError } from '../common/errors.ts';
import { CliContext, type GlobalOptions, type Io } from './context.ts';
import { FORMATS } from './output.ts';
import { registerAgent } from './commands/agent.ts';
import { registerAudit } from './commands/audit.ts';
import { registerDcmanager } from './commands/dcmanager.ts';
import { registerFm } from './commands/fm.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerLab } from './commands/lab.ts';
import { registerServers } from './commands/server.ts';
import { registerSystem } from './commands/system.ts';

export const defaultIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/** Commands that run servers: not logged in, not audited through the API. */
const SERVER_COMMANDS = new Set(['up', 'controller', 'agent', 'db-template', 'dc-worker']);

export function buildProgram(ctx: CliContext, io: Io): Command {
  const program = new Command('starling')
    .description('Starling edge cloud platform: run it (up), and manage it like StarlingX (system, fm, openstack, audit-list)')
    .addOption(new Option('--os-auth-url <url>', 'Keystone URL (env OS_AUTH_URL)'))
    .addOption(new Option('--os-username <name>', 'user name (env OS_USERNAME)'))
    .addOption(new Option('--os-password <password>', 'password (env OS_PASSWORD)'))
    .addOption(new Option('--os-project-name <name>', 'project (env OS_PROJECT_NAME, default admin)'))
    .addOption(new Option('--os-cacert <file>', "the site's CA certificate (PEM) the API's certificate must chain to (env OS_CACERT)"))
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('table'))
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
    });
  registerServers(program, ctx);
  registerAgent(program, ctx);
  registerSystem(program, ctx);
  registerIdentity(program, ctx);
  registerFm(program, ctx);
  registerAudit(program, ctx);
  registerDcmanager(program, ctx);
  registerLab(program, ctx);
  // Every subcommand reports usage errors the same way and accepts the global options after it.
  const walk = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
    c.showHelpAfterError('(add --help for usage)');
    c.commands.forEach(walk);
  };
  program.commands.forEach(walk);
  return program;
}

/**
 * StarlingX's host-cpu-modify spells its options `-f FUNCTION -p0 N`: `-p0` is no single-letter
 * flag and `-f` is everyone else's --format, so after that command they are read as --function
 * and --p0 … --p3. host-memory-modify's `-2M N -1G N -f vm` likewise become
 * --hugepages_nr_2M_pending, --hugepages_nr_1G_pending and --function.
 */
export function withStarlingxAliases(argv: string[]): string[] {
  const aliases: Record<string, (a: string) => string> = {
    'host-cpu-modify': (a) => (a === '-f' ? '--function' : /^-p[0-3]$/.test(a) ? `-${a}` : a),
    'host-memory-modify': (a) => (a === '-f' ? '--function' : a === '-2M' ? '--hugepages_nr_2M_pending' : a === '-1G' ? '--hugepages_nr_1G_pending' : a),
  };
  const at = argv.findIndex((a) => Object.hasOwn(aliases, a));
  if (at < 0) return argv;
  const alias = aliases[argv[at]!]!;
  return argv.map((a, i) => (i <= at ? a : alias(a)));
}

/** Runs one command line (without `node starling`); resolves to the exit code. */
export async function runCli(argv: string[], io: Io = defaultIo, env: Record<string, string | undefined> = currentEnv()): Promise<number> {
  const holder: { program?: Command } = {};
  const ctx = new CliContext(io, argv, () => holder.program?.opts<GlobalOptions>() ?? {}, env);
  const program = (holder.program = buildProgram(ctx, io));
  let code = 0;
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(withStarlingxAliases(argv), { from: 'user' });
  } catch (e) {
    code = report(e, io);
  }
  if (!SERVER_COMMANDS.has(argv.find((a) => !a.startsWith('-')) ?? '')) await ctx.audit(code);
  return code;
}

function report(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2; // commander already printed the problem
  }
  if (isStarlingError(e)) {
    const field = e.field !== undefined && !e.message.includes(e.field) ? ` (${e.field})` : '';
    io.err(`Error: ${e.message}${field}`);
    return e.exitCode;
  }
  io.err(`Error: ${(e as Error).message ?? String(e)}`);
  return new StarlingError('INTERNAL').exitCode;
}
