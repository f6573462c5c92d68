import { definePlugin } from '../../core/index.js';
import { AlertBook } from './alert-book.js';
import { DeviceAnnouncer } from './device-announcements.js';
import { importMqttxCommand } from './import-mqttx.js';
import { MessageHandler } from './message-handler.js';
import { RecentIds } from './recent-ids.js';
import { Registry } from './registry.js';
import { RestPoller } from './rest-poller.js';
import { schema } from './schema.js';
import { StateTopics } from './state-topics.js';
import { Webhook } from './webhook.js';

const DAY_MS = 86_400_000;

export default definePlugin({
  name: 'homelink',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'AICO HomeLINK over MQTT: an event for every message, a registry of properties and devices, and the alertstatus of every fire, CO and CO2 alarm and every maintenance problem, kept across restarts.',
  schema,
  commands: { 'import-mqttx': importMqttxCommand },
  setup(ctx) {
    const options = ctx.options;
    const connection = options.publishConnection ?? ctx.runtime.eventsConnection;
    const bounds = { limit: options.tombstoneLimit, maxAgeMs: options.tombstoneMaxAgeDays * DAY_MS };
    const registry = new Registry(ctx.state('properties'), ctx.state('devices'));
    const alerts = new AlertBook(ctx.state('alerts'), new RecentIds(ctx.state('cleared-alerts'), bounds), (serial) => registry.device(serial)?.serial);
    const topics = new StateTopics({
      retained: ctx.retained({ connection, intervalMs: options.publishIntervalMs }),
      prefix: options.statePrefix,
      registry,
      alerts,
      log: ctx.log,
      unsafeIds: ctx.counter('unsafe_ids_total', 'Ids (property references, device serials) that had to be escaped to become topic levels'),
      id: (id) => ctx.id(id),
    });
    const announcer = new DeviceAnnouncer((type, data) => ctx.emit(type, data), topics, connection, options.deviceEvents, (id) => ctx.id(id));
    const listedAlerts = ctx.gauge('alerts_listed', 'Alerts listed against devices: in alarm or silenced, not yet cleared');
    listedAlerts.set(alerts.size);
    const handler = new MessageHandler({
      rootDepth: options.topicRoot.split('/').length,
      registry,
      alerts,
      events: new RecentIds(ctx.state('processed-events'), bounds),
      maxFutureMs: options.maxFutureSkewSeconds * 1000,
      topics,
      announcer,
      emit: (type, data, opts) => ctx.emit(type, data, opts),
      // At the events' QoS: with 2, a copy sent again after a crash is recognised by the broker, as on the events topics.
      publishDeviceEvent: options.deviceEvents ? (topic, body) => ctx.publish(topic, body, { connection, qos: ctx.runtime.eventsQos, retain: false }) : undefined,
      log: ctx.log,
      duplicates: ctx.counter('duplicates_total', 'Messages ignored because they repeat one already processed (same id and actionTimestamp)', ['type']),
      outOfOrder: ctx.counter('out_of_order_total', 'Messages ignored because they are older than the last one applied for the same alert, event, reading, device or property', ['type']),
      listedAlerts,
      limits: {
        devices: { perProperty: options.limits.devicesPerProperty, total: options.limits.devices },
        alerts: { perProperty: options.limits.alertsPerProperty, total: options.limits.alerts },
      },
      trackingLimit: ctx.counter('tracking_limit_total', 'What the tracking limits (limits.*) did, by kind (device, alert) and outcome: evicted (the oldest without an alarm forgotten), refused (the message rejected), over_limit (an alarm tracked beyond the limit)', ['kind', 'outcome']),
      id: (id) => ctx.id(id),
    });
    ctx.handle(`${options.topicRoot}/#`, handler.handle, { connection: options.connection, qos: options.qos });
    if (options.webhook) {
      const webhook = new Webhook({
        options: options.webhook,
        handle: (type, payload) => handler.handlePayload(type, payload),
        log: ctx.log,
        requests: ctx.counter('webhook_requests_total', 'Webhook requests by outcome: handled, unauthorized (401), rejected (400)', ['outcome']),
      });
      ctx.route('POST', options.webhook.path, webhook.handle, { maxBodyBytes: options.webhook.maxBodyBytes, precheck: webhook.precheck });
      if (options.webhook.auth.type === 'none') ctx.log.warn({ path: options.webhook.path }, 'the webhook accepts requests without credentials (webhook.auth.type "none"): anyone who can reach it can raise and clear alarms');
    }
    if (options.rest) {
      const poller = new RestPoller({
        options: options.rest,
        state: {
          propertyChangedAt: (reference) => registry.property(reference)?.changedAt,
          deviceChangedAt: (serial) => registry.device(serial)?.changedAt,
          devicesOf: (reference) => registry.devicesOf(reference),
          alertPhase: (eventId) => alerts.state(eventId).phase,
          listedAlerts: (reference) => [...registry.devicesOf(reference)].flatMap((serial) => alerts.ofDevice(serial)),
        },
        handle: (type, payload) => handler.handlePayload(type, payload),
        log: ctx.log,
        polls: ctx.counter('rest_polls_total', 'Polls of HomeLINK\'s REST API by outcome: ok, auth (401), rate (429), server (5xx), network, shape', ['outcome']),
        rejected: ctx.counter('rest_rejected_total', 'Items from HomeLINK\'s REST API that the parser refused'),
      });
      ctx.onReady(() => poller.start());
      ctx.onStop(() => poller.stop());
    }
    // Everything again from the persisted state: the broker or the consumers may have lost it while Switchboard was away.
    // The devices are announced before start is over, since consumers (ha-discovery) clear what was not announced once
    // every plugin has started; the state topics follow in the background, as fast as the broker takes them.
    let stopping = false;
    let republishing: Promise<void> | undefined;
    ctx.onStart(async () => {
      await announcer.all(registry);
      republishing = topics.publishAll(() => stopping).catch((err: unknown) => ctx.log.error({ err }, 'could not publish every state topic again at start'));
    });
    ctx.onStop(async () => {
      stopping = true;
      await republishing;
    });
  },
});
