import { definePlugin, type InboundMessage } from '../../core/index.js';
import { NameBook, type KnownName } from './names.js';
import { parseMessage, type MetadataMessage, type StateMessage } from './placeos-message.js';
import { installPublishRules } from './publish-rules.js';
import { schema } from './schema.js';
import { SystemDevices, type SystemRecord } from './system-devices.js';

export default definePlugin({
  name: 'placeos',
  version: '1.0.0',
  core: '^0.1.0',
  description:
    'PlaceOS building state over MQTT, in the documented and the deployed shapes: an event for every module status and metadata message, named from metadata kept across restarts; bus events published back as PlaceOS state; systems as devices for Home Assistant.',
  schema,
  setup(ctx) {
    const options = ctx.options;
    const names = new NameBook(ctx.state<KnownName>('names'));
    const own = ctx.state<true>('published-topics');
    const stateConnection = options.publishConnection ?? ctx.runtime.eventsConnection;
    const devices = options.devices
      ? new SystemDevices({
          systems: ctx.state<SystemRecord>('systems'),
          topics: ctx.retained({ connection: stateConnection, intervalMs: 100 }),
          emit: (type, data) => ctx.emit(type, data),
          name: (system) => names.name(system),
          prefix: options.statePrefix,
          connection: stateConnection,
        })
      : undefined;
    const ownIgnored = ctx.counter('own_messages_ignored_total', 'Messages not ingested because they are on a topic this plugin publishes to');
    const cleared = ctx.counter('cleared_total', 'State topics PlaceOS cleared (an empty retained message, as when a module is renamed or deleted)');

    const state = (message: StateMessage): void => {
      const { kind: _kind, ...data } = message;
      ctx.emit('placeos_state', { ...data, names: names.of(message) });
      devices?.status(message.system, message.module, message.index, message.status, message.value);
    };
    const metadata = (message: MetadataMessage): void => {
      const renamed = names.apply(message);
      const { kind: _kind, time: _time, ...data } = message;
      ctx.emit('placeos_metadata', data);
      if (message.model === null) devices?.removed(message.id);
      else if (renamed) devices?.renamed(message.id);
    };

    // Overlapping filters (placeos/# and a narrower one) hand the same message to the handler once per filter.
    const seen = new WeakSet<InboundMessage>();
    const handle = (message: InboundMessage): void => {
      if (seen.has(message)) return;
      seen.add(message);
      if (own.has(message.topic)) {
        ownIgnored.inc();
        return;
      }
      const parsed = parseMessage(message.topic, () => message.json(), message.payload.length === 0, options.hierarchy);
      if (parsed.kind === 'state') state(parsed);
      else if (parsed.kind === 'metadata') metadata(parsed);
      else {
        cleared.inc();
        devices?.status(parsed.system, parsed.module, parsed.index, parsed.status, null);
      }
    };
    for (const filter of options.subscribe) ctx.handle(filter, handle, { connection: options.connection, qos: options.qos });
    installPublishRules(ctx, own);
    // Every device again from the persisted state: the registry's consumers start empty.
    ctx.onStart(() => devices?.all());
  },
});
