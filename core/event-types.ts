import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { BRIDGE_UPDATED, bridgeStatusSchema, type BridgeStatus } from './bridges.js';
import { createAjv, type ValidateFunction } from './config/ajv.js';
import { DEVICE_REMOVED, DEVICE_UPDATED, deviceRemovedSchema, deviceSchema, type Device, type DeviceRemoved } from './devices.js';

/** Event types and the JSON Schema of their data, as a plugin declares them (`events`) and the core its own. */
export type EventSchemas = Readonly<Record<string, JSONSchema>>;

/** The events every plugin may raise and consume, whose data the core checks (see devices.ts, bridges.ts). */
export const CORE_EVENTS = {
  [DEVICE_UPDATED]: deviceSchema,
  [DEVICE_REMOVED]: deviceRemovedSchema,
  [BRIDGE_UPDATED]: bridgeStatusSchema,
} as const;

/** The data types of CORE_EVENTS, derived once from their schemas. */
interface CoreEventData {
  [DEVICE_UPDATED]: Device;
  [DEVICE_REMOVED]: DeviceRemoved;
  [BRIDGE_UPDATED]: BridgeStatus;
}

/** The data type of event `T`: from its schema when `S` or the core declares it, otherwise (or for any string) unknown. */
export type EventData<S extends EventSchemas, T extends string> = string extends T
  ? unknown
  : T extends keyof CoreEventData
    ? CoreEventData[T]
    : T extends keyof S
      ? FromSchema<S[T]>
      : unknown;

interface Declared {
  readonly owner: string;
  readonly validate: ValidateFunction;
}

/**
 * The declared event types of a runtime, each with the one validator of its data: an event raised with
 * data its schema refuses is not raised, whichever plugin raises it, so consumers need not check again.
 */
export class EventTypes {
  readonly #types = new Map<string, Declared>();

  constructor(plugins: readonly { name: string; definition: { events?: EventSchemas | undefined } }[]) {
    const ajv = createAjv();
    const declare = (owner: string, type: string, schema: JSONSchema): void => {
      try {
        this.#types.set(type, { owner, validate: ajv.compile(schema as object) });
      } catch (err) {
        throw new Error(`plugin "${owner}" declares event ${type} with a schema ajv cannot compile: ${(err as Error).message}`);
      }
    };
    for (const [type, schema] of Object.entries(CORE_EVENTS)) declare('core', type, schema);
    for (const { name, definition } of plugins) for (const [type, schema] of Object.entries(definition.events ?? {})) declare(name, type, schema);
  }

  /** What is wrong with `data` as event `type`'s data (undefined: nothing, or the type is not declared). */
  problem(type: string, data: unknown): string | undefined {
    const declared = this.#types.get(type);
    if (!declared || declared.validate(data)) return undefined;
    return (declared.validate.errors ?? []).map((e) => `${e.instancePath || '(data)'} ${e.message ?? 'is invalid'}`).join('; ');
  }
}

/** Two declarations of one event type (a plugin's and the core's, or two plugins'): one problem per plugin. */
export function eventConflicts(plugins: readonly { name: string; definition: { events?: EventSchemas | undefined } }[]): { path: string; message: string }[] {
  const owners = new Map<string, string>(Object.keys(CORE_EVENTS).map((type) => [type, 'the core']));
  const problems: { path: string; message: string }[] = [];
  for (const { name, definition } of plugins) {
    for (const type of Object.keys(definition.events ?? {})) {
      const owner = owners.get(type);
      if (owner) problems.push({ path: `plugins.${name}`, message: `declares the event type ${type}, which ${owner === 'the core' ? 'the core' : `plugin "${owner}"`} declares: an event type has one schema` });
      else owners.set(type, name);
    }
  }
  return problems;
}
