// One lint setup for the whole repo. Type-aware rules ban floating promises; the import rules keep
// libs from reaching into apps (apps import libs only through `#libs/<name>`), and keep the lab
// side in its layers (ADR 0013): across packages only through their entry file, and only downward.
import security from 'eslint-plugin-security';
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

// The services' runtime code: what a request or a Kafka record reaches (docs/security.md). Test
// helpers and specs are lab side: they run on the operator's machine, on the operator's input.
const SERVICE_RUNTIME = ['apps/**/*.ts', 'libs/**/*.ts'];
const NOT_SERVICE_RUNTIME = ['**/*.spec.ts', '**/testing/**'];

const except = (...own) => ALL.filter((o) => !own.includes(o));

/** no-restricted-syntax entries against shell command lines (a block that sets the rule again repeats them). */
const SHELL_SYNTAX = [
  {
    selector:
      'ImportDeclaration[source.value=/^(node:)?child_process$/] > ImportSpecifier[imported.name=/^exec(Sync)?$/]',
    message: 'exec/execSync run a shell command line: use execFile/spawn with an argument array',
  },
  {
    selector: "Property[key.name='shell'][value.value=true]",
    message: 'a child process with shell: true parses its arguments as a command line: pass an argument array',
  },
];

// The console's API shapes (apps/console/src/api-types.ts), which its page imports: types only, so
// the page's build erases the import and no server code or zod reaches its script.
const API_TYPES_ONLY = 'api-types.ts is shared with the console page: types only (ADR 0100)';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lab/**', 'results/**', 'load-tests/k6/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    // .tsx: the console's page (apps/console/web, its own tsconfig with the DOM and JSX).
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Security rules (docs/security.md): eslint-community's eslint-plugin-security (flat config, no
  // peer range; its rules read `context.sourceCode`, which ESLint 10 keeps), as errors, plus the
  // core and typescript-eslint rules against code from strings and shell command lines. A finding
  // is fixed, or disabled on its line with a comment saying why it is safe.
  {
    files: ['**/*.ts'],
    plugins: { security },
    rules: {
      ...Object.fromEntries(Object.keys(security.configs.recommended.rules).map((rule) => [rule, 'error'])),
      // Off: it flags every `object[variable]` (268 hits here, nearly all arrays by index and
      // records keyed by a TypeScript union). The writes it is meant for, keys taken from a request
      // or a record (form fields, Kafka headers, the dead-letter header merge), go to objects
      // without a prototype (`Object.create(null)`), and Fastify's JSON parser refuses
      // `__proto__`/`constructor` keys (libs/platform body-parsers.ts).
      'security/detect-object-injection': 'off',
      // Off here, on for the services' runtime code below: the lab side's job is reading and writing
      // files at paths the operator gives it (state dirs, reports, the repo).
      'security/detect-non-literal-fs-filename': 'off',
      // Off here, on for the services' runtime code below: on the lab side a regex only sees the
      // operator's own files and our own outputs, and the rule's star-height test flags any optional
      // group holding a quantifier, like `\d+(\.\d+)?` (24 of its 27 hits here were on the lab side,
      // nearly all of that kind).
      'security/detect-unsafe-regex': 'off',
      'no-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      'no-restricted-syntax': ['error', ...SHELL_SYNTAX],
    },
  },
  {
    // Tests build expected-message patterns from their own constants, and compare fixture tokens
    // that no attacker can time.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { 'security/detect-non-literal-regexp': 'off', 'security/detect-possible-timing-attacks': 'off' },
  },
  {
    files: SERVICE_RUNTIME,
    ignores: NOT_SERVICE_RUNTIME,
    rules: {
      'security/detect-non-literal-fs-filename': 'error',
      'security/detect-unsafe-regex': 'error',
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
  {
    // Its one import reaches past libs/contracts' entry, whose other files bring Node and protobufjs
    // into the page's type check; `import type` of a file that imports only zod.
    files: ['apps/console/src/api-types.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\.\\./\\.\\./\\.\\./libs/contracts/src/experiment-events$)', message: API_TYPES_ONLY },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...SHELL_SYNTAX,
        { selector: "ImportDeclaration[importKind!='type']", message: API_TYPES_ONLY },
        {
          selector:
            ':matches(Program, ExportNamedDeclaration) > :matches(VariableDeclaration, FunctionDeclaration, ClassDeclaration, TSEnumDeclaration, TSModuleDeclaration)',
          message: API_TYPES_ONLY,
        },
      ],
    },
  },
  {
    // The page reaches outside its folder only for those shapes, and only with `import type`/`export type`.
    files: ['apps/console/web/**/*.ts', 'apps/console/web/**/*.tsx'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...SHELL_SYNTAX,
        {
          selector:
            ":matches(ImportDeclaration[importKind!='type'], ExportNamedDeclaration[exportKind!='type'], ExportAllDeclaration)[source.value=/^\\.\\.\\u002F/]",
          message: 'the console page imports server code type-only (import type … from ../../src/api-types)',
        },
        {
          selector:
            ':matches(ImportDeclaration, ExportNamedDeclaration, ExportAllDeclaration)[source.value=/^\\.\\.\\u002F(?!\\.\\.\\u002Fsrc\\u002Fapi-types$)/]',
          message: 'the console page imports from outside its folder only apps/console/src/api-types.ts',
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
      'tools/security/**/*.ts',
      'test/**/*.ts',
    ],
    rules: { 'no-restricted-imports': layer(ALL, []) },
  },
);
