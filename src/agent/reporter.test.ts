import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.ts';
import type { RegisterAnswer, RegisterBody } from '../agentlink/protocol.ts';
import { createReporter } from './reporter.ts';

const body = (cpus: number): RegisterBody => ({
  mgmt_mac: '02:00:00:00:00:01',
  heartbeat: [{ network: 'mgmt', address: '0.0.0.0', port: 2103 }],
  inventory: { icpus: Array.from({ length: cpus }, (_, cpu) => ({ cpu })) },
});

/** A reporter whose host has `cpus` CPUs and whose controller answers with `answer`. */
function setup(answer: RegisterAnswer = { uuid: 'u-1', hostname: null }) {
  const host = { cpus: 2 };
  const sent: RegisterBody[] = [];
  const reporter = createReporter({
    configuredName: 'debian-box',
    collect: async () => body(host.cpus),
    register: async (b) => (sent.push(b), answer),
    log: silentLogger,
  });
  return { reporter, sent, host };
}

describe('inventory reports', () => {
  it('reports once, then only when the inventory changed', async () => {
    const { reporter, sent, host } = setup();
    expect(reporter.reported).toBe(false);
    await reporter.report();
    await reporter.report();
    expect(sent).toHaveLength(1);
    expect(reporter.reported).toBe(true);
    expect(reporter.mgmtMac).toBe('02:00:00:00:00:01');
    host.cpus = 4;
    await reporter.report();
    expect(sent.map((b) => b.inventory.icpus?.length)).toEqual([2, 4]);
  });

  it('after forget() (a reboot, a controller that does not know the host) the same inventory is reported again', async () => {
    const { reporter, sent } = setup();
    await reporter.report();
    reporter.forget();
    expect(reporter.reported).toBe(false);
    await reporter.report();
    expect(sent).toHaveLength(2);
  });

  it('goes by its configured name until the inventory names the host', async () => {
    const unnamed = setup();
    await unnamed.reporter.report();
    expect([unnamed.reporter.hostname, unnamed.reporter.inventoryName]).toEqual(['debian-box', undefined]);
    const named = setup({ uuid: 'u-1', hostname: 'controller-0' });
    expect(named.reporter.hostname).toBe('debian-box');
    await named.reporter.report();
    expect([named.reporter.hostname, named.reporter.inventoryName]).toEqual(['controller-0', 'controller-0']);
  });

  it('a refused registration is not remembered: the next report sends it again', async () => {
    let refuse = true;
    const sent: RegisterBody[] = [];
    const reporter = createReporter({
      configuredName: 'w',
      collect: async () => body(1),
      register: async (b) => {
        sent.push(b);
        if (refuse) throw new Error('controller unreachable');
        return { uuid: 'u', hostname: 'worker-0' };
      },
      log: silentLogger,
    });
    await expect(reporter.report()).rejects.toThrow(/unreachable/);
    expect(reporter.reported).toBe(false);
    refuse = false;
    await reporter.report();
    expect(sent).toHaveLength(2);
    expect(reporter.hostname).toBe('worker-0');
  });
});
