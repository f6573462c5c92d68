import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.js';
import { fixturePlugin } from '../helpers/plugins.js';

describe('ctx.handle: removing a handler', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  it('stops the handler at once, and unsubscribes the filter from the broker only when its last handler goes', async () => {
    const unsubscribed: string[] = [];
    h.broker.aedes.on('unsubscribe', (topics) => unsubscribed.push(...topics));
    await h.start({ plugins: { removable: { module: fixturePlugin('removable') } } });
    const { client } = h;
    const events = (type: string): string[] => client.on(`switchboard/events/${type}`).map((m) => m.json<{ data: { topic: string } }>().data.topic);
    const removed = async (which: string, count: number): Promise<void> => {
      await client.publish(`ctl/remove/${which}`, '');
      await client.waitForCount('switchboard/events/removed', count);
    };

    await client.publish('in/1', 'a');
    await client.waitForCount('switchboard/events/second', 1);
    await removed('first', 1);
    await client.publish('in/2', 'b');
    await client.waitForCount('switchboard/events/second', 2);
    assert.deepEqual(events('first'), ['in/1']);
    assert.deepEqual(unsubscribed, [], 'the other handler still uses in/#');

    await removed('first', 2); // a second removal does nothing
    await removed('second', 3);
    await client.publish('in/3', 'c');
    await removed('none', 4); // a message after in/3: what in/3 would have raised has had its chance
    assert.deepEqual(events('second'), ['in/1', 'in/2']);
    assert.deepEqual(unsubscribed, ['in/#']);
  });
});
