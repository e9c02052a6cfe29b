// A child process for the maintenance engine benchmark: the heartbeat answers of a slice of a
// simulated site's agents, each host answering on mgmt (127.0.0.1) and cluster-host (127.0.0.2)
// from its own socket with its own keys. Reads one JSON line on stdin ({ siteKey, hosts:
// [uuid, hostname][], real? }), prints one JSON line with each host's ports, then its CPU use
// whenever asked (a line on stdin).
//
// Two kinds of simulated agents:
//  - real (BENCH_REAL_RESPONDERS=1): each host runs the agent's responder (startResponder): its own
//    unicast socket and multicast member per network, each pulse verified by each host. What a
//    site's agents do, but 1,000 of them on this machine's 2 shared cores cost more than a core.
//  - shared (the default): one multicast member per network for the whole slice; a pulse that
//    arrives by multicast is verified once (its seq checked as the agent's pulse-seq.ts does) and
//    answered for every host of the slice, each reply made with that host's key and sent from that
//    host's own socket. Unicast pulses (a host the controller does not yet know the multicast pulse
//    reaches) are verified and answered per host. The controller sees exactly what 1,000 agents
//    would send it; only the agents' side is cheaper (one verification per pulse, not one per host).

import dgram from 'node:dgram';
import { createInterface } from 'node:readline';
import { silentLogger } from '../../src/common/log.ts';
import { hostNetworkKeys, multicastOf, pulseKeys } from '../../src/agentlink/heartbeat/keys.ts';
import { decodePacket, encodePacket, REPLY_FLAG_MULTICAST, type HbNetwork } from '../../src/agentlink/heartbeat/packet.ts';
import { acceptPulseSeq, type PulseSeqState } from '../../src/agentlink/heartbeat/pulse-seq.ts';
import { startResponder } from '../../src/agentlink/heartbeat/responder.ts';

const NETWORKS: [HbNetwork, string][] = [
  ['mgmt', '127.0.0.1'],
  ['cluster-host', '127.0.0.2'],
];

const bind = (s: dgram.Socket, port: number, address: string) =>
  new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve();
    });
  });

async function shared(siteKey: Buffer, hosts: [string, string][]): Promise<Record<string, number>[]> {
  const pulse = pulseKeys(siteKey);
  const sims = hosts.map(([uuid, hostname]) => ({ hostname, keys: hostNetworkKeys(siteKey, uuid), sockets: new Map<HbNetwork, dgram.Socket>() }));
  const seqs = new Map<string, PulseSeqState>();
  const multicastSeq = new Map<HbNetwork, bigint>();
  const fresh = (path: string, seq: bigint) => {
    const r = acceptPulseSeq(seqs.get(path), seq, performance.now());
    seqs.set(path, r.state);
    return r.verdict === 'accept';
  };
  const reply = (sim: (typeof sims)[number], network: HbNetwork, seq: bigint, nonce: bigint, multicast: boolean, to: dgram.RemoteInfo) =>
    sim.sockets.get(network)!.send(
      encodePacket({ kind: 'reply', network, seq, nonce, hostname: sim.hostname, flags: 3 | (multicast ? REPLY_FLAG_MULTICAST : 0) }, sim.keys[network]),
      to.port,
      to.address,
    );
  for (const [network, address] of NETWORKS) {
    for (const sim of sims) {
      const s = dgram.createSocket('udp4');
      s.on('message', (buf, from) => {
        const d = decodePacket(buf, pulse[network]);
        // As the agent's responder: a unicast copy of a pulse answered by multicast is not answered.
        if (d.ok && d.msg.kind === 'pulse' && d.msg.network === network && multicastSeq.get(network) !== d.msg.seq && fresh(`${sim.hostname} ${network}`, d.msg.seq))
          reply(sim, network, d.msg.seq, d.msg.nonce, false, from);
      });
      await bind(s, 0, address);
      sim.sockets.set(network, s);
    }
    const mc = multicastOf(pulse[network]);
    const member = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    member.on('message', (buf, from) => {
      const d = decodePacket(buf, pulse[network]);
      if (!d.ok || d.msg.kind !== 'pulse' || d.msg.network !== network || !fresh(`multicast ${network}`, d.msg.seq)) return;
      multicastSeq.set(network, d.msg.seq);
      for (const sim of sims) reply(sim, network, d.msg.seq, d.msg.nonce, true, from);
    });
    await bind(member, mc.port, mc.group);
    member.addMembership(mc.group, address);
  }
  return sims.map((sim) => Object.fromEntries(NETWORKS.map(([n]) => [n, sim.sockets.get(n)!.address().port])));
}

async function real(siteKey: Buffer, hosts: [string, string][]): Promise<Record<string, number>[]> {
  const responders = await Promise.all(
    hosts.map(([uuid, hostname]) =>
      startResponder({
        keys: hostNetworkKeys(siteKey, uuid),
        pulseKeys: pulseKeys(siteKey),
        hostname,
        endpoints: NETWORKS.map(([network, address]) => ({ network, address, port: 0 })),
        flags: () => 3,
        log: silentLogger,
      }),
    ),
  );
  return responders.map((r) => Object.fromEntries(r.endpoints().map((e) => [e.network, e.port])));
}

const lines = createInterface({ input: process.stdin });
let started = false;
for await (const line of lines) {
  if (started) {
    process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
    continue;
  }
  started = true;
  const { siteKey, hosts, real: useReal } = JSON.parse(line) as { siteKey: string; hosts: [string, string][]; real?: boolean };
  const key = Buffer.from(siteKey, 'base64');
  const ports = useReal === true ? await real(key, hosts) : await shared(key, hosts);
  process.stdout.write(`${JSON.stringify(ports)}\n`);
}
process.exit(0);
