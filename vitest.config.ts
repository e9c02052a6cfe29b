import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests once; API and system tests once per PostgreSQL backend
// (the embedded server Starling runs itself, and the external server at STARLING_TEST_EXTERNAL_URL).
const dbTests = ['src/**/*.api.test.ts', 'test/system/**/*.test.ts'];
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: dbTests } },
      {
        extends: true,
        test: { name: 'embedded', include: dbTests, globalSetup: ['test/support/global-setup.ts'], env: { STARLING_TEST_BACKEND: 'embedded' } },
      },
      {
        extends: true,
        test: { name: 'external', include: dbTests, globalSetup: ['test/support/global-setup.ts'], env: { STARLING_TEST_BACKEND: 'external' } },
      },
    ],
  },
});
