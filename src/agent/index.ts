// The host agent's public surface for the rest of Starling (the CLI's `agent` commands); the
// agent process itself starts from main.ts (dist/agent.mjs).
export { runAgent } from './run.ts';
export { discoverInventory, type Inventory } from './discovery/index.ts';
export { readRenderedConfig, type HostConfig, type InterfaceConfig } from './config-apply.ts';
