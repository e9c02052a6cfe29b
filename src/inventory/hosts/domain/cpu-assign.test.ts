import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../../common/errors.ts';
import { assignCpuFunctions, defaultAioPlatform, type CpuRequest, type LogicalCpu } from './cpu-assign.ts';

/** 2 NUMA nodes × 4 cores × 2 threads; logical ids like Linux numbers them (thread siblings +8). */
const host2x4x2: LogicalCpu[] = [0, 1].flatMap((node) =>
  [0, 1, 2, 3].flatMap((core) => [0, 1].map((thread) => ({ cpu: node * 4 + core + thread * 8, core, thread, numa_node: node, allocated_function: 'Application' }))),
);
const aio = { subfunctions: 'controller,worker', vswitchConfigured: false };
const workerHost = { subfunctions: 'worker', vswitchConfigured: false };

const byFunction = (m: Map<number, string>): Record<string, number[]> => {
  const out: Record<string, number[]> = {};
  for (const [cpu, f] of [...m.entries()].sort((a, b) => a[0] - b[0])) (out[f] ??= []).push(cpu);
  return out;
};

function refusal(cpus: LogicalCpu[], req: CpuRequest[], kind = aio): { field?: string; message: string } {
  try {
    assignCpuFunctions(cpus, req, kind);
  } catch (e) {
    expect(e).toBeInstanceOf(StarlingError);
    return { field: (e as StarlingError).field, message: (e as StarlingError).message };
  }
  throw new Error('expected a refusal');
}

describe('assignCpuFunctions', () => {
  it('lays out platform, shared and isolated cores from the lowest core, both threads together, the rest application', () => {
    const m = assignCpuFunctions(
      host2x4x2,
      [
        { function: 'platform', sockets: [{ '0': 1 }] },
        { function: 'shared', sockets: [{ '0': 1 }, { '1': 1 }] },
        { function: 'application-isolated', sockets: [{ '1': 2 }] },
      ],
      aio,
    );
    expect(byFunction(m)).toEqual({
      Platform: [0, 8],
      Shared: [1, 4, 9, 12],
      'Application-isolated': [5, 6, 13, 14],
      Application: [2, 3, 7, 10, 11, 15],
    });
  });

  it('keeps what is not asked about: a second request changes only its function', () => {
    const first = assignCpuFunctions(host2x4x2, [{ function: 'platform', sockets: [{ '0': 2 }] }], aio);
    const cpus = host2x4x2.map((c) => ({ ...c, allocated_function: first.get(c.cpu)! }));
    const second = assignCpuFunctions(cpus, [{ function: 'application-isolated', sockets: [{ '1': 1 }] }], aio);
    expect(byFunction(second).Platform).toEqual([0, 1, 8, 9]);
    expect(byFunction(second)['Application-isolated']).toEqual([4, 12]);
  });

  it('tells apart cores with the same id on different sockets of one NUMA node (a UMA multi-socket host)', () => {
    const uma: LogicalCpu[] = [0, 1].flatMap((socket) => [0, 1].map((core) => ({ cpu: socket * 2 + core, core, socket, thread: 0, numa_node: 0, allocated_function: 'Application' })));
    const m = assignCpuFunctions(uma, [{ function: 'platform', sockets: [{ '0': 2 }] }], aio);
    expect(byFunction(m)).toEqual({ Platform: [0, 1], Application: [2, 3] });
  });

  it.each([
    ['an AIO without platform CPUs', [{ function: 'platform', sockets: [{ '0': 0 }] }], aio, 'platform', 'at least 2 platform logical CPUs'],
    ['a worker without a platform core', [{ function: 'platform', sockets: [{ '0': 0 }] }], workerHost, 'platform', 'at least 1 platform core'],
    ['two shared cores on one processor', [{ function: 'platform', sockets: [{ '0': 1 }] }, { function: 'shared', sockets: [{ '0': 2 }] }], aio, 'shared', 'at most 1 shared core'],
    ['vswitch cores without a vswitch type', [{ function: 'platform', sockets: [{ '0': 1 }] }, { function: 'vswitch', sockets: [{ '0': 1 }] }], aio, 'vswitch', 'vswitch type'],
    ['more cores than the processor has', [{ function: 'platform', sockets: [{ '0': 1 }] }, { function: 'application-isolated', sockets: [{ '0': 4 }] }], aio, 'application-isolated', 'do not fit'],
    ['no core left for applications', [{ function: 'platform', sockets: [{ '0': 4 }, { '1': 4 }] }], workerHost, 'application', 'at least 1 core must remain'],
    ['an unknown function', [{ function: 'gaming', sockets: [{ '0': 1 }] }], aio, '/0/function', 'must be one of'],
    ['an unknown processor', [{ function: 'platform', sockets: [{ '7': 1 }] }], aio, '/0/sockets', 'processor 7 does not exist'],
    ['a negative count', [{ function: 'platform', sockets: [{ '0': -1 }] }], aio, '/0/sockets', 'whole number'],
  ] as [string, CpuRequest[], typeof aio, string, string][])('refuses %s', (_, req, kind, field, words) => {
    const r = refusal(host2x4x2, req, kind);
    expect(r.field).toBe(field);
    expect(r.message).toContain(words);
  });
});

describe('defaultAioPlatform', () => {
  const aio = { subfunctions: 'controller,worker', vswitchConfigured: false };
  const cpu = (n: number, core: number, thread: number, numa = 0): LogicalCpu => ({ cpu: n, core, thread, numa_node: numa, allocated_function: 'Application' });
  const platform = (m: Map<number, string> | undefined) => [...(m ?? new Map<number, string>()).entries()].filter(([, f]) => f === 'Platform').map(([c]) => c).sort((a, b) => a - b);
  it('one physical core (both threads) with hyper-threading', () => {
    const cpus = [cpu(0, 0, 0), cpu(1, 1, 0), cpu(2, 0, 1), cpu(3, 1, 1)];
    expect(platform(defaultAioPlatform(cpus, aio))).toEqual([0, 2]);
  });
  it('two cores without hyper-threading, one on a two-core machine, none on one core', () => {
    expect(platform(defaultAioPlatform([0, 1, 2, 3].map((n) => cpu(n, n, 0)), aio))).toEqual([0, 1]);
    expect(platform(defaultAioPlatform([cpu(0, 0, 0), cpu(1, 1, 0)], aio))).toEqual([0]);
    expect(defaultAioPlatform([cpu(0, 0, 0)], aio)).toBeUndefined();
  });
});
