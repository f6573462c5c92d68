import { DEVICE_REMOVED, DEVICE_UPDATED, definePlugin } from '../../../core/index.js';

/**
 * A stand-in for a plugin that knows devices: announces the devices of its options at start, and
 * whatever is published on test/devices/update (untyped, so that tests can send invalid ones for the core to refuse) or
 * test/devices/remove ({id}).
 */
export default definePlugin({
  name: 'device-source',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'Test plugin: feeds the device registry.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { devices: { type: 'array', default: [], items: { type: 'object' } } },
  } as const,
  setup(ctx) {
    ctx.onStart(() => {
      for (const device of ctx.options.devices) ctx.emit<string>(DEVICE_UPDATED, device);
    });
    ctx.handle('test/devices/update', (message) => ctx.emit<string>(DEVICE_UPDATED, message.json()));
    ctx.handle('test/devices/remove', (message) => ctx.emit<string>(DEVICE_REMOVED, message.json()));
  },
});
