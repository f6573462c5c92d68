import type { BusEvent } from './bus.js';
import type { Logger } from './logger.js';
import type { OutboundMessage } from './message.js';
import type { Guard } from './plugin.js';

/** The guard's plugin, as far as its guard is concerned: where its failures are counted and logged. */
interface GuardProbe {
  readonly log: Logger;
  failed(stage: 'guard'): void;
  dropped(stage: 'guard'): void;
}

interface GuardEntry {
  readonly probe: GuardProbe;
  readonly guard: Guard;
}

/** What a kind of guard checks, and what its failure says. */
interface GuardKind<T> {
  check(guard: Guard, value: T): T | null;
  failed(probe: GuardProbe, err: unknown, value: T): void;
}

export const guardEvent: GuardKind<BusEvent> = {
  check: (guard, event) => guard.event!(event),
  failed: (probe, err, event) => probe.log.error({ err, event: event.type }, 'guard failed; the event is dropped'),
};

export const guardMessage: GuardKind<OutboundMessage> = {
  check: (guard, message) => guard.message!(message),
  failed: (probe, err, message) => probe.log.error({ err, topic: message.topic, origin: message.origin }, 'guard failed; the message is not published'),
};

/** `value` as the guards leave it, in order; null once one drops it, or throws (guards fail closed). */
export function throughGuards<T>(guards: readonly GuardEntry[], value: T, kind: GuardKind<T>): T | null {
  for (const g of guards) {
    let next: T | null;
    try {
      next = kind.check(g.guard, value);
    } catch (err) {
      g.probe.failed('guard');
      kind.failed(g.probe, err, value);
      next = null;
    }
    if (!next) {
      g.probe.dropped('guard');
      return null;
    }
    value = next;
  }
  return value;
}
