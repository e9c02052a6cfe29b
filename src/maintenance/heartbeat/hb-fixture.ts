// A test program for worker.int.test.ts, run under tsx and from an esbuild bundle: `responder <key hex>`
// answers pulses until stdin closes; `exchange` pulses its own responder and prints what it saw.

import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../common/log.ts';
import { hostNetworkKeys, pulseKeys, startResponder } from '../../agentlink/heartbeat/index.ts';
import { startPulser } from './pulser.ts';

const [mode, keyHex] = process.argv.slice(2);

if (mode === 'responder') {
  const r = await startResponder({
    keys: hostNetworkKeys(Buffer.from(keyHex ?? '', 'hex'), 'w0'),
    pulseKeys: pulseKeys(Buffer.from(keyHex ?? '', 'hex')),
    hostname: 'worker-0',
    endpoints: [
      { network: 'mgmt', address: '127.0.0.1', port: 0 },
      { network: 'cluster-host', address: '::1', port: 0 },
    ],
    flags: () => 3,
    log: silentLogger,
  });
  process.stdout.write(`${JSON.stringify(r.endpoints())}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void r.close());
} else if (mode === 'exchange') {
  const siteKey = randomBytes(32);
  const keys = hostNetworkKeys(siteKey, 'w0');
  const r = await startResponder({
    keys,
    pulseKeys: pulseKeys(siteKey),
    hostname: 'worker-0',
    endpoints: [{ network: 'mgmt', address: '127.0.0.1', port: 0 }],
    flags: () => 3,
    log: silentLogger,
  });
  const answers: boolean[] = [];
  let done: () => void = () => undefined;
  const threeAnswered = new Promise<void>((resolve) => (done = resolve));
  const p = await startPulser({
    periodMs: 100,
    controller: 'controller-0',
    pulseKeys: pulseKeys(siteKey),
    log: silentLogger,
    onTick: (obs) => {
      answers.push(...obs.map((o) => o.answered));
      if (answers.length >= 3 && answers.slice(-3).every(Boolean)) done();
    },
  });
  p.setTargets(r.endpoints().map((e) => ({ hostId: 'w0', ...e, hostname: 'worker-0', key: keys[e.network] })));
  const timeout = setTimeout(done, 10_000);
  await threeAnswered;
  clearTimeout(timeout);
  const stats = await p.stats();
  await p.close();
  await r.close();
  process.stdout.write(`${JSON.stringify({ answers, answered: stats.answered })}\n`);
} else {
  process.stderr.write('usage: hb-fixture responder <key hex> | exchange\n');
  process.exitCode = 2;
}
