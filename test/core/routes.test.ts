import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { PluginRoutes } from '../../core/routes.js';
import { StateStore } from '../../core/state-store.js';
import { tempDir } from '../helpers/paths.js';

describe('Plugin HTTP routes', () => {
  const log = createLogger('silent');
  let dir: { path: string; remove(): Promise<void> };
  let store: StateStore;
  let routes: PluginRoutes;
  let server: Server | undefined;

  beforeEach(async () => {
    dir = await tempDir();
    store = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, log, new Metrics(false));
    await store.open();
    routes = new PluginRoutes(store);
  });

  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    await store.close();
    await dir.remove();
  });

  /** Serves `routes` as the HTTP server does; `running` as the runtime's phase says. */
  async function serve(running: boolean): Promise<string> {
    server = createServer((req, res) => void routes.serve(req, res, (req.url ?? '/').split('?')[0]!, new URLSearchParams(), running));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('refuses the runtime\'s own paths, a route another plugin has, and paths that are not plain', () => {
    const ok = (): { status: number } => ({ status: 204 });
    for (const path of ['/healthz', '/metrics']) assert.throws(() => routes.add('a', 'POST', path, ok, {}, log), /is the runtime's own endpoint/);
    for (const path of ['hook', '/a?b=c', '/a//b', '/a b']) assert.throws(() => routes.add('a', 'POST', path, ok, {}, log), /must start with "\/" and be a plain URL path/);
    const remove = routes.add('a', 'post', '/hook', ok, {}, log);
    assert.throws(() => routes.add('b', 'POST', '/hook', ok, {}, log), /route POST \/hook is taken by plugin "a"/);
    routes.add('b', 'PUT', '/hook', ok, {}, log);
    remove();
    routes.add('b', 'POST', '/hook', ok, {}, log);
    assert.deepEqual(routes.list.sort(), ['POST /hook', 'PUT /hook']);
  });

  it('answers once the state the handler changed is committed; 503 while the runtime is not running; 500 when the handler throws', async () => {
    const map = store.namespace<string>('test');
    routes.add('a', 'POST', '/hook', (req) => {
      map.set('last', req.body.toString());
      // The change is not on disk yet when the handler returns: the answer must wait for it.
      assert.ok(store.durableSeq < store.seq);
      return { status: 202, body: { seq: store.seq } };
    }, {}, log);
    routes.add('a', 'POST', '/broken', () => {
      throw new Error('boom');
    }, {}, log);
    const url = await serve(true);
    const res = await fetch(`${url}/hook`, { method: 'POST', body: 'hello' });
    assert.equal(res.status, 202);
    const { seq } = (await res.json()) as { seq: number };
    assert.ok(store.durableSeq >= seq, 'answered only once durable');
    assert.equal(map.get('last'), 'hello');
    assert.equal((await fetch(`${url}/broken`, { method: 'POST' })).status, 500);

    await new Promise((r) => server!.close(r));
    const stopped = await serve(false);
    const refused = await fetch(`${stopped}/hook`, { method: 'POST', body: 'later' });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.equal(map.get('last'), 'hello');
  });

  it('streams a Readable body as it is written, tells the handler who asks, and destroys the stream when the client goes away', async () => {
    const stream = new PassThrough();
    let asker: string | undefined;
    routes.add('a', 'GET', '/stream', (req) => {
      asker = req.remoteAddress;
      stream.write('first\n');
      return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: stream };
    }, {}, log);
    const url = await serve(true);
    const res = await fetch(`${url}/stream`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(asker, '127.0.0.1');
    const reader = res.body!.getReader();
    const read = async (): Promise<string> => Buffer.from((await reader.read()).value!).toString();
    assert.equal(await read(), 'first\n');
    stream.write('second\n');
    assert.equal(await read(), 'second\n');
    const closed = new Promise((r) => stream.once('close', r));
    await reader.cancel();
    await closed;
    assert.equal(stream.destroyed, true);
  });
});
