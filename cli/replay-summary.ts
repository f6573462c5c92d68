import { setTimeout as sleep } from 'node:timers/promises';

/** What a runtime did with a replay, from its /metrics read before and after. */
export interface RuntimeCounts {
  received: number;
  events: number;
  rejected: number;
  deadLetters: number;
  /** Messages a plugin ignored as a repeat of one it had processed (`switchboard_<plugin>_duplicates_total`). */
  duplicates: number;
  /** Messages a plugin ignored as older than one it had applied (`switchboard_<plugin>_out_of_order_total`). */
  outOfOrder: number;
}

const COUNTED: [keyof RuntimeCounts, RegExp][] = [
  ['received', /^switchboard_messages_received_total$/],
  ['events', /^switchboard_events_total$/],
  ['rejected', /^switchboard_plugin_messages_rejected_total$/],
  ['deadLetters', /^switchboard_dead_letters_total$/],
  ['duplicates', /^switchboard_\w+_duplicates_total$/],
  ['outOfOrder', /^switchboard_\w+_out_of_order_total$/],
];

/** Sums the samples of the counted metrics in Prometheus text. */
export function countsOf(metrics: string): RuntimeCounts {
  const counts: RuntimeCounts = { received: 0, events: 0, rejected: 0, deadLetters: 0, duplicates: 0, outOfOrder: 0 };
  for (const line of metrics.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{.*\})? (\S+)$/.exec(line);
    if (!sample) continue;
    for (const [key, name] of COUNTED) if (name.test(sample[1]!)) counts[key] += Number(sample[2]);
  }
  return counts;
}

export function difference(after: RuntimeCounts, before: RuntimeCounts): RuntimeCounts {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof RuntimeCounts)[]) out[key] -= before[key];
  return out;
}

/** Reads the counts, or undefined when there is no runtime answering at `url`. */
export async function readCounts(url: string): Promise<RuntimeCounts | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? countsOf(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the counts until the runtime has caught up with what was sent: it received `sent` messages and
 * nothing changed between two reads, or nothing changed for a second (messages it does not subscribe to
 * never arrive). Gives up after `ms` with the last counts.
 */
export async function settledCounts(url: string, sent: number, before: RuntimeCounts, ms = 15000): Promise<{ counts: RuntimeCounts; settled: boolean } | undefined> {
  const deadline = Date.now() + ms;
  let last = await readCounts(url);
  let unchanged = 0;
  while (last) {
    if (Date.now() > deadline) return { counts: difference(last, before), settled: false };
    await sleep(200);
    const now = await readCounts(url);
    if (!now) return undefined;
    unchanged = JSON.stringify(now) === JSON.stringify(last) ? unchanged + 1 : 0;
    last = now;
    if ((unchanged >= 1 && now.received - before.received >= sent) || unchanged >= 5) return { counts: difference(now, before), settled: true };
  }
  return undefined;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The lines that end a replay. */
export function summaryLines(sent: number, skipped: number, url: string, result: { counts: RuntimeCounts; settled: boolean } | undefined): string[] {
  const lines = [`sent ${plural(sent, 'message')}${skipped ? `, skipped ${skipped} (bad topics)` : ''}`];
  if (!result) {
    if (url) lines.push(`no runtime answered at ${url}, so what it made of them is not known (--metrics URL names its /metrics)`);
    return lines;
  }
  const c = result.counts;
  lines.push(
    `the runtime received ${plural(c.received, 'message')}, raised ${plural(c.events, 'event')}, rejected ${c.rejected}, ` +
      `ignored ${plural(c.duplicates, 'duplicate')} and ${c.outOfOrder} older than what it had, dead-lettered ${c.deadLetters}` +
      (result.settled ? '' : ' (still busy when last read)'),
  );
  return lines;
}
