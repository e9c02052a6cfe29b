// The host agent (one per host, controllers included): answers the controller's heartbeat on each
// of its networks, registers the host with its inventory, keeps its channel to the controller
// open (reconnecting with backoff) and carries out the commands that come down it.

import os from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AgentConfig } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { endpointFor, errorFromResponse, login, type Session } from '../api/client.ts';
import { httpRequest } from '../api/http.ts';
import { discoverInventory } from './discovery/index.ts';
import { managementMac, registrationBody } from './report.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import { SOFTWARE_VERSION } from '../common/version.ts';
import { HB_NETWORKS, REPLY_FLAG_HEALTHY, REPLY_FLAG_PMON, startResponder, type HbNetwork, type Responder } from '../agentlink/heartbeat/index.ts';
import { applyHostConfig } from './config-apply.ts';
import { readEventStream } from '../api/sse.ts';
import { decodeChannelEvent, type AgentCommand, type ChannelEvent } from '../agentlink/protocol.ts';
import { startPmon, type Pmon } from './pmon/pmon.ts';
import { inventoryNamedSink, restAlarmSink } from './monitor/alarm-sink.ts';
import { startResourceMonitor, type ResourceMonitor } from './monitor/resources.ts';
import { startInterfaceMonitor, type InterfaceMonitor } from './monitor/interfaces.ts';

export interface Agent {
  hostname: string;
  /** Resolves once the first channel is open. */
  connected: Promise<void>;
  stop(): Promise<void>;
}

/** The interfaces that carry the agent's heartbeat networks (found by their addresses): their
 *  link state is monitored, as StarlingX's lmond watches the management and cluster-host ports. */
function networkInterfaces(networks: AgentConfig['networks']): { ifname: string; network: string }[] {
  const out: { ifname: string; network: string }[] = [];
  for (const [ifname, addrs] of Object.entries(os.networkInterfaces())) {
    if (ifname === 'lo') continue;
    for (const n of networks) if ((addrs ?? []).some((a) => a.address === n.address)) out.push({ ifname, network: n.network });
  }
  return out;
}

