// Two tiers: unit specs beside the code (fakes allowed), integration specs under test/integration
// (real broker, real processes). The integration tier shares one lab started in globalSetup (one
// per shard when `npm test` runs it in shards).
const swc = [
  '@swc/jest',
  {
    swcrc: false,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^#libs/(.*)$': '<rootDir>/libs/$1/src/index.ts' };
// ESM-only dependencies (jose 6) are compiled to CommonJS for Jest's module sandbox, which cannot
// require ESM without --experimental-vm-modules.
const esmOnly = ['jose'];
const swcJs = [
  '@swc/jest',
  { swcrc: false, jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } },
];
const transform = { '^.+\\.ts$': swc, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swcJs };
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,tools,load-tests,experiments}/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/integration/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/support/global-teardown.ts',
      // A spec of a class waits there for its turn beside the other shards (docs/decisions/0016).
      setupFilesAfterEnv: ['<rootDir>/test/integration/support/turns.ts'],
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 120000,
  // `--shard=i/n` splits by measured seconds (tools/test/sharding.js): `npm test` runs the
  // integration tier in shards at once (docs/decisions/0016).
  testSequencer: '<rootDir>/tools/test/sequencer.js',
};
