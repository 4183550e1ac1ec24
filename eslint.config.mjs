// One lint setup for the whole repo. Type-aware rules ban floating promises; the import rules keep
// libs from reaching into apps (apps import libs only through `#libs/<name>`), and keep the lab
// side in its layers (ADR 0013): across packages only through their entry file, and only downward.
import tseslint from 'typescript-eslint';

// The lab side's packages: what an import string looks like when it reaches past a package's entry
// file into its inner files (patterns match the import as written, gitignore-style).
const INNER = {
  common: ['**/common/*', '!**/common/testing'],
  lab: ['**/tools/lab/*', '../lab/*'],
  loadTests: ['**/load-tests/src/*'],
  experiments: ['**/experiments/src/*'],
  otlpSink: ['**/otlp-sink/*'],
};
const ENTRY_ONLY = 'import another lab-side package through its entry file (index.ts), ADR 0013';

/** A no-restricted-imports rule: inner files of the `others`, and the upward imports `up`. */
function layer(others, up) {
  return [
    'error',
    {
      patterns: [
        { group: others.flatMap((o) => INNER[o]), message: ENTRY_ONLY },
        ...(up.length ? [{ group: up, message: 'the lab side imports only downward (ADR 0013)' }] : []),
      ],
    },
  ];
}
const ALL = Object.keys(INNER);
const except = (...own) => ALL.filter((o) => !own.includes(o));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lab/**', 'results/**', 'load-tests/k6/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**', '#apps/*'], message: 'libs never import apps' }] },
      ],
    },
  },
  {
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/libs/*/src/**', '../../../libs/**'], message: 'import libs through #libs/<name>' }],
        },
      ],
    },
  },
  // Lowest first: tools/common, load-tests, the tools/lab core, experiments, then every consumer.
  {
    files: ['tools/common/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(except('common'), [
        '../lab',
        '../lab/**',
        '**/experiments/**',
        '**/load-tests/**',
        '../toxiproxy/**',
        '**/apps/**',
      ]),
    },
  },
  {
    files: ['load-tests/src/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(except('loadTests'), ['**/tools/lab', '**/tools/lab/**', '**/experiments/**']),
    },
  },
  {
    files: ['tools/lab/**/*.ts', 'tools/toxiproxy/**/*.ts'],
    // The CLI's files, and the specs (which may test the core together with the CLI), are consumers.
    ignores: [
      'tools/lab/main.ts',
      'tools/lab/command.ts',
      'tools/lab/verbs.ts',
      'tools/lab/commands/**',
      'tools/lab/**/*.spec.ts',
    ],
    rules: {
      'no-restricted-imports': layer(except('lab'), [
        '**/experiments/**',
        '**/load-tests/**',
        './commands/**',
        '../commands/**',
        './main',
        './verbs',
        './command',
      ]),
    },
  },
  {
    files: ['experiments/src/**/*.ts'],
    rules: {
      'no-restricted-imports': layer(except('experiments'), [
        '**/tools/lab/commands/**',
        '**/tools/lab/main',
        '**/tools/lab/command',
        '**/tools/lab/verbs',
      ]),
    },
  },
  {
    // The CLI and the other consumers: every package below, through its entry.
    files: [
      'tools/lab/main.ts',
      'tools/lab/command.ts',
      'tools/lab/verbs.ts',
      'tools/lab/commands/**/*.ts',
      'tools/lab/**/*.spec.ts',
    ],
    rules: { 'no-restricted-imports': layer(except('lab'), []) },
  },
  {
    files: [
      'tools/bench/**/*.ts',
      'tools/ledger/**/*.ts',
      'tools/observability-checks/**/*.ts',
      'tools/docker/**/*.ts',
      'test/**/*.ts',
    ],
    rules: { 'no-restricted-imports': layer(ALL, []) },
  },
);
