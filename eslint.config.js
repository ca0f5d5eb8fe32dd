// typescript-eslint's recommended rules over the whole project; the sandbox and tests included.
// Then the import rules of the design, enforced (see "Import rules" below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---- Import rules ----------------------------------------------------------------------------
// The product is everything users run; the sandbox, the tests and the benchmarks are not.
const PRODUCT = ['bin/**', 'extract/**', 'load/**', 'transform/**', 'models/**', 'reports/**', 'writeback/**', 'notify/**', 'lib/**', 'scheduler/**'];
// The stages and the library they share: the scheduler composes them, never the other way round.
const STAGES = ['extract/**', 'load/**', 'transform/**', 'models/**', 'reports/**', 'writeback/**', 'notify/**', 'lib/**'];
// The CLI's `sandbox` and `demo` commands start the simulated contractor: the only product files that may import
// the sandbox. (Moving them into sandbox/ would make the sandbox import the product, which it must never do.)
const SANDBOX_COMMANDS = ['scheduler/demo.ts', 'scheduler/demo-previous.ts', 'scheduler/sandbox-commands.ts'];
// The only readers of the environment: config (the machine's settings, e.g. Chromium on PATH), secrets, and the
// run context that hands the environment to both (PLUMBLINE_WAREHOUSE included).
const ENV_READERS = ['scheduler/config.ts', 'scheduler/secrets.ts', 'scheduler/run-context.ts'];

const NO_SANDBOX = {
  regex: '(^|/)sandbox/',
  message: 'The product never imports the sandbox: it must stay an independent witness of the contracts.',
};
const NO_SCHEDULER = {
  regex: '(^|/)scheduler/',
  message: 'Stages never import the scheduler: it composes them. Pass what the stage needs as a parameter.',
};
const ENV_MESSAGE = 'The environment is read only in scheduler/config.ts and scheduler/secrets.ts: take the value as a parameter.';
const NO_ENV_IMPORT = ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: ENV_MESSAGE }));

/** no-restricted-imports with these patterns (flat config replaces a rule's options, so each file group gets all of its own). */
const restrictImports = (patterns, { env = true } = {}) => ['error', { paths: env ? NO_ENV_IMPORT : [], patterns }];
/** The same rules for `await import(...)`, which no-restricted-imports does not see. */
const restrictDynamicImports = (...patterns) => [
  'error',
  ...patterns.map((p) => ({ selector: `ImportExpression > Literal[value=/${p.regex.replaceAll('/', '\\/')}/]`, message: p.message })),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'plumbline-demo/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' },
    },
    rules: {
      // Kysely over a schema discovered at run time is typed `any` on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: PRODUCT,
    rules: {
      'no-restricted-imports': restrictImports([NO_SANDBOX]),
      'no-restricted-syntax': restrictDynamicImports(NO_SANDBOX),
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
    },
  },
  {
    files: STAGES,
    rules: {
      'no-restricted-imports': restrictImports([NO_SANDBOX, NO_SCHEDULER]),
      'no-restricted-syntax': restrictDynamicImports(NO_SANDBOX, NO_SCHEDULER),
    },
  },
  {
    files: SANDBOX_COMMANDS,
    rules: { 'no-restricted-imports': restrictImports([]), 'no-restricted-syntax': 'off' },
  },
  {
    files: ENV_READERS,
    rules: { 'no-restricted-imports': restrictImports([NO_SANDBOX], { env: false }), 'no-restricted-properties': 'off' },
  },
);
