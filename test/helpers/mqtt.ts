export { TestClient, topicMatches, sleep, type Received } from '../../testing/client.js';
