import { isAlarmType, silences } from './event-types.js';

/** The alertstatus of a silenced alarm. */
export const CANCEL = 'CANCEL';

/**
 * Where one alert (one HomeLINK eventId) stands. `listed`: shown against its device, `type` the alert's
 * eventTypeId (FIRE_ALARM, CO_ALARM, LOW_BATTERY_HEAD, ...) and `status` that type or CANCEL once
 * silenced. `cleared`: resolved, or its device removed, remembered only to refuse older messages. `at`
 * is the last actionTimestamp (ms) that moved it.
 */
export type AlertState =
  | { readonly phase: 'none' }
  | { readonly phase: 'listed'; readonly type: string; readonly status: string; readonly at: number }
  | { readonly phase: 'cleared'; readonly at: number };

/**
 * What a message says about an alert, at its actionTimestamp (ms): `raise` an `alert` ADD (statusId
 * ACTIVE) of type T, `resolve` an `alert` RESOLVE (statusId RESOLVED), `event` an `event` of type E at the
 * alert's device.
 */
export type AlertInput =
  | { readonly kind: 'raise'; readonly alertType: string; readonly at: number }
  | { readonly kind: 'event'; readonly eventType: string; readonly at: number }
  | { readonly kind: 'resolve'; readonly at: number };

/** Whether a message came too late to count: `duplicate` when as old as the last one applied, `older` when older. */
export type Staleness = false | 'duplicate' | 'older';

export interface AlertStep {
  readonly state: AlertState;
  readonly stale: Staleness;
}

export const NONE: AlertState = { phase: 'none' };

/**
 * The alertstatus state machine of one alert:
 *
 * | state \ input       | raise(T) | event silencing T | event T       | other event | resolve |
 * | ------------------- | -------- | ----------------- | ------------- | ----------- | ------- |
 * | (none)              | T        | (none)            | (none)        | (none)      | cleared |
 * | T, an alarm         | T        | CANCEL            | T             | T           | cleared |
 * | T, not an alarm     | T        | T                 | T             | T           | cleared |
 * | CANCEL (T)          | T        | CANCEL            | T (re-active) | CANCEL      | cleared |
 * | cleared             | T        | cleared           | cleared       | cleared     | cleared |
 *
 * "An alarm" is an ALARM-category type (event-types.ts); an event silencing T is HUSH, CANCEL or T's own
 * `*_STOP` at the alert's device. An input whose actionTimestamp is not later than the alert's `at`
 * changes nothing and is reported stale: `duplicate` when equal (a QoS 1 redelivery), `older` when
 * earlier (a retained or replayed message). A raise or resolve moves `at` forward, and so does an event
 * that changes the status; an event that changes nothing records nothing, so that it cannot make a
 * resolve that was sent before it look older. An event about an alert never seen or cleared does
 * nothing: if the alert's raise arrives late, the alarm shows.
 */
export function nextAlertState(state: AlertState, input: AlertInput): AlertStep {
  const stale = staleness(state.phase === 'none' ? undefined : state.at, input.at);
  if (stale) return { state, stale };
  switch (input.kind) {
    case 'raise':
      return { state: { phase: 'listed', type: input.alertType, status: input.alertType, at: input.at }, stale: false };
    case 'resolve':
      return { state: { phase: 'cleared', at: input.at }, stale: false };
    case 'event': {
      if (state.phase !== 'listed' || !isAlarmType(state.type)) return { state, stale: false };
      const status = silences(input.eventType, state.type) ? CANCEL : input.eventType === state.type ? state.type : state.status;
      if (status === state.status) return { state, stale: false };
      return { state: { phase: 'listed', type: state.type, status, at: input.at }, stale: false };
    }
  }
}

/**
 * The ordering rule, for alerts and everything else with a time (events, readings, device and property
 * changes): a message not later than the last one applied is a `duplicate` (same time) or `older`.
 */
export function staleness(last: number | undefined, at: number): Staleness {
  if (last === undefined || at > last) return false;
  return at === last ? 'duplicate' : 'older';
}
