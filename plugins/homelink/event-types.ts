/**
 * HomeLINK's event types by category, as its event-type lookup table lists them. Only ALARM-category
 * types put a device or property in alarm; a type the table does not know is `undefined`: still listed
 * when an alert of it is raised, never an alarm.
 */
export type EventCategory = 'ALARM' | 'PRIORITY_MAINTENANCE' | 'MAINTENANCE' | 'FAULT' | 'INFO' | 'READING' | 'INSIGHT';

const INSIGHT_TOPICS = ['DAMP_AND_MOULD', 'FUEL_POVERTY', 'ABANDONMENT', 'AIR_QUALITY', 'ALLERGENS', 'COLD_HOMES', 'EXCESS_HEAT', 'HEAT_LOSS', 'THERMAL', 'VENTILATION'];
const INSIGHT_LEVELS = ['HIGH', 'MEDIUM', 'LOW', 'PENDING'];

const BY_CATEGORY: Readonly<Record<Exclude<EventCategory, 'INSIGHT'>, readonly string[]>> = {
  ALARM: ['FIRE_ALARM', 'CO_ALARM', 'CO_HIGH_LEVEL_ALARM', 'CO_MEDIUM_LEVEL_ALARM', 'CO_LOW_LEVEL_ALARM', 'HARDWIRE_INTERCONNECT', 'CO2_VERY_HIGH', 'CO2_VERY_HIGH_PROLONGED'],
  INFO: [
    'HUSH', 'CANCEL', 'FIRE_ALARM_STOP', 'CO_ALARM_STOP', 'CO_LOW_LEVEL_ALARM_STOP', 'HARDWIRE_ALARM_STOP', 'HEAD_OK', 'LOW_BATTERY_STOP',
    'MAINS_ABSENT_STOP', 'SENSOR_FAULT_STOP', 'GATEWAY_MAINS_ABSENT_STOP', 'GATEWAY_SIGNAL_LOST_STOP', 'GATEWAY_BATTERY_DISCONNECTED_STOP',
    'GATEWAY_RF_FAULT_STOP', 'GATEWAY_POWER_UP', 'GATEWAY_CHECK_IN', 'BUTTON_TEST', 'REMOTE_TEST', 'LOCATE', 'POWER_UP', 'RF_FAULT_STOP',
  ],
  PRIORITY_MAINTENANCE: ['END_OF_LIFE', 'HEAD_REMOVED', 'SENSOR_FAULT', 'CO2_HIGH', 'CO2_HIGH_PROLONGED'],
  MAINTENANCE: [
    'LOW_BATTERY_HEAD', 'LOW_BATTERY_MODULE', 'LOW_BATTERY_GENERIC', 'LOW_BATTERY_GATEWAY', 'MAINS_ABSENT', 'GATEWAY_MAINS_ABSENT', 'GATEWAY_POWERED_DOWN',
    'GATEWAY_SIGNAL_LOST', 'GATEWAY_BATTERY_DISCONNECTED', 'CO2_MEDIUM', 'CO2_MEDIUM_PROLONGED',
  ],
  FAULT: ['RF_FAULT', 'GATEWAY_RF_FAULT'],
  READING: ['CO2_LOW', 'CO2_LOW_PROLONGED'],
};

// A Map, since types come from payloads: "constructor" must not find Object's.
const CATEGORIES: ReadonlyMap<string, EventCategory> = new Map<string, EventCategory>([
  ...Object.entries(BY_CATEGORY).flatMap(([category, types]) => types.map((type): [string, EventCategory] => [type, category as EventCategory])),
  ...INSIGHT_TOPICS.flatMap((topic) => INSIGHT_LEVELS.flatMap((level): [string, EventCategory][] => [[`${topic}_RISK_${level}`, 'INSIGHT'], [`${topic}_${level}`, 'INSIGHT']])),
]);

/** Events at a device that silence every one of its alarms. */
const SILENCE_ALL: ReadonlySet<string> = new Set(['HUSH', 'CANCEL']);

/** The `*_STOP` events whose name is not `<alarm type>_STOP`, and the alarm types each ends. */
const STOPS: ReadonlyMap<string, readonly string[]> = new Map([
  ['CO_ALARM_STOP', ['CO_ALARM', 'CO_HIGH_LEVEL_ALARM', 'CO_MEDIUM_LEVEL_ALARM']],
  ['HARDWIRE_ALARM_STOP', ['HARDWIRE_INTERCONNECT']],
]);

export function eventCategory(eventTypeId: string | null | undefined): EventCategory | undefined {
  return eventTypeId == null ? undefined : CATEGORIES.get(eventTypeId);
}

export function isAlarmType(eventTypeId: string | null | undefined): boolean {
  return eventCategory(eventTypeId) === 'ALARM';
}

/** Whether an event of type `eventTypeId` at a device silences its alarm of type `alarmType`: HUSH, CANCEL, or the alarm's own STOP. */
export function silences(eventTypeId: string, alarmType: string): boolean {
  if (SILENCE_ALL.has(eventTypeId)) return true;
  const ends = STOPS.get(eventTypeId);
  return ends ? ends.includes(alarmType) : eventTypeId === `${alarmType}_STOP`;
}

/** Whether an event of this type silences anything (so that the handler looks at the device's alarms). */
export function isSilence(eventTypeId: string): boolean {
  return SILENCE_ALL.has(eventTypeId) || eventTypeId.endsWith('_STOP');
}
