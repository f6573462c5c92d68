import type { Device, RetainedTopics } from '../../core/index.js';
import { entitiesOf, type Component, type Entity } from './entities.js';
import { configMessages, type Payload, type PayloadOptions } from './payload.js';

interface Known {
  /** The announcement as last seen, serialized: a plugin re-announcing a device unchanged costs one comparison. */
  announced: string;
  entities: Entity[];
  /** Entities the device had earlier in this run (device discovery sends them reduced to their platform). */
  removed: Map<string, Component>;
  messages: Map<string, Payload>;
}

/**
 * The devices known to Home Assistant and their config messages. Until `start`, updates are only recorded:
 * the plugins that know devices announce them all as they start, and the configs that no device has any
 * more can only be told apart once they have.
 */
export class Discovery {
  readonly #configs: RetainedTopics;
  readonly #options: PayloadOptions;
  readonly #known = new Map<string, Known>();
  #started = false;

  constructor(configs: RetainedTopics, options: PayloadOptions) {
    this.#configs = configs;
    this.#options = options;
  }

  /** Records a device as it is now; once started, publishes its changed configs and clears those it no longer has. Returns the capabilities skipped, with why. */
  update(device: Device): string[] {
    const announced = JSON.stringify(device);
    const before = this.#known.get(device.id);
    if (before?.announced === announced) return [];
    const { entities, skipped } = entitiesOf(device);
    const removed = new Map(before?.removed);
    if (this.#options.deviceDiscovery) for (const entity of before?.entities ?? []) removed.set(entity.key, entity.component);
    for (const entity of entities) removed.delete(entity.key);
    const messages = configMessages(device, entities, removed, this.#options);
    this.#known.set(device.id, { announced, entities, removed, messages });
    if (this.#started) {
      this.#publish(before?.messages, messages);
      // Now rather than at the end of the turn: the announcing plugin may publish right after, e.g. an
      // event of a type this config just added, which must not reach Home Assistant before it.
      this.#configs.flush();
    }
    return skipped;
  }

  /** Forgets a device; once started, clears its configs. Returns whether it was known. */
  remove(id: string): boolean {
    const before = this.#known.get(id);
    if (!before) return false;
    this.#known.delete(id);
    if (this.#started) for (const topic of before.messages.keys()) this.#configs.delete(topic);
    return true;
  }

  /**
   * Clears the configs published earlier (in this run or before a restart) that no known device has, then
   * publishes every config. Clearing first matters: Home Assistant ignores a config whose unique_id another
   * topic still holds. Returns how many were cleared.
   */
  start(): number {
    this.#started = true;
    const current = new Set<string>();
    for (const known of this.#known.values()) for (const topic of known.messages.keys()) current.add(topic);
    const stale = this.#configs.topics().filter((topic) => !current.has(topic));
    for (const topic of stale) this.#configs.delete(topic);
    for (const known of this.#known.values()) this.#publish(undefined, known.messages);
    return stale.length;
  }

  /** Publishes every config again, changed or not (after Home Assistant's birth). Returns how many. */
  republish(): number {
    let count = 0;
    for (const known of this.#known.values()) {
      for (const [topic, payload] of known.messages) {
        this.#configs.set(topic, payload, { force: true });
        count++;
      }
    }
    return count;
  }

  get entityCount(): number {
    let count = 0;
    for (const known of this.#known.values()) count += known.entities.length;
    return count;
  }

  #publish(before: Map<string, Payload> | undefined, after: Map<string, Payload>): void {
    for (const topic of before?.keys() ?? []) if (!after.has(topic)) this.#configs.delete(topic);
    for (const [topic, payload] of after) this.#configs.set(topic, payload);
  }
}
