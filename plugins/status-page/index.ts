import { definePlugin } from '../../core/index.js';
import { StatusPage } from './page.js';
import { schema } from './schema.js';

export default definePlugin({
  name: 'status-page',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'A live page at GET /: connections, plugins, the alarm board, other devices, bridges and a tail of events, read from the bus and from what is published.',
  schema,
  setup(ctx) {
    const page = new StatusPage(ctx.options.auth, ctx.runtime, ctx.log);
    ctx.publisher('*', (event) => page.event(event));
    ctx.onPublished((message) => page.published(message));
    const precheck = (request: Parameters<StatusPage['check']>[0]) => page.check(request);
    for (const path of StatusPage.paths) ctx.route('GET', path, (request) => page.serve(request), { precheck });
    ctx.onStop(() => page.close());
  },
});
