import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * mqtt-packet, which reads and writes every MQTT packet (mqtt.js's and aedes'), logs through `debug` a dozen
 * times per packet; `debug` gathers its arguments into an array before it looks whether it is on: a tenth of
 * what a forwarded message allocated. Loggers that are off when mqtt-packet creates them are made no-ops
 * instead; `DEBUG=mqtt-packet*` at start turns them on as before. Imported before mqtt.js and aedes.
 */
const require = createRequire(import.meta.url);

type CreateDebug = ((namespace: string) => unknown) & { enabled(namespace: string): boolean };

function off(): void {}
off.enabled = false;

try {
  const path = require.resolve('debug', { paths: [dirname(require.resolve('mqtt-packet'))] });
  const createDebug = require(path) as CreateDebug;
  const cached = require.cache[path];
  if (cached && typeof createDebug === 'function' && typeof createDebug.enabled === 'function') {
    cached.exports = new Proxy(createDebug, {
      apply: (target, self, args: [string]) => (args[0].startsWith('mqtt-packet:') && !target.enabled(args[0]) ? off : Reflect.apply(target, self, args)),
    });
  }
} catch {
  // Another layout of the packages: they log as they did.
}
