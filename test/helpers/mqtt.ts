export { TestClient, topicMatches, sleep, type Received } from '../../core/testing/client.js';
