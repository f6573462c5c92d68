import assert from 'node:assert/strict';
import { CANCEL, NONE, nextAlertState, staleness, type AlertInput, type AlertState } from '../../../plugins/homelink/alert-status.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const LATER = T0 + 90_000;
const EARLIER = T0 - 60_000;

const listed = (status: string, at = T0): AlertState => ({ phase: 'listed', status, at });
const cleared = (at = T0): AlertState => ({ phase: 'cleared', at });
const raise = (alarmType: string, at = LATER): AlertInput => ({ kind: 'raise', alarmType, at });
const silence = (at = LATER): AlertInput => ({ kind: 'silence', at });
const resolve = (at = LATER): AlertInput => ({ kind: 'resolve', at });

describe('homelink: the alertstatus state machine', () => {
  describe('from (none)', () => {
    it('raise lists the alert with its alarm type', () => {
      assert.deepEqual(nextAlertState(NONE, raise('FIRE_ALARM')), { state: listed('FIRE_ALARM', LATER), stale: false });
    });

    it('silence leaves it at (none): nothing to silence, nothing recorded', () => {
      assert.deepEqual(nextAlertState(NONE, silence()), { state: NONE, stale: false });
    });

    it('resolve clears it, so that its raise arriving late is refused', () => {
      const step = nextAlertState(NONE, resolve(LATER));
      assert.deepEqual(step, { state: cleared(LATER), stale: false });
      assert.deepEqual(nextAlertState(step.state, raise('FIRE_ALARM', T0)), { state: cleared(LATER), stale: 'older' });
    });

    it('takes any time: there is nothing to be older than', () => {
      assert.equal(nextAlertState(NONE, raise('CO_ALARM', 0)).stale, false);
    });
  });

  describe('from an alarm type', () => {
    it('raise keeps the alarm and moves its time', () => {
      assert.deepEqual(nextAlertState(listed('FIRE_ALARM'), raise('FIRE_ALARM')), { state: listed('FIRE_ALARM', LATER), stale: false });
    });

    it('raise with another alarm type takes the new type', () => {
      assert.deepEqual(nextAlertState(listed('FIRE_ALARM'), raise('CO_ALARM')), { state: listed('CO_ALARM', LATER), stale: false });
    });

    it('silence goes to CANCEL, still listed', () => {
      assert.deepEqual(nextAlertState(listed('HEAT_ALARM'), silence()), { state: listed(CANCEL, LATER), stale: false });
    });

    it('resolve clears it', () => {
      assert.deepEqual(nextAlertState(listed('FIRE_ALARM'), resolve()), { state: cleared(LATER), stale: false });
    });
  });

  describe('from CANCEL', () => {
    it('raise re-activates the alarm type', () => {
      assert.deepEqual(nextAlertState(listed(CANCEL), raise('FIRE_ALARM')), { state: listed('FIRE_ALARM', LATER), stale: false });
    });

    it('silence again stays CANCEL with the later time', () => {
      assert.deepEqual(nextAlertState(listed(CANCEL), silence()), { state: listed(CANCEL, LATER), stale: false });
    });

    it('resolve clears it', () => {
      assert.deepEqual(nextAlertState(listed(CANCEL), resolve()), { state: cleared(LATER), stale: false });
    });
  });

  describe('from cleared', () => {
    it('a later raise lists it again', () => {
      assert.deepEqual(nextAlertState(cleared(), raise('CO_ALARM')), { state: listed('CO_ALARM', LATER), stale: false });
    });

    it('a later silence leaves it cleared, remembering the time', () => {
      assert.deepEqual(nextAlertState(cleared(), silence()), { state: cleared(LATER), stale: false });
    });

    it('a later resolve leaves it cleared, remembering the time', () => {
      assert.deepEqual(nextAlertState(cleared(), resolve()), { state: cleared(LATER), stale: false });
    });
  });

  describe('messages that come too late', () => {
    const states: [string, AlertState][] = [
      ['an alarm', listed('FIRE_ALARM')],
      ['CANCEL', listed(CANCEL)],
      ['cleared', cleared()],
    ];
    const inputs: [string, (at: number) => AlertInput][] = [
      ['raise', (at) => raise('FIRE_ALARM', at)],
      ['silence', silence],
      ['resolve', resolve],
    ];
    for (const [stateName, state] of states) {
      for (const [inputName, input] of inputs) {
        it(`${inputName} at the same time as ${stateName} is a duplicate and changes nothing`, () => {
          const step = nextAlertState(state, input(T0));
          assert.equal(step.stale, 'duplicate');
          assert.equal(step.state, state);
        });

        it(`${inputName} older than ${stateName} is out of order and changes nothing`, () => {
          const step = nextAlertState(state, input(EARLIER));
          assert.equal(step.stale, 'older');
          assert.equal(step.state, state);
        });
      }
    }
  });

  it('runs the fixture stream: FIRE_ALARM, repeat ignored, CANCEL, older ignored, cleared', () => {
    const inputs: AlertInput[] = [
      raise('FIRE_ALARM', Date.parse('2026-11-20T10:00:00Z')),
      raise('FIRE_ALARM', Date.parse('2026-11-20T10:00:00Z')),
      silence(Date.parse('2026-11-20T10:01:30Z')),
      raise('FIRE_ALARM', Date.parse('2026-11-20T09:59:00Z')),
      resolve(Date.parse('2026-11-20T10:05:00Z')),
    ];
    let state = NONE;
    const seen: string[] = [];
    for (const input of inputs) {
      const step = nextAlertState(state, input);
      state = step.state;
      seen.push(step.stale || (state.phase === 'listed' ? state.status : state.phase));
    }
    assert.deepEqual(seen, ['FIRE_ALARM', 'duplicate', CANCEL, 'older', 'cleared']);
  });

  it('re-activates a silenced alarm and silences it again', () => {
    let state = nextAlertState(NONE, raise('CO_ALARM', T0)).state;
    state = nextAlertState(state, silence(T0 + 1)).state;
    state = nextAlertState(state, raise('CO_ALARM', T0 + 2)).state;
    assert.deepEqual(state, listed('CO_ALARM', T0 + 2));
    state = nextAlertState(state, silence(T0 + 3)).state;
    assert.deepEqual(state, listed(CANCEL, T0 + 3));
  });

  it('staleness: nothing before, later, equal, earlier', () => {
    assert.equal(staleness(undefined, T0), false);
    assert.equal(staleness(T0, LATER), false);
    assert.equal(staleness(T0, T0), 'duplicate');
    assert.equal(staleness(T0, EARLIER), 'older');
  });
});
