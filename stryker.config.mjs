// Mutation testing (StrykerJS) of the modules that hold the runtime's promises. The command runner runs mocha on
// the compiled specs: Stryker's mocha runner does not load mocha 12, and Stryker 10 (which does) needs Node 22.
// One module per run, with the fastest specs that cover it (the whole suite per mutant is far too slow):
//   MUTATE=core/ack-gate.ts npm run mutation
//   MUTATE=plugins/privacy/detectors.ts:150-200 npm run mutation   (only the mutants on those lines)
// `npm run mutation` alone runs every module in turn. Reports go to reports/mutation/ (<module>.json and .html).
// The surviving mutants that change nothing observable are listed, with why, in the README's "Mutation testing".

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The lines of top-level function `name` in `file`, as Stryker's "file:first-last". */
function functionIn(file, name) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith(`export function ${name}(`));
  const last = lines.findIndex((l, i) => i > first && l === '}');
  if (first < 0 || last < 0) throw new Error(`${file}: no top-level function ${name}`);
  return `${file}:${first + 1}-${last + 1}`;
}

/** Each module mutated, and the compiled specs that exercise it. */
const modules = {
  'core/ack-gate.ts': ['dist/test/core/ack-gate.test.js'],
  'core/topic-matcher.ts': ['dist/test/core/topic-matcher.test.js'],
  // Only the pair matcher: the rest of topics.ts is checked by a property test that costs seconds of CPU per run.
  'core/topics.ts': { mutate: functionIn('core/topics.ts', 'filterMatches'), specs: ['dist/test/core/topics.test.js'], grep: 'filterMatches' },
  'plugins/homelink/recent-ids.ts': ['dist/test/plugins/homelink/recent-ids.test.js'],
  'plugins/homelink/tracking-cap.ts': ['dist/test/plugins/homelink/tracking-cap.test.js'],
  'plugins/homelink/alert-status.ts': ['dist/test/plugins/homelink/alert-status.test.js'],
  'plugins/privacy/detectors.ts': ['dist/test/plugins/privacy/detectors.test.js'],
  'plugins/privacy/mask.ts': ['dist/test/plugins/privacy/mask.test.js', 'dist/test/plugins/privacy/rules.test.js'],
};

const only = process.env.MUTATE;
// "file" or "file:lines" (Stryker's own syntax for a range of lines).
const onlyModule = only?.replace(/:[\d:-]+$/, '');
if (only && !modules[onlyModule]) throw new Error(`MUTATE=${only}: not one of ${Object.keys(modules).join(', ')}`);
const chosen = (only ? [onlyModule] : Object.keys(modules)).map((m) => (Array.isArray(modules[m]) ? { mutate: m, specs: modules[m] } : modules[m]));
const report = `reports/mutation/${only ? onlyModule.replace(/\.ts$/, '').replaceAll('/', '-') : 'all'}`;
// mocha itself rather than npx: a process less per mutant.
const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const grep = chosen.length === 1 && chosen[0].grep ? ` --grep ${chosen[0].grep}` : '';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  mutate: only && only !== onlyModule ? [only] : chosen.map((m) => m.mutate),
  // The mutants are compiled in with the rest (mutant switching, chosen per run by an environment variable); the specs run from dist/.
  buildCommand: 'npx tsc -p tsconfig.json',
  commandRunner: { command: `node ${mocha} --no-config --reporter dot --timeout 20000${grep} ${[...new Set(chosen.flatMap((m) => m.specs))].join(' ')}` },
  coverageAnalysis: 'off',
  // A shared 2-core machine: one test process at a time.
  concurrency: 1,
  timeoutMS: 20000,
  ignorePatterns: ['dist', 'reports', '.bench', 'state', 'artifacts'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
