import { createRequire } from 'node:module';

// Loaded on first use: recheck is megabytes of code that a start with no user expression to check never needs.
const require = createRequire(import.meta.url);
let recheck: typeof import('recheck') | undefined;

/** How long the analysis of one expression may take before it is refused as not shown safe. */
const CHECK_TIMEOUT_MS = 10000;

/**
 * Why `source` cannot be used as a regular expression on untrusted text, or undefined when it can: it must
 * compile in Unicode mode, and recheck (an automata-based ReDoS checker) must find no input on which it
 * backtracks exponentially or polynomially, such as "aaaa…b" for "(a+)+$".
 */
export function regexProblem(source: string, flags = 'u'): string | undefined {
  try {
    new RegExp(source, flags);
  } catch (err) {
    return `is not a valid regular expression (Unicode mode): ${(err as Error).message}`;
  }
  recheck ??= require('recheck') as typeof import('recheck');
  const result = recheck.checkSync(source, flags, { timeout: CHECK_TIMEOUT_MS });
  if (result.status === 'safe') return undefined;
  if (result.status === 'vulnerable') {
    const attack = result.attack.string.length > 40 ? `${result.attack.string.slice(0, 40)}…` : result.attack.string;
    return `can backtrack catastrophically (${result.complexity.type} time in the length of the text, e.g. on ${JSON.stringify(attack)}): it could stall every message; write it without nested or overlapping repetition`;
  }
  return `could not be shown free of catastrophic backtracking (${result.error.kind}): write it more simply`;
}
