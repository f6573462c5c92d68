export { startBroker, freePort, type TestBroker } from '../../core/testing/broker.js';
