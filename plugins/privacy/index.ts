import { definePlugin } from '../../core/index.js';
import { metricsTally } from './metrics.js';
import { compileRules } from './rules.js';
import { Sanitizer } from './sanitizer.js';
import { schema } from './schema.js';
import { testCommand } from './test-command.js';

export type { PrivacyOptions } from './schema.js';

export default definePlugin({
  name: 'privacy',
  version: '1.0.0',
  description: 'Hashes, masks or drops personal data (emails, phone numbers, ids, addresses) in every event and message before it leaves the runtime.',
  schema,
  setup(ctx) {
    let sanitizer: Sanitizer | undefined;
    // Registered before anything can fail, so that a failed setup stops the start even if the plugin was configured optional.
    ctx.guard({
      event: (event) => sanitizer!.event(event),
      message: (message) => sanitizer!.message(message),
    });
    const rules = compileRules(ctx.options);
    sanitizer = new Sanitizer(rules, ctx.runtime.eventsPrefix, metricsTally(ctx, rules));
    if (rules.length === 0) ctx.log.warn('no privacy rules are configured: events and messages go out as they are');
    else ctx.log.info({ rules: rules.map((r) => `${r.name}: ${r.action}`) }, 'privacy rules apply to everything published');
  },
  commands: { test: testCommand },
});
