import { definePlugin, MessageRejected } from '../../../core/index.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    filter: { type: 'string', default: 'leak/in', description: 'Topics whose text it sends out every way it can.' },
  },
} as const;

/**
 * Test plugin: sends the text of each message it handles out every way a plugin can (publish as an
 * object, as text and as bytes, a retained topic, an event), then rejects the message so that it goes
 * to the dead-letter topic as well.
 */
export default definePlugin({
  name: 'leaky',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'Publishes what it is given, every way it can.',
  schema,
  setup(ctx) {
    const retained = ctx.retained();
    ctx.handle(ctx.options.filter, (message) => {
      const text = message.text();
      ctx.publish('leak/object', { note: text, nested: [{ text }] });
      ctx.publish('leak/text', `note: ${text}`);
      ctx.publish('leak/bytes', Buffer.from(text));
      retained.set('leak/retained', { note: text });
      ctx.emit('leak_event', { note: text });
      throw new MessageRejected(`refused ${text}`, 'leaky');
    });
  },
});
