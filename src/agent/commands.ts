// The agent's command executor: what each command of the protocol (src/agentlink/protocol.ts)
// does on the host, through ports (the configuration renderer, the monitors' health, the reboot),
// so it is tested without a host or a controller. The answer is sent before a reboot starts.

import type { AgentCommand, HostConfig } from '../agentlink/protocol.ts';
import type { HostHealth } from './monitors.ts';

export type CommandOutcome = { ok: true; detail?: unknown } | { ok: false; error: string };

export interface CommandPorts {
  /** Renders the host's configuration; the files written. */
  applyConfig(host: HostConfig): Promise<string[]>;
  health(): HostHealth;
  /** Reboots the host (resolves once it is back). */
  reboot(): Promise<void>;
}

export type CommandExecutor = (cmd: AgentCommand, answer: (o: CommandOutcome) => Promise<void>) => Promise<void>;

export function commandExecutor(ports: CommandPorts): CommandExecutor {
  return async (cmd, answer) => {
    switch (cmd.command) {
      case 'lock':
        return answer({ ok: true });
      case 'apply-config': {
        let outcome: CommandOutcome;
        try {
          outcome = { ok: true, detail: { files: await ports.applyConfig(cmd.host) } };
        } catch (e) {
          outcome = { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        return answer(outcome);
      }
      case 'goenabled': {
        const h = ports.health();
        return answer(h.healthy ? { ok: true } : { ok: false, error: h.problems.join('; ') || 'not healthy' });
      }
      case 'reboot':
        await answer({ ok: true });
        return ports.reboot();
      default: {
        const unknown: never = cmd;
        return answer({ ok: false, error: `unknown command ${(unknown as { command: string }).command}` });
      }
    }
  };
}
