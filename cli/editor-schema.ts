import type { PluginDefinition } from '../core/index.js';
import { connectionSchema, coreSchema, pluginSectionSchema } from '../core/host.js';

const GENERATED = 'Generated from the schemas in core/config and plugins/*/schema.ts by `npm run schemas`; do not edit.';

/** The JSON Schema of runtime.config.json for editors: the core keys and each built-in plugin's options. */
export function runtimeConfigSchema(plugins: readonly PluginDefinition[]): Record<string, unknown> {
  const schema = structuredClone(coreSchema) as unknown as Record<string, Record<string, unknown>>;
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  properties.plugins = {
    ...properties.plugins,
    properties: Object.fromEntries(plugins.map((p) => [p.name, pluginSection(p)])),
    additionalProperties: {
      type: 'object',
      description: 'A third-party plugin: "module" names the file or package it is loaded from.',
      required: ['module'],
      properties: structuredClone(pluginSectionSchema.properties),
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://switchboard.invalid/schemas/runtime.config.schema.json',
    $comment: GENERATED,
    title: 'Switchboard runtime configuration',
    ...schema,
  };
}

/** The JSON Schema of one connection (`connections.<name>`). */
export function connectionConfigSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', $comment: GENERATED, title: 'Switchboard MQTT connection', ...structuredClone(connectionSchema) };
}

/** The JSON Schema of a plugin's section: its own options plus enabled, module and optional. */
export function pluginSection(plugin: PluginDefinition): Record<string, unknown> {
  const own = structuredClone(plugin.schema) as Record<string, unknown>;
  return {
    ...own,
    description: (own.description as string | undefined) ?? plugin.description,
    properties: { ...structuredClone(pluginSectionSchema.properties), ...((own.properties as object | undefined) ?? {}) },
  };
}

export function pluginConfigSchema(plugin: PluginDefinition): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', $comment: GENERATED, title: `Switchboard plugin ${plugin.name} ${plugin.version}`, ...pluginSection(plugin) };
}
