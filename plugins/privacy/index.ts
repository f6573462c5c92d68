import { randomBytes } from 'node:crypto';
import { definePlugin, type StateMap } from '../../core/index.js';
import { metricsTally } from './metrics.js';
import { compileRules } from './rules.js';
import { KeyedHash } from './keyed-hash.js';
import { Sanitizer } from './sanitizer.js';
import { schema } from './schema.js';
import { testCommand } from './test-command.js';

export type { PrivacyOptions } from './schema.js';

export default definePlugin({
  name: 'privacy',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'Hashes, masks or drops personal data (emails, phone numbers, ids, addresses) in every event and message before it leaves the runtime.',
  schema,
  setup(ctx) {
    let sanitizer: Sanitizer | undefined;
    // Registered before anything can fail, so that a failed setup stops the start even if the plugin was configured optional.
    ctx.guard({
      event: (event) => sanitizer!.event(event),
      message: (message) => sanitizer!.message(message),
      text: (text) => sanitizer!.text(text),
      id: (id) => sanitizer!.id(id),
    });
    const rules = compileRules(ctx.options);
    const ids = new KeyedHash(ctx.options.secret ?? idKey(ctx.state<string>('keys')), ctx.options.hashLength ?? 16);
    sanitizer = new Sanitizer(rules, ctx.runtime.eventsPrefix, metricsTally(ctx, rules), { maxScanChars: ctx.options.maxScanChars, ids });
    if (rules.length === 0) ctx.log.warn('no privacy rules are configured: events and messages go out as they are');
    else ctx.log.info({ rules: rules.map((r) => `${r.name}: ${r.action}`) }, 'privacy rules apply to everything published');
  },
  commands: { test: testCommand },
});

/** Without a secret, ids are tokenised with a key made at the first start and kept with the state, so that they stay the same. */
function idKey(keys: StateMap<string>): string {
  let key = keys.get('ids');
  if (key === undefined) keys.set('ids', (key = randomBytes(32).toString('hex')));
  return key;
}
