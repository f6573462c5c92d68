import { TopicTemplate, valueAt, type BusEvent, type PluginContext, type StateMap } from '../../core/index.js';
import type { PlaceosOptions, PublishRule } from './schema.js';

/** A payload in the shape a rule names: deployed `{time: s, value: <raw JSON>}`, documented `{time: ms, value: "<serialized JSON>"}`. */
export function placeosPayload(shape: PublishRule['shape'], timeMs: number, value: unknown): { time: number; value: unknown } {
  return shape === 'documented' ? { time: timeMs, value: JSON.stringify(value) } : { time: Math.floor(timeMs / 1000), value };
}

/**
 * Publishes bus events into PlaceOS's topic structure, one rule at a time. Every topic published to is
 * remembered in `own` (persisted), and the plugin does not ingest messages on those topics: what it
 * publishes never comes back as PlaceOS state, whatever a guard made of the payload on its way out.
 */
export function installPublishRules(ctx: PluginContext<PlaceosOptions>, own: StateMap<true>): void {
  const failed = ctx.counter('publish_failures_total', 'Events a publish rule could not publish (a topic placeholder missing or not a scalar)', ['rule']);
  ctx.options.publish.forEach((rule, i) => {
    let template: TopicTemplate;
    try {
      template = new TopicTemplate(rule.topic);
    } catch (err) {
      throw new Error(`publish[${i}].topic: ${(err as Error).message}`);
    }
    ctx.publisher(rule.events, (event: BusEvent) => {
      let topic: string;
      try {
        topic = template.fill(event);
      } catch (err) {
        failed.labels(String(i)).inc();
        ctx.log.warn({ rule: i, event: event.type, reason: (err as Error).message }, `publish[${i}]: event not published`);
        return;
      }
      if (!own.has(topic)) own.set(topic, true);
      const value = valueAt(event, rule.value) ?? null;
      ctx.publish(topic, placeosPayload(rule.shape, Date.parse(event.time), value), { connection: ctx.options.connection, retain: rule.retain, qos: rule.qos });
    });
  });
}
