import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { regexProblem } from './safe-regex.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Keywords the schemas carry for Switchboard rather than for validation: `x-sensitive` (a secret: never
 * printed or logged), `x-env` / `x-arg` (the environment variable and command-line flag that override a
 * core key), `x-connection` (the value names a connection; checked against `connections`), `x-moved` (keys that
 * moved elsewhere: key -> where it is now, said when a configuration still has it).
 */
/** `x-safe-regex: true`: the string is a regular expression (Unicode mode) that cannot backtrack catastrophically. */
export const SAFE_REGEX = 'x-safe-regex';

function safeRegex(this: unknown, enabled: boolean, data: string): boolean {
  const problem = enabled ? regexProblem(data) : undefined;
  if (problem === undefined) return true;
  safeRegex.errors = [{ keyword: SAFE_REGEX, message: problem, params: {} }];
  return false;
}
safeRegex.errors = undefined as Partial<ErrorObject>[] | undefined;

export const ANNOTATIONS = ['x-sensitive', 'x-env', 'x-arg', 'x-connection'] as const;

/**
 * One ajv for all configuration schemas: every error reported, defaults filled in, schemas compiled once.
 * `verbose` gives each error its schema, so that an unknown key's problem can list the known ones.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: ['boolean', 'string'] });
  ajv.addKeyword({ keyword: 'x-moved', schemaType: 'object' });
  ajv.addKeyword({ keyword: SAFE_REGEX, type: 'string', schemaType: 'boolean', errors: true, validate: safeRegex });
  return ajv;
}

export type { ErrorObject, ValidateFunction };
