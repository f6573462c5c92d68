import type { PluginContext } from '../../core/index.js';
import type { Rule } from './rules.js';
import type { Tally } from './sanitizer.js';

/** The sanitizer's counts as Prometheus counters, one series per rule, created at setup so each shows from 0. */
export function metricsTally(ctx: PluginContext<unknown>, rules: readonly Rule[]): Tally {
  const series = (name: string, help: string) => {
    const counter = ctx.counter(name, help, ['rule']);
    return rules.map((r) => {
      const child = counter.labels(r.name);
      child.inc(0);
      return child;
    });
  };
  const hashed = series('values_hashed_total', 'Values (matches or fields) replaced by a keyed-hash token, per rule');
  const masked = series('values_masked_total', 'Values (matches or fields) masked, per rule');
  const events = series('events_dropped_total', 'Events dropped (published nowhere), per rule');
  const messages = series('messages_dropped_total', 'Messages not published, per rule');
  const unscanned = ctx.counter('payloads_unscanned_total', 'Payloads published as they were because they are not UTF-8 text');
  const truncated = ctx.counter('strings_cut_total', 'Strings longer than maxScanChars, cut before they were scanned');
  return {
    hashed: (rule) => hashed[rule.index]!.inc(),
    masked: (rule) => masked[rule.index]!.inc(),
    dropped: (rule, what) => (what === 'event' ? events : messages)[rule.index]!.inc(),
    unscanned: () => unscanned.inc(),
    truncated: () => truncated.inc(),
  };
}
