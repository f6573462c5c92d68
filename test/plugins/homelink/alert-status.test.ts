import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CANCEL, NONE, nextAlertState, staleness, type AlertInput, type AlertState } from '../../../plugins/homelink/alert-status.js';
import { fixture } from '../../helpers/paths.js';

const T0 = Date.parse('2026-01-15T08:10:00Z');
const LATER = T0 + 90_000;
const EARLIER = T0 - 60_000;

const listed = (type: string, status = type, at = T0): AlertState => ({ phase: 'listed', type, status, at });
const cleared = (at = T0): AlertState => ({ phase: 'cleared', at });
const raise = (alertType: string, at = LATER): AlertInput => ({ kind: 'raise', alertType, at });
const event = (eventType: string, at = LATER): AlertInput => ({ kind: 'event', eventType, at });
const resolve = (at = LATER): AlertInput => ({ kind: 'resolve', at });

/** The table in alert-status.ts's doc comment: its header and rows, as written. */
function documentedTable(): { columns: string[]; rows: Map<string, string[]> } {
  const source = readFileSync(fixture('plugins', 'homelink', 'alert-status.ts'), 'utf8');
  const lines = source.split('\n').filter((l) => /^ \* \|/.test(l)).map((l) => l.replace(/^ \* /, '').split('|').slice(1, -1).map((c) => c.trim()));
  const [header, , ...body] = lines;
  return { columns: header!.slice(1), rows: new Map(body.map((cells) => [cells[0]!, cells.slice(1)])) };
}

// The state and alert type behind each documented row, and the input behind each column (T being the row's type).
const ROWS: Record<string, { state: AlertState; type: string }> = {
  '(none)': { state: NONE, type: 'FIRE_ALARM' },
  'T, an alarm': { state: listed('FIRE_ALARM'), type: 'FIRE_ALARM' },
  'T, not an alarm': { state: listed('LOW_BATTERY_HEAD'), type: 'LOW_BATTERY_HEAD' },
  'CANCEL (T)': { state: listed('CO_ALARM', CANCEL), type: 'CO_ALARM' },
  cleared: { state: cleared(), type: 'FIRE_ALARM' },
};
const COLUMNS: Record<string, (type: string) => AlertInput> = {
  'raise(T)': (type) => raise(type),
  'event silencing T': () => event('HUSH'),
  'event T': (type) => event(type),
  'other event': () => event('BUTTON_TEST'),
  resolve: () => resolve(),
};

/** What a cell says, as the state's phase and status: "T (re-active)" is T. */
function expected(cell: string, type: string): { phase: string; status?: string } {
  const word = cell.replace(/\s*\(.*\)$/, '') || cell;
  if (cell === '(none)') return { phase: 'none' };
  if (word === 'cleared') return { phase: 'cleared' };
  return { phase: 'listed', status: word === 'T' ? type : word };
}

