// Runs the host agent in this process until SIGINT/SIGTERM (`starling agent`, dist/agent.mjs).

import { loadAgentConfig, type AgentFlags } from '../common/config.ts';
import { createLogger } from '../common/log.ts';
import { startAgent } from './agent.ts';

/** Runs the agent until SIGINT/SIGTERM. */
export async function runAgent(flags: AgentFlags): Promise<void> {
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
