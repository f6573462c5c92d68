import { parseArgs } from 'node:util';
import type { CommandArgs, CommandIO, CommandOption } from '../core/index.js';
import { closest } from '../core/host.js';

/** A CLI command: `switchboard <name> ...`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, CommandOption & { multiple?: boolean }>;
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
  const options = { ...command.options, help: HELP_OPTION };
  try {
    // parseArgs takes only its own keys.
    const config = Object.fromEntries(Object.entries(options).map(([name, { description: _d, value: _v, ...o }]) => [name, o]));
    const { values, positionals } = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
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

const HELP_OPTION: CommandOption = { type: 'boolean', short: 'h', description: 'show this help' };

/** A command's help: its usage, what it does, and each option with its description. */
export function commandHelp(command: { summary: string; usage: string; options?: Record<string, CommandOption> | undefined }): string {
  const rows = Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, o]): [string, string] => {
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    const fallback = o.default === undefined || o.default === false || o.description?.includes('default') ? '' : ` (default: ${String(o.default)})`;
    return [`${o.short ? `-${o.short}, ` : '    '}--${name}${value}`, `${o.description ?? ''}${fallback}`];
  });
  const width = Math.max(...rows.map(([flags]) => flags.length));
  return [
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...rows.map(([flags, text]) => `  ${flags.padEnd(width)}  ${text}`.trimEnd()),
  ].join('\n');
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
