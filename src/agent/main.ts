// The agent's own entry point (dist/agent.mjs): what `starling up` starts on the host. It loads
// only the agent, not the CLI or the API server, to stay small (an agent runs on every host).

import { parseArgs } from 'node:util';
import { loadAgentConfig } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import { createLogger } from '../common/log.ts';
import { startAgent } from './agent.ts';

/** Runs the agent until SIGINT/SIGTERM. */
export async function runAgent(flags: { controller?: string; hostname?: string }): Promise<void> {
  const config = loadAgentConfig(flags);
  const log = createLogger(config.logLevel, 'agent');
  const agent = startAgent(config, log);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'stopping');
  await agent.stop();
}

async function main(): Promise<number> {
  try {
    const { values } = parseArgs({ options: { controller: { type: 'string' }, hostname: { type: 'string' } }, strict: true });
    await runAgent(values);
    return 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return e instanceof StarlingError ? e.exitCode : 2;
  }
}

// Run only as dist/agent.mjs (the bundle's own entry), not when imported by the CLI.
if (import.meta.url.endsWith('/agent.mjs')) process.exitCode = await main();
