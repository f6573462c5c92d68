export { Harness } from '../../core/testing/harness.js';
