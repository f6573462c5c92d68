import { EventEmitter } from 'eventemitter3';

/**
 * An event on the bus. Plugins raise them with `ctx.emit`; transforms and guards may change or drop
 * them; publishers receive what is left. Published to MQTT as `{event_type, data, time_fired, origin, id}`.
 */
export interface BusEvent<D = unknown> {
  readonly type: string;
  data: D;
  /** When the event was raised (ISO 8601). */
  readonly time: string;
  /** The plugin that raised it. */
  readonly source: string;
  /** A stable id of what happened, for consumers to recognise a repeat (e.g. an alert's id and time). */
  readonly id?: string;
}

export type BusListener = (event: BusEvent) => void;

const ANY = '*';

/** Delivers final events (after transforms and guards) to the publishers that asked for their type, or for all (`*`). */
export class Bus {
  readonly #emitter = new EventEmitter();

  on(type: string, listener: BusListener): void {
    this.#emitter.on(type, listener);
  }

  off(type: string, listener: BusListener): void {
    this.#emitter.off(type, listener);
  }

  emit(event: BusEvent): void {
    this.#emitter.emit(event.type, event);
    this.#emitter.emit(ANY, event);
  }
}
