import { definePlugin, MessageRejected, topicLevel, type FromSchema } from 'switchboard';

// The schema is the documentation of the options, and their type (SensorThresholdOptions) comes from it.
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['threshold'],
  properties: {
    filter: { type: 'string', default: 'sensors/+/temperature', description: 'Topics carrying readings: a number, or JSON {"value": <number>}.' },
    sensorLevel: { type: 'integer', minimum: 0, default: 1, description: 'Which topic level names the sensor (0 is the first).' },
    threshold: { type: 'number', description: 'A reading above this raises threshold_exceeded; back at or below it, threshold_cleared.' },
    connection: { type: 'string', default: 'local', 'x-connection': true, description: 'Connection to subscribe and publish on.' },
    alertPrefix: { type: 'string', default: 'alerts', description: 'Retained state per sensor is published on <alertPrefix>/<sensor>.' },
  },
} as const;

export type SensorThresholdOptions = FromSchema<typeof schema>;

// The data of the events it raises: the core checks it, and `ctx.emit` / `ctx.publisher` are typed from it.
const crossing = {
  type: 'object',
  additionalProperties: false,
  required: ['sensor', 'value', 'threshold'],
  properties: { sensor: { type: 'string', minLength: 1 }, value: { type: 'number' }, threshold: { type: 'number' } },
} as const;
const events = { threshold_exceeded: crossing, threshold_cleared: crossing } as const;

interface SensorState {
  high: boolean;
  value: number;
}

export default definePlugin({
  name: 'sensor-threshold',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'Raises threshold_exceeded / threshold_cleared when a sensor reading crosses a threshold.',
  schema,
  events,
  setup(ctx) {
    const { filter, sensorLevel, threshold, connection, alertPrefix } = ctx.options;
    // Which sensors are above the threshold survives restarts, so a restart does not raise the same alarm again.
    const sensors = ctx.state<SensorState>('sensors');
    const alerts = ctx.retained({ connection });

    ctx.handle(
      filter,
      (message) => {
        const sensor = message.levels[sensorLevel];
        if (!sensor) throw new MessageRejected(`topic ${message.topic} has no level ${sensorLevel} naming the sensor`);
        const value = reading(message.text());
        const high = value > threshold;
        const before = sensors.get(sensor);
        sensors.set(sensor, { high, value });
        if (high !== (before?.high ?? false)) {
          ctx.emit(high ? 'threshold_exceeded' : 'threshold_cleared', { sensor, value, threshold });
        }
      },
      { connection },
    );

    ctx.publisher(['threshold_exceeded', 'threshold_cleared'], (event) => {
      const { sensor, value } = event.data;
      alerts.set(`${alertPrefix}/${topicLevel(sensor)}`, { state: event.type === 'threshold_exceeded' ? 'high' : 'normal', value, since: event.time });
    });
  },
});

function reading(text: string): number {
  const trimmed = text.trim();
  let value: unknown = Number(trimmed);
  if (trimmed.startsWith('{')) {
    try {
      value = (JSON.parse(trimmed) as { value?: unknown }).value;
    } catch {
      throw new MessageRejected('payload looks like JSON but does not parse');
    }
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || trimmed === '') {
    throw new MessageRejected(`payload "${trimmed.slice(0, 40)}" is not a number (nor JSON {"value": <number>})`);
  }
  return value;
}
