// Lint: type-aware rules (no floating promises) and the house boundaries: domain code stays pure,
// only src/common/config.ts reads process.env, and the agent and the controller meet only through
// the protocol (src/agentlink/protocol.ts, src/agentlink/heartbeat/) and REST.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries (no-restricted-imports; a file matched by several configs gets the last one's
// patterns only, so each config lists every group that applies to its files).
const DOMAIN = { group: ['node:*', 'pg', 'fastify', '**/db/**', '**/repo*', '**/service*'], message: 'Domain code is pure: no I/O.' };
/** What the agent (a process on every host) may not import: the controller's side. */
const AGENT_SIDE = {
  group: [
    '**/maintenance/**',
    '**/controller/**',
    '**/inventory/**',
    '**/fault/**',
    '**/identity/**',
    '**/audit/**',
    '**/db/**',
    '**/api/server*',
    '**/agentlink/index*',
    '**/agentlink/registry*',
    '**/agentlink/routes*',
  ],
  message: 'The agent reaches the controller only through the protocol (src/agentlink/protocol.ts, src/agentlink/heartbeat/) and REST.',
};
/** What the controller side may not import: the agent's code. */
const CONTROLLER_SIDE = { group: ['**/agent/**'], message: 'The controller reaches agents only through the protocol (src/agentlink/).' };
/** The protocol is shared by both ends: it imports neither (only pure maintenance domain types). */
const PROTOCOL = {
  group: [
    '**/maintenance/*',
    '!**/maintenance/domain',
    '**/maintenance/domain/*',
    '!**/maintenance/domain/heartbeat.ts',
    '!**/maintenance/domain/pulse-seq.ts',
    '**/controller/**',
    '**/agent/**',
    '**/agentlink/index*',
    '**/agentlink/registry*',
    '**/agentlink/routes*',
    './registry*',
    './routes*',
    '../registry*',
    '../routes*',
    '../index*',
    '**/api/server*',
    '**/db/**',
  ],
  message: 'The protocol is shared by the agent and the controller: it imports neither side.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const TESTS = ['**/*.test.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/common/config.ts.' }],
    },
  },
  // The controller side (everything but the agent, and the binary's entry points that start it).
  { files: ['src/**/*.ts'], ignores: ['src/agent/**', 'src/cli/**', 'src/main.ts', 'src/lab/**', ...TESTS], rules: restrict(CONTROLLER_SIDE) },
  { files: ['src/agent/**/*.ts'], ignores: TESTS, rules: restrict(AGENT_SIDE) },
  { files: ['src/agentlink/protocol.ts', 'src/agentlink/heartbeat/**/*.ts'], ignores: TESTS, rules: restrict(PROTOCOL) },
  {
    files: ['src/**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [DOMAIN, CONTROLLER_SIDE] }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Take time as an argument (Clock).' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Take randomness as an argument.' },
      ],
    },
  },
  // Tests of the agent's domain check its alarms against fm's catalog: only the code is bounded.
  { files: ['src/agent/**/domain/**/*.ts'], ignores: TESTS, rules: restrict(DOMAIN, AGENT_SIDE) },
  {
    files: ['src/common/config.ts', 'test/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', 'bin/*'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false }, globals: { process: 'readonly', console: 'readonly' } },
  },
);
