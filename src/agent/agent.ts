// The host agent (one per host, controllers included): logs in as the agents' service user and
// keeps its channel to the controller open, reconnecting with backoff. Inventory discovery, config
// apply, heartbeat and process monitoring hang off this loop in later issues.

import os from 'node:os';
import type { AgentConfig } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { endpointFor, errorFromResponse, login, type Session } from '../api/client.ts';
import { httpRequest } from '../api/http.ts';
import { discoverInventory } from './discovery/index.ts';
import { managementMac, registrationBody } from './report.ts';
import { nextBackoff } from '../runtime/backoff.ts';
import { SOFTWARE_VERSION } from '../common/version.ts';

export interface Agent {
  hostname: string;
  /** Resolves once the first channel is open. */
  connected: Promise<void>;
  stop(): Promise<void>;
}

export function startAgent(config: AgentConfig, log: Logger): Agent {
  if (config.password === undefined) {
    throw new StarlingError('CONFIG_INVALID', 'the agent needs STARLING_AGENT_PASSWORD (the controller data folder’s secrets.json has it)', {
      field: 'STARLING_AGENT_PASSWORD',
    });
  }
  const password = config.password;
  const hostname = config.hostname ?? os.hostname();
  const abort = new AbortController();
  let session: Session | undefined;
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));

  let reported: string | undefined;
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

  /** Discovers the inventory and registers it when it changed since the last report. */
  const report = async (): Promise<void> => {
    const inv = await discoverInventory(config.root);
    for (const p of inv.problems) log.warn({ problem: p }, 'inventory discovery');
    const mac = config.mgmtMac ?? (await managementMac(config.root, inv, config.mgmtInterface));
    const body = registrationBody(inv, mac, config.bootstrapController ? { bootstrapController: true, hostname: 'controller-0' } : {});
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
    log.info({ host: host.hostname ?? host.uuid, mgmt_mac: mac, cpus: inv.cpus.length, ports: inv.ports.length }, 'inventory reported');
  };

  const openChannel = async (): Promise<void> => {
    await report();
    session = await ensureSession();
    const url = `${endpointFor(session, 'platform')}/agents/channel?hostname=${encodeURIComponent(hostname)}&version=${SOFTWARE_VERSION}`;
    const res = await httpRequest(url, {
      method: 'GET',
      headers: { 'x-auth-token': session.token, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (res.status === 401) session = undefined;
    if (res.status !== 200) throw await errorFromResponse(res);
    log.info({ hostname }, 'channel to the controller open');
    markConnected();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.stream) {
      buffer += decoder.decode(chunk as Buffer, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined) log.debug({ event }, 'controller event');
      }
    }
  };

  // The inventory is looked at again every minute; a change is reported at once.
  const rediscover = setInterval(() => {
    if (reported === undefined) return;
    report().catch((e: unknown) => log.warn({ err: e instanceof StarlingError ? e.message : e }, 'inventory report failed'));
  }, 60_000);
  rediscover.unref();

  const loop = (async () => {
    let delay = 0;
    while (!abort.signal.aborted) {
      try {
        await openChannel();
        delay = 0; // a channel that was open and closed: reconnect at once
      } catch (e) {
        if (abort.signal.aborted) break;
        delay = nextBackoff(delay, { initialMs: 500, maxMs: 30_000 });
        log.warn({ err: e instanceof StarlingError ? e.message : e, retryInMs: delay }, 'controller channel failed');
      }
      if (abort.signal.aborted) break;
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  })();

  return {
    hostname,
    connected,
    stop: async () => {
      clearInterval(rediscover);
      abort.abort();
      await loop;
    },
  };
}
