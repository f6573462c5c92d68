export { Harness } from '../../testing/harness.js';
