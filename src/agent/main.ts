// The agent's own entry point (dist/agent.mjs): what `starling up` starts on the host. It loads
// only the agent, not the CLI or the API server, to stay small (an agent runs on every host).

import { parseArgs } from 'node:util';
import { StarlingError } from '../common/errors.ts';
import { runAgent } from './run.ts';

async function main(): Promise<number> {
  try {
    const { values } = parseArgs({
      options: {
        controller: { type: 'string' },
        'controller-ca': { type: 'string' },
        hostname: { type: 'string' },
        root: { type: 'string' },
        'mgmt-interface': { type: 'string' },
        'mgmt-mac': { type: 'string' },
        'bootstrap-controller': { type: 'boolean' },
        network: { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'pmon-dir': { type: 'string' },
        'exit-with-parent': { type: 'boolean' },
      },
      strict: true,
    });
    if (values['exit-with-parent']) exitWithParent();
    await runAgent({
      ...(values.controller === undefined ? {} : { controller: values.controller }),
      ...(values['controller-ca'] === undefined ? {} : { controllerCa: values['controller-ca'] }),
      ...(values.hostname === undefined ? {} : { hostname: values.hostname }),
      ...(values.root === undefined ? {} : { root: values.root }),
      ...(values['mgmt-interface'] === undefined ? {} : { mgmtInterface: values['mgmt-interface'] }),
      ...(values['mgmt-mac'] === undefined ? {} : { mgmtMac: values['mgmt-mac'] }),
      ...(values['bootstrap-controller'] ? { bootstrapController: true } : {}),
      ...(values.network === undefined ? {} : { network: values.network }),
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      ...(values['pmon-dir'] === undefined ? {} : { pmonDir: values['pmon-dir'] }),
    });
    return 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return e instanceof StarlingError ? e.exitCode : 2;
  }
}

/**
 * `starling up` runs the agent with a pipe on its stdin that only the controller holds: the pipe
 * closes when the controller dies, however it dies (kill -9 included), and the agent then stops
 * as on SIGTERM instead of living on as an orphan.
 */
function exitWithParent(): void {
  const stop = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  process.stdin.once('end', stop);
  process.stdin.once('error', stop);
  process.stdin.resume();
}

// Only dist/agent.mjs runs this file; the CLI's `starling agent` imports run.ts instead.
if (import.meta.url.endsWith('/agent.mjs')) process.exitCode = await main();