describe('homelink: the alertstatus state machine', () => {
  describe('every cell of the table in its doc comment', () => {
    const { columns, rows } = documentedTable();

    it('documents exactly the rows and columns tested here', () => {
      assert.deepEqual(columns, Object.keys(COLUMNS));
      assert.deepEqual([...rows.keys()], Object.keys(ROWS));
    });

    for (const [row, cells] of rows) {
      for (const [i, cell] of cells.entries()) {
        const column = columns[i]!;
        it(`${row} + ${column} -> ${cell}`, () => {
          const { state, type } = ROWS[row]!;
          const step = nextAlertState(state, COLUMNS[column]!(type));
          assert.equal(step.stale, false);
          const got = step.state.phase === 'listed' ? { phase: 'listed', status: step.state.status } : { phase: step.state.phase };
          assert.deepEqual(got, expected(cell, type));
          if (step.state.phase === 'listed') assert.equal(step.state.type, type, 'the alert keeps its type');
        });
      }
    }
  });

  describe('times', () => {
    it('a raise or resolve moves the time forward', () => {
      assert.deepEqual(nextAlertState(listed('FIRE_ALARM'), raise('FIRE_ALARM')).state, listed('FIRE_ALARM', 'FIRE_ALARM', LATER));
      assert.deepEqual(nextAlertState(NONE, resolve(LATER)).state, cleared(LATER));
    });

    it('a silence and a re-activation move it forward', () => {
      const silenced = nextAlertState(listed('FIRE_ALARM'), event('HUSH', LATER)).state;
      assert.deepEqual(silenced, listed('FIRE_ALARM', CANCEL, LATER));
      assert.deepEqual(nextAlertState(silenced, event('FIRE_ALARM', LATER + 1)).state, listed('FIRE_ALARM', 'FIRE_ALARM', LATER + 1));
    });

    it('an event that changes nothing records nothing: a resolve sent before it still counts', () => {
      const state = listed('FIRE_ALARM');
      const step = nextAlertState(state, event('LOW_BATTERY_HEAD', LATER));
      assert.equal(step.state, state);
      assert.equal(nextAlertState(step.state, resolve(LATER - 1)).state.phase, 'cleared');
    });

    it('a resolve before the raise clears the alert, so that its raise arriving late is refused', () => {
      const step = nextAlertState(NONE, resolve(LATER));
      assert.deepEqual(nextAlertState(step.state, raise('FIRE_ALARM', T0)), { state: cleared(LATER), stale: 'older' });
    });

    it('takes any time from (none): there is nothing to be older than', () => {
      assert.equal(nextAlertState(NONE, raise('CO_ALARM', 0)).stale, false);
    });
  });

  describe('which events silence which alarm', () => {
    const status = (type: string, eventType: string): string => {
      const state = nextAlertState(listed(type), event(eventType)).state;
      return state.phase === 'listed' ? state.status : state.phase;
    };

    it('HUSH and CANCEL silence any alarm', () => {
      for (const type of ['FIRE_ALARM', 'CO_ALARM', 'CO2_VERY_HIGH', 'HARDWIRE_INTERCONNECT']) {
        assert.equal(status(type, 'HUSH'), CANCEL, type);
        assert.equal(status(type, 'CANCEL'), CANCEL, type);
      }
    });

    it('an alarm\'s own STOP silences it, another alarm\'s does not', () => {
      assert.equal(status('FIRE_ALARM', 'FIRE_ALARM_STOP'), CANCEL);
      assert.equal(status('CO_ALARM', 'FIRE_ALARM_STOP'), 'CO_ALARM');
      assert.equal(status('CO_HIGH_LEVEL_ALARM', 'CO_ALARM_STOP'), CANCEL);
      assert.equal(status('CO_LOW_LEVEL_ALARM', 'CO_LOW_LEVEL_ALARM_STOP'), CANCEL);
      assert.equal(status('HARDWIRE_INTERCONNECT', 'HARDWIRE_ALARM_STOP'), CANCEL);
      assert.equal(status('FIRE_ALARM', 'HARDWIRE_ALARM_STOP'), 'FIRE_ALARM');
    });

    it('silences no maintenance, fault or unknown alert', () => {
      for (const type of ['LOW_BATTERY_HEAD', 'END_OF_LIFE', 'RF_FAULT', 'SOMETHING_NEW']) assert.equal(status(type, 'HUSH'), type);
    });

    it('an event of another alarm type does not re-activate a silenced alarm', () => {
      const state = nextAlertState(listed('FIRE_ALARM', CANCEL), event('CO_ALARM')).state;
      assert.equal(state.phase === 'listed' && state.status, CANCEL);
    });
  });

  describe('messages that come too late', () => {
    const states: [string, AlertState][] = [
      ['an alarm', listed('FIRE_ALARM')],
      ['CANCEL', listed('FIRE_ALARM', CANCEL)],
      ['cleared', cleared()],
    ];
    const inputs: [string, (at: number) => AlertInput][] = [
      ['raise', (at) => raise('FIRE_ALARM', at)],
      ['HUSH', (at) => event('HUSH', at)],
      ['FIRE_ALARM event', (at) => event('FIRE_ALARM', at)],
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

  it('runs the fixture stream: FIRE_ALARM, repeat ignored, HUSH -> CANCEL, re-activated, cleared, late copy ignored', () => {
    const at = (time: string): number => Date.parse(`2026-01-15T${time}Z`);
    const inputs: AlertInput[] = [
      raise('FIRE_ALARM', at('08:10:02')),
      raise('FIRE_ALARM', at('08:10:02')),
      event('HUSH', at('08:11:00')),
      event('FIRE_ALARM', at('08:12:00')),
      resolve(at('08:14:00')),
      raise('FIRE_ALARM', at('08:10:02')),
    ];
    let state = NONE;
    const seen: string[] = [];
    for (const input of inputs) {
      const step = nextAlertState(state, input);
      state = step.state;
      seen.push(step.stale || (state.phase === 'listed' ? state.status : state.phase));
    }
    assert.deepEqual(seen, ['FIRE_ALARM', 'duplicate', CANCEL, 'FIRE_ALARM', 'cleared', 'older']);
  });

  it('staleness: nothing before, later, equal, earlier', () => {
    assert.equal(staleness(undefined, T0), false);
    assert.equal(staleness(T0, LATER), false);
    assert.equal(staleness(T0, T0), 'duplicate');
    assert.equal(staleness(T0, EARLIER), 'older');
  });
});
