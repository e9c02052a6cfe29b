// Lint: type-aware rules (no floating promises) and the house boundaries: domain code stays pure,
// only src/common/config.ts reads process.env, capabilities import each other only through their
// index.ts, and the agent and the controller meet only through the protocol
// (src/agentlink/protocol.ts, src/agentlink/heartbeat/) and REST.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Shared rooms: libraries every capability builds on (errors, config, clock; the pool and
 * migrations; the work queue and backoff; the HTTP server's types, JSON-patch, the REST client).
 * They hold no capability's state and their files are independent utilities, so they are
 * imported file by file; a barrel would load the embedded PostgreSQL launcher for a type.
 * Every other folder under src/ is a capability, reached from outside only through its index.ts,
 * the shared rooms included (api/ reaches identity's policy through identity's index).
 */
const SHARED_ROOMS = new Set(['common', 'db', 'runtime', 'api']);

/** Entry points a capability offers besides its index.ts (path under src/), each with why. */
const PUBLIC_ENTRIES = new Set([
  // The agent protocol both ends speak (schemas, the heartbeat codec, keys and responder): the
  // agent imports it without loading the controller's side of agentlink (registry, routes).
  'agentlink/protocol.ts',
  'agentlink/heartbeat/index.ts',
  // Pure IPv4/IPv6 address and subnet arithmetic, which dcmanager's subnet checks share.
  'inventory/networking/domain/networks.ts',
]);

/** Known crossings still to be moved (importer → target prefix, both under src/), each with why. */
const CROSSINGS_TO_MOVE = [];

/** `src/<capA>/**` may import `src/<capB>/index.ts` only (relative specifiers; packages are free). */
const capabilityBoundaries = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const root = path.join(import.meta.dirname, 'src');
    const from = path.relative(root, context.filename).split(path.sep);
    if (from[0] === '..') return {};
    const fromRoom = from.length > 1 ? from[0] : undefined; // src/main.ts belongs to no room
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = path.relative(root, path.resolve(path.dirname(context.filename), spec)).split(path.sep);
      if (to[0] === '..' || to.length < 2) return;
      const room = to[0];
      if (room === fromRoom || SHARED_ROOMS.has(room) || (to.length === 2 && to[1] === 'index.ts')) return;
      if (PUBLIC_ENTRIES.has(to.join('/'))) return;
      if (CROSSINGS_TO_MOVE.some(([a, b]) => from.join('/') === a && to.join('/').startsWith(b))) return;
      context.report({
        node,
        message: `src/${to.join('/')} is inside the ${room} capability: import it through src/${room}/index.ts (export what is needed there).`,
      });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
      TSImportType: (n) => n.argument.type === 'TSLiteralType' && check(n.argument, n.argument.literal.value),
    };
  },
};

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
/** The protocol is shared by both ends: it imports neither. */
const PROTOCOL = {
  group: [
    '**/maintenance/**',
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
    // Tests are exempt: a test may use another capability's fixtures (the BMC emulators, the
    // agent, a repo to seed rows) without making them part of that capability's public surface.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { starling: { rules: { 'capability-boundaries': capabilityBoundaries } } },
    rules: { 'starling/capability-boundaries': 'error' },
  },
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
