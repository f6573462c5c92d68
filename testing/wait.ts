import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns something other than undefined, and resolves to that. Fails after
 * `ms` (or as soon as `stopped` names a reason to stop waiting) with `what` and `context()`, which
 * says what was seen instead.
 */
export async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: { ms?: number; what?: string; context?: () => string; stopped?: () => string | undefined; intervalMs?: number } = {},
): Promise<T> {
  const { ms = 5000, what = 'the expected condition', context = () => '', stopped, intervalMs = 10 } = options;
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    const why = stopped?.();
    const seen = context();
    if (why) throw new Error(`${why} before ${what}${seen ? `; ${seen}` : ''}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${seen ? `; ${seen}` : ''}`);
    await sleep(intervalMs);
  }
}
