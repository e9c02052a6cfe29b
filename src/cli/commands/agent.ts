// `starling agent`: run the host agent; `starling agent inventory`: what discovery finds.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerAgent(program: Command, _ctx: CliContext): void {
  program
    .command('agent')
    .description('run the host agent: connects to the controller and keeps its channel open (password in STARLING_AGENT_PASSWORD)')
    .option('--controller <url>', 'controller URL (default: http://127.0.0.1:6385, or STARLING_CONTROLLER_URL)')
    .option('--hostname <name>', 'host name to register as (default: this machine’s)')
    .action(async (o: { controller?: string; hostname?: string }) => {
      const { runAgent } = await import('../../agent/main.ts');
      await runAgent(o);
    });
}
