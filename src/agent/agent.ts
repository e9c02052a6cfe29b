// The host agent (one per host, controllers included): answers the controller's heartbeat on each
// of its networks, registers the host with its inventory, keeps its channel to the controller
// open and carries out the commands that come down it. This file only wires the parts:
// controller-client.ts (REST calls), reporter.ts (inventory), heartbeat.ts (responder and keys),
// monitors.ts (pmon, resources, links), commands.ts (executor), channel.ts (the channel).

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../common/config.ts';
import { StarlingError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { SOFTWARE_VERSION } from '../common/version.ts';
import type { ChannelEvent } from '../agentlink/protocol.ts';
import { keepChannel, readChannel } from './channel.ts';
import { commandExecutor, type CommandOutcome } from './commands.ts';
import { applyHostConfig } from './config-apply.ts';
import { controllerClient } from './controller-client.ts';
import { createAgentHeartbeat, replyFlags } from './heartbeat.ts';
import { inventoryNamedSink, restAlarmSink } from './monitor/alarm-sink.ts';
import { createHostMonitors } from './monitors.ts';
import { collectRegistration, createReporter } from './reporter.ts';

export interface Agent {
  hostname: string;
  /** Resolves once the first channel is open. */
  connected: Promise<void>;
  stop(): Promise<void>;
}

const warn = (log: Logger, what: string) => (e: unknown) => log.warn({ err: e instanceof Error ? e.message : e }, what);

/** The site CA file given at enrolment; an https controller is then trusted only through it. */
function readControllerCa(file: string): string {
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (e) {
    throw new StarlingError('CONFIG_INVALID', `--controller-ca ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: '--controller-ca' });
  }
}

export function startAgent(config: AgentConfig, log: Logger): Agent {
  if (config.password === undefined) {
    throw new StarlingError('CONFIG_INVALID', 'the agent needs STARLING_AGENT_PASSWORD (the controller data folder’s secrets.json has it)', {
      field: 'STARLING_AGENT_PASSWORD',
    });
  }
  /** This agent process: its channel is replaced only by itself (a reconnect), never by another. */
  const instance = randomUUID();
  let stopped = false;
  /** Aborted by stop(): waits end at once. */
  const stopping = new AbortController();
  /** Aborted while the host reboots: the channel closes and is not reopened until it is back. */
  let power = new AbortController();
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));

  const client = controllerClient({
    controllerUrl: config.controllerUrl,
    username: config.username,
    password: config.password,
    ...(config.controllerCaFile === undefined ? {} : { ca: readControllerCa(config.controllerCaFile) }),
  });
  const reporter = createReporter({
    configuredName: config.hostname ?? os.hostname(),
    collect: () => collectRegistration(config, heartbeat.endpoints(), log),
    register: (body) => client.register(body),
    log,
  });
  const restSink = restAlarmSink({ fmUrl: () => client.fm(), log });
  // Alarms name the host as the inventory does (controller-0), not as its OS does.
  const sink = inventoryNamedSink(restSink, reporter.hostname, () => reporter.inventoryName);
  const monitors = createHostMonitors({
    config,
    sink,
    log,
    onCriticalFailure: (process, reason) => {
      client
        .event({ hostname: reporter.hostname, type: 'critical-failure', reason: `critical process ${process} failed: ${reason}` })
        .catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : e }, 'could not report a critical process failure'));
    },
  });
  const heartbeat = createAgentHeartbeat({
    endpoints: config.networks,
    flags: () => replyFlags(monitors.health()),
    stopped: () => stopped,
    log,
  });

  /** The host comes up: heartbeat, then its monitors. */
  const boot = async (): Promise<void> => {
    await heartbeat.start(reporter.hostname);
    await monitors.start(reporter.hostname);
  };

  /** A reboot: nothing answers (heartbeat, channel) for the boot time, then the agent starts again.
   *  The real OS is rebooted only where the operator configured a reboot command (a real host). */
  const reboot = async (): Promise<void> => {
    log.warn({ bootMs: config.bootDelayMs }, 'rebooting');
    if (config.rebootCommand !== undefined) {
      const { spawn } = await import('node:child_process');
      spawn('/bin/sh', ['-c', config.rebootCommand], { stdio: 'ignore', detached: true }).unref();
    }
    power.abort();
    await heartbeat.close();
    await monitors.stop();
    reporter.forget();
    await new Promise((r) => setTimeout(r, config.bootDelayMs).unref());
    if (stopped) return;
    power = new AbortController();
    await boot();
    log.info('booted');
  };

  const execute = commandExecutor({
    applyConfig: (host) => applyHostConfig(config.stateDir, host, config.networks, config.applyRoot),
    health: () => monitors.health(),
    reboot,
  });
  const answer = (id: string, command: string, o: CommandOutcome): Promise<void> =>
    client.answer(id, { hostname: reporter.hostname, ...o }).catch(warn(log, `could not answer the ${command} command`));

  const onEvent = (e: ChannelEvent): void => {
    switch (e.event) {
      case 'hello':
        return log.debug({ hostname: e.data.hostname }, 'controller says hello');
      case 'heartbeat':
        return heartbeat.setKeys(e.data);
      case 'probe':
        // Another channel was asked for this host: say this one is alive, so it stays.
        client.alive({ hostname: reporter.hostname, instance, nonce: e.data.nonce }).catch(warn(log, 'could not answer the channel probe'));
        return;
      case 'command': {
        const cmd = e.data;
        log.info({ command: cmd.command, id: cmd.id }, 'command from the controller');
        execute(cmd, (o) => answer(cmd.id, cmd.command, o)).catch((err: unknown) => log.error({ err }, 'command failed'));
        return;
      }
    }
  };

  const open = async (signal: AbortSignal): Promise<void> => {
    try {
      await reporter.report();
      // The inventory may know this host by another name than it started with: replies carry it.
      heartbeat.setHostname(reporter.hostname);
      const res = await client.openChannel(
        { hostname: reporter.hostname, mgmt_mac: reporter.mgmtMac ?? '', instance, version: SOFTWARE_VERSION },
        signal,
      );
      log.info({ hostname: reporter.hostname }, 'channel to the controller open');
      markConnected();
      // The controller may have missed alarm changes while the channel was down.
      restSink.resync().catch(warn(log, 'alarm resync failed'));
      await readChannel(res.stream, { onEvent, onBadCommand: (id, error) => void answer(id, 'refused', { ok: false, error }) }, log);
    } catch (e) {
      // Not known by this name and MAC (yet): register again before the next try, to learn the name.
      if (e instanceof StarlingError && e.code === 'NOT_FOUND') reporter.forget();
      throw e;
    }
  };

  // The inventory is looked at again every minute; a change is reported at once.
  const rediscover = setInterval(() => {
    if (!reporter.reported) return;
    reporter.report().catch(warn(log, 'inventory report failed'));
  }, 60_000);
  rediscover.unref();

  const loop = (async () => {
    await boot();
    await keepChannel({ open, power: () => power.signal, stopped: () => stopped, stopping: stopping.signal, log });
  })();

  return {
    get hostname() {
      return reporter.hostname;
    },
    connected,
    stop: async () => {
      stopped = true;
      stopping.abort();
      clearInterval(rediscover);
      power.abort();
      await loop.catch((e: unknown) => log.error({ err: e }, 'agent loop failed'));
      await heartbeat.close();
      await monitors.stop();
    },
  };
}
