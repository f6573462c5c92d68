/** The alertstatus of a silenced alarm. */
export const CANCEL = 'CANCEL';

/**
 * Where one alert (one HomeLINK eventId) stands. `listed`: shown against its device, with `status` the
 * alarm type (FIRE_ALARM, CO_ALARM, HEAT_ALARM, or another eventTypeId) or CANCEL. `cleared`: resolved
 * or deleted, remembered only to refuse older messages. `at` is the last actionTimestamp (ms) that
 * moved it.
 */
export type AlertState =
  | { readonly phase: 'none' }
  | { readonly phase: 'listed'; readonly status: string; readonly at: number }
  | { readonly phase: 'cleared'; readonly at: number };

/** What a message says about an alert, at its actionTimestamp (ms). */
export type AlertInput =
  | { readonly kind: 'raise'; readonly alarmType: string; readonly at: number }
  | { readonly kind: 'silence'; readonly at: number }
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
 * | state \ input  | raise(T)             | silence  | resolve |
 * | -------------- | -------------------- | -------- | ------- |
 * | (none)         | T                    | (none)   | cleared |
 * | T (alarm)      | T                    | CANCEL   | cleared |
 * | CANCEL         | T (re-activation)    | CANCEL   | cleared |
 * | cleared        | T (raised again)     | cleared  | cleared |
 *
 * An input whose actionTimestamp is not later than the alert's `at` changes nothing and is reported
 * stale: `duplicate` when equal (a QoS 1 redelivery), `older` when earlier (a retained or replayed
 * message). Every other input moves `at` forward, so the latest message about an alert decides.
 * A silence of an alert never seen leaves it at (none): there is nothing to silence, and nothing is
 * recorded, so that the alarm still shows if its raise arrives late.
 */
export function nextAlertState(state: AlertState, input: AlertInput): AlertStep {
  const stale = staleness(state.phase === 'none' ? undefined : state.at, input.at);
  if (stale) return { state, stale };
  switch (input.kind) {
    case 'raise':
      return { state: { phase: 'listed', status: input.alarmType, at: input.at }, stale: false };
    case 'silence':
      if (state.phase === 'none') return { state, stale: false };
      if (state.phase === 'cleared') return { state: { phase: 'cleared', at: input.at }, stale: false };
      return { state: { phase: 'listed', status: CANCEL, at: input.at }, stale: false };
    case 'resolve':
      return { state: { phase: 'cleared', at: input.at }, stale: false };
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
