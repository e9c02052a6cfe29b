// A child process for the heartbeat cost benchmark: N agents' heartbeat responders on 127.0.0.1
// (one mgmt endpoint each, host h<i> with its own keys), so the controller side's CPU can be measured alone. Prints the ports
// as one JSON line, then its own CPU use when asked on stdin.

import { silentLogger } from '../../src/common/log.ts';
import { hostNetworkKeys, pulseKeys } from '../../src/agentlink/heartbeat/index.ts';
import { startResponder } from '../../src/agentlink/heartbeat/index.ts';

const n = Number(process.argv[2] ?? 100);
const key = Buffer.from(process.argv[3] ?? '', 'base64');
const responders = await Promise.all(
  Array.from({ length: n }, (_, i) =>
    startResponder({ keys: hostNetworkKeys(key, `h${i}`), pulseKeys: pulseKeys(key), hostname: `host-${i}`, endpoints: [{ network: 'mgmt', address: '127.0.0.1', port: 0 }], flags: () => 3, log: silentLogger }),
  ),
);
process.stdout.write(`${JSON.stringify(responders.map((r) => r.endpoints()[0]!.port))}\n`);
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`));
process.stdin.on('end', () => process.exit(0));