export function startAgent(config: AgentConfig, log: Logger): Agent {
  if (config.password === undefined) {
    throw new StarlingError('CONFIG_INVALID', 'the agent needs STARLING_AGENT_PASSWORD (the controller data folder’s secrets.json has it)', {
      field: 'STARLING_AGENT_PASSWORD',
    });
  }
  const password = config.password;
  // The configured name until the inventory answers with the host's own (the local agent of
  // `starling up` runs on a machine named anything, its host is controller-0): the channel, the
  // heartbeat replies and the reports all use the inventory's name once known.
  let hostname = config.hostname ?? os.hostname();
  /** This agent process: its channel is replaced only by itself (a reconnect), never by another. */
  const instance = randomUUID();
  let mgmtMac: string | undefined;
  let abort = new AbortController();
  let stopped = false;
  let session: Session | undefined;
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  let responder: Responder | undefined;
  // Until the controller sends this host's keys, pulses do not verify (they are counted as forged).
  let hbKeys: Partial<Record<HbNetwork, Buffer>> = Object.fromEntries(HB_NETWORKS.map((n) => [n, randomBytes(64)]));
  let pmon: Pmon | undefined;
  let resources: ResourceMonitor | undefined;
  let links: InterfaceMonitor | undefined;
  const health = {
    pmonRunning: () => pmon !== undefined,
    healthy: () => pmon?.healthy() ?? true,
    problems: () => (pmon?.status() ?? []).filter((p) => p.state === 'failed').map((p) => `process ${p.name} failed`),
  };

  let reported: string | undefined;
  // Alarms name the host as the inventory does (controller-0), not as its OS does.
  let inventoryName: string | undefined;
  const ensureSession = async (): Promise<Session> => {
    if (!session || session.expiresAt.getTime() - Date.now() < 60_000) {
      session = await login({
        authUrl: `${config.controllerUrl.replace(/\/+$/, '')}/v3`,
        username: config.username,
        password,
        projectName: 'services',
      });
    }
    return session;
  };
  const post = async (pathName: string, body: unknown): Promise<void> => {
    const s = await ensureSession();
    const res = await httpRequest(`${endpointFor(s, 'platform')}${pathName}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': s.token },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw await errorFromResponse(res);
    await res.text();
  };

  /** Binds the heartbeat sockets; a failure (address not up yet, port taken) is retried, never fatal. */
  const startHeartbeat = async (): Promise<void> => {
    for (let delay = 0; !stopped; ) {
      try {
        responder = await startResponder({
          keys: hbKeys,
          hostname,
          endpoints: config.networks,
          flags: () => (health.pmonRunning() ? REPLY_FLAG_PMON : 0) | (health.healthy() ? REPLY_FLAG_HEALTHY : 0),
          log,
        });
        return;
      } catch (e) {
        delay = nextBackoff(delay, { initialMs: 500, maxMs: 10_000 });
        log.error({ err: e instanceof Error ? e.message : e, retryInMs: delay }, 'cannot answer heartbeat');
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  };

  /** Discovers the inventory and registers it when it changed since the last report. */
  const report = async (): Promise<void> => {
    const inv = await discoverInventory(config.root);
    for (const p of inv.problems) log.warn({ problem: p }, 'inventory discovery');
    const mac = config.mgmtMac ?? (await managementMac(config.root, inv, config.mgmtInterface));
    const body = {
      ...registrationBody(inv, mac, config.bootstrapController ? { bootstrapController: true, hostname: 'controller-0' } : {}),
      heartbeat: responder?.endpoints() ?? [],
    };
    const text = JSON.stringify(body);
    if (text === reported) return;
    const s = await ensureSession();
    const res = await httpRequest(`${endpointFor(s, 'platform')}/agents/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': s.token },
      body: text,
    });
    if (res.status !== 200) throw await errorFromResponse(res);
    const host = JSON.parse(await res.text()) as { uuid: string; hostname: string | null };
    reported = text;
    mgmtMac = mac;
    if (host.hostname !== null && host.hostname !== hostname) {
      log.info({ configured: hostname, inventory: host.hostname }, 'using the host name the inventory knows');
      hostname = host.hostname;
    }
    if (host.hostname !== null) inventoryName = host.hostname;
    log.info({ host: host.hostname ?? host.uuid, mgmt_mac: mac, cpus: inv.cpus.length, ports: inv.ports.length }, 'inventory reported');
  };

  const restSink = restAlarmSink({
    fmUrl: async () => {
      const s = await ensureSession();
      return { url: endpointFor(s, 'faultmanagement'), token: s.token };
    },
    log,
  });
  const sink = inventoryNamedSink(restSink, hostname, () => inventoryName);

  /** The host's monitors: processes (pmon), resources, the network interfaces' links. */
  const startMonitors = async (): Promise<void> => {
    pmon = await startPmon({
      dir: config.pmonDir,
      hostname,
      sink,
      log,
      onCriticalFailure: (process, reason) => {
        post('/agents/events', { hostname, type: 'critical-failure', reason: `critical process ${process} failed: ${reason}` }).catch((e: unknown) =>
          log.error({ err: e instanceof Error ? e.message : e }, 'could not report a critical process failure'),
        );
      },
    });
    for (const p of pmon.problems()) log.warn({ problem: p }, 'pmon configuration');
    resources = startResourceMonitor({ root: config.root, hostname, sink, log });
    const ifaces = networkInterfaces(config.networks);
    if (ifaces.length > 0) links = startInterfaceMonitor({ root: config.root, hostname, sink, log, interfaces: ifaces });
  };
  const stopMonitors = async (): Promise<void> => {
    await Promise.all([pmon?.stop(), resources?.stop(), links?.stop()]);
    pmon = undefined;
    resources = undefined;
    links = undefined;
  };

  /** A reboot: nothing answers (heartbeat, channel) for the boot time, then the agent starts again.
   *  The real OS is rebooted only where the operator configured a reboot command (a real host). */
  const reboot = async (): Promise<void> => {
    log.warn({ bootMs: config.bootDelayMs }, 'rebooting');
    if (config.rebootCommand !== undefined) {
      const { spawn } = await import('node:child_process');
      spawn('/bin/sh', ['-c', config.rebootCommand], { stdio: 'ignore', detached: true }).unref();
    }
    abort.abort();
    await responder?.close();
    responder = undefined;
    await stopMonitors();
    reported = undefined;
    await new Promise((r) => setTimeout(r, config.bootDelayMs).unref());
    if (stopped) return;
    abort = new AbortController();
    await startHeartbeat();
    await startMonitors();
    log.info('booted');
  };

  const onCommand = async (cmd: AgentCommand): Promise<void> => {
    const answer = (r: { ok: boolean; error?: string; detail?: unknown }): Promise<void> =>
      post(`/agents/commands/${encodeURIComponent(cmd.id)}`, { hostname, ...r }).catch((e: unknown) =>
        log.warn({ err: e instanceof Error ? e.message : e, command: cmd.command }, 'could not answer a command'),
      );
    log.info({ command: cmd.command, id: cmd.id }, 'command from the controller');
    switch (cmd.command) {
      case 'lock':
        return answer({ ok: true });
      case 'apply-config': {
        try {
          const files = await applyHostConfig(config.stateDir, cmd.host, config.networks, config.applyRoot);
          return answer({ ok: true, detail: { files } });
        } catch (e) {
          return answer({ ok: false, error: e instanceof Error ? e.message : String(e) });
        }
      }
      case 'goenabled':
        return health.healthy() ? answer({ ok: true }) : answer({ ok: false, error: health.problems().join('; ') || 'not healthy' });
      case 'reboot':
        await answer({ ok: true });
        return reboot();
    }
  };

  const onEvent = (e: ChannelEvent): void => {
    if (e.event === 'heartbeat') {
      const keys: Partial<Record<HbNetwork, Buffer>> = {};
      for (const n of HB_NETWORKS) {
        const k = e.data.keys[n];
        if (k !== undefined) keys[n] = Buffer.from(k, 'base64');
      }
      if (Object.keys(keys).length > 0) {
        hbKeys = keys;
        responder?.setKeys(keys);
      }
    } else if (e.event === 'probe') {
      // Another channel was asked for this host: say this one is alive, so it stays.
      post('/agents/channel/alive', { hostname, instance, nonce: e.data.nonce }).catch((err: unknown) =>
        log.warn({ err: err instanceof Error ? err.message : err }, 'could not answer the channel probe'),
      );
    } else if (e.event === 'command') {
      onCommand(e.data).catch((err: unknown) => log.error({ err }, 'command failed'));
    } else {
      log.debug({ event: e.event }, 'controller event');
    }
  };

  const openChannel = async (): Promise<void> => {
    await report();
    session = await ensureSession();
    const query = new URLSearchParams({ hostname, mgmt_mac: mgmtMac ?? '', instance, version: SOFTWARE_VERSION });
    const url = `${endpointFor(session, 'platform')}/agents/channel?${query.toString()}`;
    const res = await httpRequest(url, {
      method: 'GET',
      headers: { 'x-auth-token': session.token, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (res.status === 401) session = undefined;
    // Not known by this name and MAC (yet): register again before the next try, to learn the name.
    if (res.status === 404) reported = undefined;
    if (res.status !== 200) throw await errorFromResponse(res);
    log.info({ hostname }, 'channel to the controller open');
    markConnected();
    // The controller may have missed alarm changes while the channel was down.
    restSink.resync().catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : e }, 'alarm resync failed'));
    await readEventStream(res.stream, (m) => {
      const r = decodeChannelEvent(m.event, m.data);
      if (r.ok === true) onEvent(r.value);
      else if (r.ok === 'unknown') log.debug({ event: m.event }, 'controller event this agent does not know: ignored');
      else log.warn({ event: m.event, field: r.field, err: r.error }, 'controller event refused');
    });
  };

  // The inventory is looked at again every minute; a change is reported at once.
  const rediscover = setInterval(() => {
    if (reported === undefined) return;
    report().catch((e: unknown) => log.warn({ err: e instanceof StarlingError ? e.message : e }, 'inventory report failed'));
  }, 60_000);
  rediscover.unref();

  const loop = (async () => {
    await startHeartbeat();
    await startMonitors();
    let delay = 0;
    while (!stopped) {
      try {
        await openChannel();
        delay = 0; // a channel that was open and closed: reconnect at once
      } catch (e) {
        if (stopped) break;
        if (!abort.signal.aborted) {
          delay = nextBackoff(delay, { initialMs: 500, maxMs: 30_000 });
          log.warn({ err: e instanceof StarlingError ? e.message : e, retryInMs: delay }, 'controller channel failed');
        }
      }
      if (stopped) break;
      // A reboot in progress aborts the channel: wait for it to "boot" before reconnecting.
      while (abort.signal.aborted && !stopped) await new Promise((r) => setTimeout(r, 50).unref());
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  })();

  return {
    get hostname() {
      return hostname;
    },
    connected,
    stop: async () => {
      stopped = true;
      clearInterval(rediscover);
      abort.abort();
      await loop.catch((e: unknown) => log.error({ err: e }, 'agent loop failed'));
      await responder?.close();
      await stopMonitors();
    },
  };
}
