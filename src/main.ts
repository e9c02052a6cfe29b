// The one binary: `starling <subcommand>` — controller, agent, lab and the CLI.

import { runCli } from './cli/index.ts';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
