// The testing kit for plugin authors (`switchboard/testing`): a real broker, a recording client, a runtime
// started from a configuration, and helpers that wait for what should happen. Test-only: it starts brokers.
export { Harness } from './harness.js';
export { startBroker, freePort } from './broker.js';
export type { TestBroker } from './broker.js';
export { TestClient, topicMatches, sleep } from './client.js';
export type { Received } from './client.js';
export { InProcessRuntime, testConfig, writeConfig, waitForLogLine } from './runtime.js';
export type { LogLine } from './runtime.js';
export { metricValue, metricSum } from './metrics.js';
export { tempDir } from './temp-dir.js';
export type { TempDir } from './temp-dir.js';
export { waitUntil } from './wait.js';
