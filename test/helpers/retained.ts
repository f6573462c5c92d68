import type { TestBroker } from './broker.js';

/** The retained messages a test broker holds on topics matching `filter`, as text by topic: what a client subscribing now would get. */
export async function retainedOn(broker: TestBroker, filter = '#'): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  // aedes keeps its persistence untyped; its retained store is what new subscribers are sent.
  const { persistence } = broker.aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer | string }> } };
  const stream = persistence.createRetainedStream(filter);
  for await (const packet of stream) found.set(packet.topic, packet.payload.toString());
  return found;
}

/** Polls the broker's retained store until `done` holds for what it holds on topics matching `filter`; returns that. */
export async function retainedWhen(broker: TestBroker, filter: string, done: (retained: Map<string, string>) => boolean, what: string, ms = 10000): Promise<Map<string, string>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const retained = await retainedOn(broker, filter);
    if (done(retained)) return retained;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; retained: ${[...retained.keys()].join(', ') || 'nothing'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
