// Mutation testing (StrykerJS) of the modules that hold the runtime's promises. The command runner runs mocha on
// the compiled specs: Stryker's mocha runner does not load mocha 12, and Stryker 10 (which does) needs Node 22.
// One module per run, with the fastest specs that cover it (the whole suite per mutant is far too slow):
//   MUTATE=core/ack-gate.ts npm run mutation
// `npm run mutation` alone runs every module in turn. Reports go to reports/mutation/.

/** Each module mutated, and the compiled specs that exercise it. */
const modules = {
  'core/ack-gate.ts': ['dist/test/core/ack-gate.test.js'],
  'core/topic-matcher.ts': ['dist/test/core/topic-matcher.test.js'],
  'plugins/homelink/recent-ids.ts': ['dist/test/plugins/homelink/recent-ids.test.js'],
  'plugins/homelink/tracking-cap.ts': ['dist/test/plugins/homelink/tracking-cap.test.js'],
  'plugins/homelink/alert-status.ts': ['dist/test/plugins/homelink/alert-status.test.js'],
  'plugins/privacy/detectors.ts': ['dist/test/plugins/privacy/detectors.test.js'],
  'plugins/privacy/mask.ts': ['dist/test/plugins/privacy/rules.test.js', 'dist/test/plugins/privacy/properties.test.js'],
};

const only = process.env.MUTATE;
if (only && !modules[only]) throw new Error(`MUTATE=${only}: not one of ${Object.keys(modules).join(', ')}`);
const chosen = only ? [only] : Object.keys(modules);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  mutate: chosen,
  // The mutants are compiled in with the rest (mutant switching, chosen per run by an environment variable); the specs run from dist/.
  buildCommand: 'npx tsc -p tsconfig.json',
  commandRunner: { command: `npx mocha --no-config --reporter dot --timeout 20000 ${[...new Set(chosen.flatMap((m) => modules[m]))].join(' ')}` },
  coverageAnalysis: 'off',
  // A shared 2-core machine: one test process at a time.
  concurrency: 1,
  timeoutMS: 20000,
  ignorePatterns: ['dist', 'reports', '.bench', 'state'],
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
