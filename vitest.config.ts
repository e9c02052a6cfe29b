import { defineConfig } from 'vitest/config';

// Projects: pure unit tests once; API tests once per PostgreSQL backend (the embedded server
// Starling runs itself, and the external server at STARLING_TEST_EXTERNAL_URL); then the system
// tests (real processes, timed like an operator would time them), alone, one file at a time, so
// the rest of the suite does not eat their CPU.
const apiTests = ['src/**/*.api.test.ts'];
const systemTests = ['test/system/**/*.test.ts'];
// The fuzz tier exercises the API, not the backend: it runs on the embedded one only.
const fuzzTests = ['src/**/fuzz.api.test.ts'];
const dbProject = (
  name: string,
  backend: 'embedded' | 'external',
  include: string[],
  groupOrder: number,
  fileParallelism = true,
  exclude: string[] = [],
) => ({
  extends: true as const,
  test: {
    name,
    include,
    exclude: ['**/node_modules/**', ...exclude],
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
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: apiTests, sequence: { groupOrder: 0 } } },
      dbProject('embedded', 'embedded', apiTests, 0),
      dbProject('external', 'external', apiTests, 0, true, fuzzTests),
      dbProject('system-embedded', 'embedded', systemTests, 1, false),
      dbProject('system-external', 'external', systemTests, 2, false),
    ],
  },
});
