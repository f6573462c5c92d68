// What a program that runs Switchboard imports: the command line (cli/) and the testing kit (testing/).
// Plugins import core/index.ts only; these are the parts that load a configuration and build a runtime from it.
import './quiet-debug.js';

export { VERSION } from './version.js';
export { closest } from './did-you-mean.js';
export { createAjv } from './config/ajv.js';
export { ConfigError } from './config/config-error.js';
export { connectionSchema } from './config/connection-schema.js';
export { coreSchema, pluginSectionSchema, PLUGIN_SECTION_KEYS } from './config/core-schema.js';
export { DEFAULT_CONFIG_FILE, loadConfig, type RuntimeConfig } from './config/load-config.js';
export { eachOption, redact, type SchemaNode } from './config/schema-walk.js';
export { redactUrl } from './connection.js';
export { createRuntime } from './container.js';
export { createLogger, type LogLevel } from './logger.js';
export { builtinPlugins, loadPlugin } from './plugin-loader.js';
export { SHUTDOWN_MS, type Runtime } from './runtime.js';
