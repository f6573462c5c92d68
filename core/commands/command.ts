import { parseArgs } from 'node:util';
import type { CommandArgs, CommandIO } from '../plugin.js';

/** A CLI command: `switchboard <name> ...`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: boolean }>;
  /** Whether it takes positional arguments (how many at most). */
  positionals: number;
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

/** A mistake in how a command was called: printed with a hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Parses a command's arguments strictly, turning node's errors into ones that say what to type instead. */
export function parseCommandArgs(command: Pick<Command, 'name' | 'options' | 'positionals'>, argv: string[]): CommandArgs {
  const options = { ...command.options, help: { type: 'boolean' as const, short: 'h' } };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (positionals.length > command.positionals) {
      throw new UsageError(`switchboard ${command.name}: unexpected argument "${positionals[command.positionals]}"`);
    }
    return { values: values as CommandArgs['values'], positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown) {
      const given = unknown[1]!.replace(/^-+/, '');
      const near = closest(given, Object.keys(options));
      throw new UsageError(`switchboard ${command.name}: unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    throw new UsageError(`switchboard ${command.name}: ${message.split('.')[0]}`);
  }
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
