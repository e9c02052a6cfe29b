// `starling up` (controller + the local agent, AIO-SX), `starling controller`, `starling agent`:
// the long-running processes. They run until SIGINT/SIGTERM, then stop everything cleanly.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { childEnv, loadControllerConfig } from '../../common/config.ts';
import { createLogger } from '../../common/log.ts';
import { AGENT_USER } from '../../common/version.ts';
import { pino } from 'pino';
import type { CliContext } from '../context.ts';

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130));
      resolve(sig);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** The agent's slim bundle entry, beside this bundle (dist/agent.mjs). */
const AGENT_ENTRY = fileURLToPath(new URL(import.meta.url.includes('/chunks/') ? '../agent.mjs' : './agent.mjs', import.meta.url));

/** Runs the agent (dist/agent.mjs) as a child process, restarting it if it dies (1 s, then up to 30 s apart). */
function superviseAgent(controllerUrl: string, caFile: string | undefined, password: string, logFile: string, ctx: CliContext): () => Promise<void> {
  let child: ChildProcess | undefined;
  let stopping = false;
  let delay = 1000;
  const launch = (): void => {
    const log = fs.openSync(logFile, 'a');
    const launchedAt = Date.now();
    child = spawn(process.execPath, [AGENT_ENTRY, '--controller', controllerUrl, ...(caFile === undefined ? [] : ['--controller-ca', caFile]), '--bootstrap-controller', '--network', 'mgmt=127.0.0.1:0', '--state-dir', path.join(path.dirname(logFile), 'agent'), '--exit-with-parent'], {
      env: childEnv({ STARLING_AGENT_PASSWORD: password, STARLING_AGENT_USER: AGENT_USER }),
      // stdin: a pipe only this process holds; the agent exits when it closes (we died).
      stdio: ['pipe', log, log],
    });
    fs.closeSync(log);
    child.stdin?.on('error', () => undefined);
    // The agent yields the CPU to the controller (nice 10): its discovery and login at start must
    // not slow the controller's first answers. Best effort: not every system allows it.
    try {
      if (child.pid !== undefined) os.setPriority(child.pid, 10);
    } catch {
      // keep the default priority
    }
    child.once('exit', (code, signal) => {
      if (stopping) return;
      delay = Date.now() - launchedAt > 60_000 ? 1000 : Math.min(delay * 2, 30_000);
      ctx.io.err(`agent exited (${signal ?? code}); restarting in ${delay / 1000} s — see ${logFile}`);
      setTimeout(launch, delay).unref();
    });
  };
  // The agent starts a second after the controller is up: its discovery, registration and login
  // then do not compete with an operator's first requests.
  const first = setTimeout(launch, 1000);
  return async () => {
    clearTimeout(first);
    stopping = true;
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };
}

type ServerFlags = { dataDir?: string; port?: string; bind?: string; agent?: boolean; role?: string; insecureHttp?: boolean };

async function runController(ctx: CliContext, flags: ServerFlags): Promise<void> {
  // Loaded on demand: the CLI's other commands and the agent never load the API server.
  const { startController } = await import('../../controller/index.ts');
  const config = loadControllerConfig(flags);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const logFile = path.join(config.dataDir, 'controller.log');
  const log = createLogger(config.logLevel, 'controller', pino.destination({ dest: logFile, sync: false, maxLength: 16 * 1024 * 1024 }));
  const signal = untilSignal();
  const controller = await startController(config, { log });
  const stopAgent = config.withAgent
    ? superviseAgent(controller.url, controller.caFile, controller.agentPassword, path.join(config.dataDir, 'agent.log'), ctx)
    : undefined;

  const o = ctx.io.out;
  o(`Starling ${config.withAgent ? 'all-in-one (AIO-SX) ' : ''}controller is up (ready in ${Math.round(controller.startupMs)} ms).`);
  o(`  API:        ${controller.url}   (Keystone: ${controller.url}/v3, platform: ${controller.url}/v1${config.distributedCloudRole === 'systemcontroller' ? `, dcmanager: ${controller.url}/v1.0` : ''})`);
  if (config.distributedCloudRole !== undefined) o(`  Role:       ${config.distributedCloudRole} (region ${config.region})`);
  o(`  Dashboard:  ${controller.url}/   (log in with the admin account below)`);
  o(`  Database:   ${config.databaseUrl ? 'external PostgreSQL (STARLING_DATABASE_URL)' : `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}`}`);
  o(`  TLS:        ${controller.url.startsWith('https:') ? `HTTPS (TLS 1.2+), certificate in ${path.join(config.dataDir, 'tls')}${controller.caFile ? `, site CA ${controller.caFile}` : ''}` : 'plain HTTP on loopback (--insecure-http): not for production'}`);
  o(`  Logs:       ${logFile}${config.withAgent ? `, ${path.join(config.dataDir, 'agent.log')}` : ''}`);
  o('');
  o('Log in (openrc):');
  o(`  export OS_AUTH_URL=${controller.url}/v3 OS_USERNAME=admin OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default`);
  if (controller.caFile !== undefined) o(`  export OS_CACERT=${controller.caFile}`);
  if (controller.generatedAdminPassword !== undefined) {
    o(`  export OS_PASSWORD='${controller.generatedAdminPassword}'`);
    o('  (generated now and shown only this once: keep it, or set STARLING_ADMIN_PASSWORD before the first start)');
  } else if (config.adminPassword !== undefined && controller.generatedAdminPassword === undefined) {
    o('  export OS_PASSWORD=…   (the admin password set at first start)');
  } else {
    o('  export OS_PASSWORD=…   (the admin password shown at first start)');
  }
  o('  npx starling system show');
  o('');
  o('Press Ctrl-C to stop.');

  const sig = await signal;
  ctx.io.err(`\n${sig}: stopping…`);
  await stopAgent?.();
  await controller.stop();
  log.flush();
  ctx.io.err('stopped.');
}

