// A child process for the maintenance engine benchmark: the heartbeat responders of a slice of a
// simulated site's agents, each host answering on mgmt (127.0.0.1) and cluster-host (127.0.0.2)
// with its own keys. Reads one JSON line on stdin ({ siteKey, hosts: [uuid, hostname][] }), prints
// one JSON line with each host's ports, then its CPU use whenever asked (a line on stdin).

import { createInterface } from 'node:readline';
import { silentLogger } from '../../src/common/log.ts';
import { hostNetworkKeys } from '../../src/agentlink/heartbeat/keys.ts';
import { startResponder } from '../../src/agentlink/heartbeat/responder.ts';

const lines = createInterface({ input: process.stdin });
let started = false;
for await (const line of lines) {
  if (started) {
    process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
    continue;
  }
  started = true;
  const { siteKey, hosts } = JSON.parse(line) as { siteKey: string; hosts: [string, string][] };
  const key = Buffer.from(siteKey, 'base64');
  const responders = await Promise.all(
    hosts.map(([uuid, hostname]) =>
      startResponder({
        keys: hostNetworkKeys(key, uuid),
        hostname,
        endpoints: [
          { network: 'mgmt', address: '127.0.0.1', port: 0 },
          { network: 'cluster-host', address: '127.0.0.2', port: 0 },
        ],
        flags: () => 3,
        log: silentLogger,
      }),
    ),
  );
  process.stdout.write(`${JSON.stringify(responders.map((r) => Object.fromEntries(r.endpoints().map((e) => [e.network, e.port]))))}\n`);
}
process.exit(0);
