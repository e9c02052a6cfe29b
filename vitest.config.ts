import { defineConfig } from 'vitest/config';

// Tiers (README "Tests"):
// - unit: pure code and in-process helpers: no processes, sockets or real waits (seconds);
// - integration (`*.int.test.ts`): real processes, sockets and time on one machine: the BMC
//   emulators, the lab's namespaces, pmon, the monitors on this machine's /proc and /sys;
// - embedded: every API test (`*.api.test.ts`) on an embedded PostgreSQL the run starts itself;
// - external: the database contract (the files below, which exercise what a PostgreSQL server
//   does for us: sessions and advisory locks, LISTEN/NOTIFY, row locks and compare-and-set,
//   error codes, prepared batches, starting on a server by URL) again on the machine's server;
// - system-embedded / system-external: real `starling up` processes and labs, alone, one file at
//   a time, so the rest of the suite does not eat their CPU; on the external server only the start
//   by URL (the labs and crash tests run their own embedded PostgreSQL).
const apiTests = ['src/**/*.api.test.ts'];
const integrationTests = ['src/**/*.int.test.ts'];
const systemTests = ['test/system/**/*.test.ts'];
const databaseContract = [
  'src/runtime/lease.api.test.ts',
  'src/controller/controller.api.test.ts',
  'src/maintenance/repo.api.test.ts',
  'src/identity/revocation.api.test.ts',
  'src/audit/audit-integrity.api.test.ts',
  'src/api/bad-input.api.test.ts',
  'src/fault/fault.api.test.ts',
];
const dbProject = (
  name: string,
  backend: 'embedded' | 'external',
  include: string[],
  groupOrder: number,
  fileParallelism = true,
) => ({
  extends: true as const,
  test: {
    name,
    include,
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    env: { STARLING_TEST_BACKEND: backend },
    sequence: { groupOrder },
    fileParallelism,
  },
});

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // The dashboard's pure logic (dashboard/src/*.test.ts) too.
        test: { name: 'unit', include: ['src/**/*.test.ts', 'dashboard/src/**/*.test.ts'], exclude: [...apiTests, ...integrationTests], sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'integration', include: integrationTests, sequence: { groupOrder: 0 } } },
      dbProject('embedded', 'embedded', apiTests, 0),
      dbProject('external', 'external', databaseContract, 0),
      dbProject('system-embedded', 'embedded', systemTests, 1, false),
      dbProject('system-external', 'external', ['test/system/up.test.ts'], 2, false),
    ],
  },
});
