import { DEVICE_REMOVED, DEVICE_UPDATED, definePlugin } from '../../core/index.js';
import { DelayedOnce } from './birth.js';
import { Discovery } from './discovery.js';
import { discoveryPayloadSchema } from './payload-schema.js';
import { schema } from './schema.js';

/** The project's address, sent to Home Assistant as the origin's support URL. */
const PROJECT_URL = 'https://github.com/switchboard-mqtt/switchboard';

export default definePlugin({
  name: 'ha-discovery',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'Home Assistant MQTT discovery: every device other plugins know (HomeLINK properties, alarms, sensors) appears in Home Assistant by itself.',
  schema,
  schemas: { 'ha-discovery-payload': discoveryPayloadSchema },
  setup(ctx) {
    const options = ctx.options;
    const { eventsConnection, statusTopic } = ctx.runtime;
    const connection = options.connection ?? eventsConnection;
    // The status topic (the runtime's last will) is only on the events connection's broker.
    const statusReachable = connection === eventsConnection;
    if (!statusReachable) {
      ctx.log.warn({ connection, statusTopic, eventsConnection }, "the runtime's status topic is not on this broker: entities are published without availability");
    }
    const discovery = new Discovery(ctx.retained({ connection, qos: options.qos, retain: options.retain }), {
      prefix: options.discoveryPrefix,
      origin: { name: 'Switchboard', sw_version: ctx.runtime.version, support_url: PROJECT_URL },
      qos: options.qos,
      availabilityTopic: statusReachable ? statusTopic : undefined,
      abbreviate: options.abbreviate,
      deviceDiscovery: options.deviceDiscovery,
    });

    const rejected = ctx.counter('devices_rejected_total', 'Device announcements not published because their state is on another broker', ['reason']);
    const entities = ctx.gauge('entities', 'Entities published to Home Assistant');
    const republished = ctx.counter('republished_total', 'Times every config was published again after a Home Assistant birth message');
    // Plugins announce every device at each start: say once per device what is wrong with it, not at every announcement.
    const warned = new Set<string>();

    // The core checked the data of both events against their schemas.
    ctx.publisher(DEVICE_UPDATED, ({ data: device }) => {
      if (device.connection !== connection) {
        rejected.labels('other_broker').inc();
        discovery.remove(device.id);
        if (!warned.has(device.id)) ctx.log.warn({ device: device.id, state: device.connection, connection }, "not published: the device's state is on another broker than Home Assistant's; bridge it or set `connection`");
        warned.add(device.id);
      } else {
        const skipped = discovery.update(device);
        if (skipped.length > 0 && !warned.has(device.id)) ctx.log.warn({ device: device.id, skipped }, 'some capabilities of the device have no Home Assistant entity');
        if (skipped.length > 0) warned.add(device.id);
      }
      entities.set(discovery.entityCount);
    });
    ctx.publisher(DEVICE_REMOVED, ({ data: { id } }) => {
      warned.delete(id);
      if (discovery.remove(id)) ctx.log.info({ device: id }, 'device removed: its Home Assistant configs are cleared');
      entities.set(discovery.entityCount);
    });

    let started = false;
    const republish = new DelayedOnce(options.republishDelayMs, () => {
      const count = discovery.republish();
      republished.inc();
      ctx.log.info({ configs: count }, 'Home Assistant is back: published every config again');
    });
    ctx.handle(
      options.birthTopic ?? `${options.discoveryPrefix}/status`,
      (message) => {
        // A retained birth is old news: every config was published at start anyway.
        if (!started || message.retain || message.text().trim() !== options.birthPayload) return;
        republish.request();
      },
      { connection },
    );

    ctx.onReady(() => {
      started = true;
      const stale = discovery.start();
      entities.set(discovery.entityCount);
      ctx.log.info({ entities: discovery.entityCount, staleCleared: stale }, 'Home Assistant discovery published');
    });
    ctx.onStop(() => republish.cancel());
  },
});
