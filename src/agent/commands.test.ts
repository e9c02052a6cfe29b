import { describe, expect, it } from 'vitest';
import type { AgentCommand, HostConfig } from '../agentlink/protocol.ts';
import { commandExecutor, type CommandOutcome, type CommandPorts } from './commands.ts';

/** A host as ports: what it rendered, whether it is healthy, a record of what happened in order. */
function host(over: Partial<CommandPorts> = {}) {
  const happened: string[] = [];
  const ports: CommandPorts = {
    applyConfig: async (h: HostConfig) => (happened.push(`apply ${h.hostname}`), ['/state/dry-run/etc/network/interfaces']),
    health: () => ({ pmonRunning: true, healthy: true, problems: [] }),
    reboot: async () => void happened.push('reboot'),
    ...over,
  };
  const run = async (cmd: AgentCommand): Promise<CommandOutcome[]> => {
    const answers: CommandOutcome[] = [];
    await commandExecutor(ports)(cmd, async (o) => void (answers.push(o), happened.push(`answer ${o.ok}`)));
    return answers;
  };
  return { run, happened };
}

describe('the agent carries out the controller’s commands', () => {
  it('lock is acknowledged', async () => {
    expect(await host().run({ id: '1', command: 'lock' })).toEqual([{ ok: true }]);
  });

  it('apply-config renders the host’s configuration and answers with the files', async () => {
    const h = host();
    expect(await h.run({ id: '2', command: 'apply-config', host: { hostname: 'worker-0' } })).toEqual([
      { ok: true, detail: { files: ['/state/dry-run/etc/network/interfaces'] } },
    ]);
    expect(h.happened).toEqual(['apply worker-0', 'answer true']);
  });

  it('apply-config that fails answers the failure, never throws', async () => {
    const h = host({ applyConfig: async () => Promise.reject(new Error('disk full')) });
    expect(await h.run({ id: '3', command: 'apply-config', host: { hostname: 'worker-0' } })).toEqual([{ ok: false, error: 'disk full' }]);
  });

  it('goenabled answers the host’s health, naming what is wrong', async () => {
    expect(await host().run({ id: '4', command: 'goenabled' })).toEqual([{ ok: true }]);
    const sick = host({ health: () => ({ pmonRunning: true, healthy: false, problems: ['process sshd failed', 'process ntpd failed'] }) });
    expect(await sick.run({ id: '5', command: 'goenabled' })).toEqual([{ ok: false, error: 'process sshd failed; process ntpd failed' }]);
    const unknown = host({ health: () => ({ pmonRunning: false, healthy: false, problems: [] }) });
    expect(await unknown.run({ id: '6', command: 'goenabled' })).toEqual([{ ok: false, error: 'not healthy' }]);
  });

  it('reboot is answered before the host goes down', async () => {
    const h = host();
    expect(await h.run({ id: '7', command: 'reboot' })).toEqual([{ ok: true }]);
    expect(h.happened).toEqual(['answer true', 'reboot']);
  });
});
