import type { CoreConfig } from './config/core-schema.js';
import type { Connection } from './connection.js';
import type { QoS } from './message.js';
import type { Pipeline, PluginProbe } from './pipeline.js';

// Topics remembered; past this many (a plugin making event types from data), the rest are made each time.
const MAX_TOPICS = 1024;

/**
 * Publishes every final bus event as JSON under `<events.prefix>/<event_type>`, so that any MQTT client
 * (Home Assistant automations, Node-RED, mosquitto_sub) sees what plugins raise; and keeps the runtime's
 * status topic: retained "online" while connected, "offline" as the connection's last will.
 */
export function installEventsOut(pipeline: Pipeline, probe: PluginProbe, events: CoreConfig['events'], connection: Connection): void {
  const status = events.statusTopic;
  connection.setWill({ topic: status, payload: 'offline', qos: 1, retain: true });
  connection.onConnect(() => {
    try {
      pipeline.publish('core', connection.name, status, 'online', { qos: 1, retain: true });
    } catch (err) {
      probe.log.error({ err, topic: status }, 'could not publish the status topic');
    }
  });
  if (!events.enabled) return;
  const exclude = new Set(events.exclude);
  const prefix = events.prefix;
  const qos = events.qos as QoS;
  // Event types are few (each plugin's own names): each one's topic is made once.
  const topics = new Map<string, string>();
  pipeline.addPublisher(probe, ['*'], (event) => {
    if (exclude.has(event.type)) return;
    const body: Record<string, unknown> = { event_type: event.type, data: event.data, time_fired: event.time, origin: event.source };
    if (event.id !== undefined) body.id = event.id;
    let topic = topics.get(event.type);
    if (topic === undefined) {
      topic = `${prefix}/${event.type}`;
      if (topics.size < MAX_TOPICS) topics.set(event.type, topic);
    }
    pipeline.publish('core', connection.name, topic, body, { qos, retain: false, event });
  });
}
