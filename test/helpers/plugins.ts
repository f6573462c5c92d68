import { fixture } from './paths.js';

/** The compiled test plugin `test/fixtures/plugins/<name>.ts`, as a config's `module` path. */
export function fixturePlugin(name: string): string {
  return fixture('dist', 'test', 'fixtures', 'plugins', `${name}.js`);
}

/** The compiled example third-party plugin. */
export const SENSOR_THRESHOLD = fixture('dist', 'examples', 'sensor-threshold', 'index.js');