async function runDcWorker(ctx: CliContext, flags: { dataDir?: string }): Promise<void> {
  const { startDcWorker } = await import('../../controller/index.ts');
  const config = loadControllerConfig({ dataDir: flags.dataDir, agent: false });
  const logFile = path.join(config.dataDir, 'dc-worker.log');
  const log = createLogger(config.logLevel, 'dc-worker', pino.destination({ dest: logFile, sync: false, maxLength: 16 * 1024 * 1024 }));
  const signal = untilSignal();
  const worker = await startDcWorker(config, { log });
  const o = ctx.io.out;
  o(`Starling system-controller worker is up: it audits and synchronises its share of the subclouds (${config.dcloud.auditShards} shards shared with the other system-controller processes).`);
  o(`  Database:   ${worker.database === 'external' ? 'external PostgreSQL (STARLING_DATABASE_URL)' : `the system controller's embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}`}`);
  o(`  Logs:       ${logFile}`);
  o('Press Ctrl-C to stop (its shards go to the other processes).');
  const sig = await signal;
  ctx.io.err(`\n${sig}: stopping…`);
  await worker.stop();
  log.flush();
  ctx.io.err('stopped.');
}
const INSECURE_HELP = 'serve plain HTTP instead of HTTPS: development on a loopback address only (refused on any other --bind)';

export function registerServers(program: Command, ctx: CliContext): void {
  program
    .command('dc-worker')
    .description("start a system-controller worker (no API): it audits and synchronises its share of the subclouds, on the system controller's database")
    .option('--data-dir <dir>', "the system controller's data folder (its secrets, and its embedded database unless STARLING_DATABASE_URL is set), or a folder with a copy of its secrets.json (default: .starling, or STARLING_DATA_DIR)")
    .action(async (o: { dataDir?: string }) => runDcWorker(ctx, o));

  program
    .command('up')
    .description('start an all-in-one (AIO-SX) controller with the local host’s agent, on an embedded PostgreSQL in the data folder')
    .option('--data-dir <dir>', 'data folder: database, secrets, logs (default: .starling, or STARLING_DATA_DIR)')
    .option('--port <port>', 'API port (default: 6385, or STARLING_PORT)')
    .option('--bind <addr>', 'API listen address (default: 127.0.0.1, or STARLING_BIND)')
    .option('--no-agent', 'do not start the local agent')
    .option('--role <role>', 'distributed cloud role: systemcontroller (runs dcmanager, region SystemController) or subcloud (default: a standalone site, or STARLING_DC_ROLE)')
    .option('--insecure-http', INSECURE_HELP)
    .action(async (o: ServerFlags) => runController(ctx, o));

  program
    .command('controller')
    .description('start the controller only (API and engines), no local agent')
    .option('--data-dir <dir>', 'data folder: database, secrets, logs (default: .starling, or STARLING_DATA_DIR)')
    .option('--port <port>', 'API port (default: 6385, or STARLING_PORT)')
    .option('--bind <addr>', 'API listen address (default: 127.0.0.1, or STARLING_BIND)')
    .option('--role <role>', 'distributed cloud role: systemcontroller or subcloud (default: a standalone site, or STARLING_DC_ROLE)')
    .option('--insecure-http', INSECURE_HELP)
    .action(async (o: ServerFlags) => runController(ctx, { ...o, agent: false }));

  program
    .command('db-template')
    .description('make the template cluster first starts copy instead of running initdb (npm ci runs this)')
    .action(async () => {
      const { makeTemplate } = await import('../../db/index.ts');
      const dir = await makeTemplate(createLogger('warn', 'db-template'));
      ctx.io.out(`PostgreSQL template ready in ${dir}`);
    });
}
