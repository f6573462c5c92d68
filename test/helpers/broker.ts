export { startBroker, freePort, type TestBroker } from '../../testing/broker.js';
