import { createHash } from 'node:crypto';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * What a bridge forwarded to a side that will send it back (MQTT 3.1.1 without the bridge bit has no No Local):
 * each copy sent expects one echo, which is recognised by topic and payload and dropped. Entries expire, and
 * the memo is bounded, so a copy whose echo never comes cannot swallow a later message for long.
 */
export class EchoMemo {
  readonly #expected = new Map<string, number[]>();
  #size = 0;

  sent(topic: string, payload: Buffer): void {
    if (this.#size >= MAX_ENTRIES) this.#expire(Date.now());
    if (this.#size >= MAX_ENTRIES) {
      this.#expected.clear();
      this.#size = 0;
    }
    const key = keyOf(topic, payload);
    const times = this.#expected.get(key);
    if (times) times.push(Date.now());
    else this.#expected.set(key, [Date.now()]);
    this.#size++;
  }

  /** Whether the message is the echo of a copy sent (which it then consumes). */
  isEcho(topic: string, payload: Buffer): boolean {
    if (this.#size === 0) return false;
    const key = keyOf(topic, payload);
    const times = this.#expected.get(key);
    if (!times) return false;
    const now = Date.now();
    while (times.length > 0 && now - times[0]! > TTL_MS) {
      times.shift();
      this.#size--;
    }
    const found = times.length > 0;
    if (found) {
      times.shift();
      this.#size--;
    }
    if (times.length === 0) this.#expected.delete(key);
    return found;
  }

  #expire(now: number): void {
    for (const [key, times] of this.#expected) {
      while (times.length > 0 && now - times[0]! > TTL_MS) {
        times.shift();
        this.#size--;
      }
      if (times.length === 0) this.#expected.delete(key);
    }
  }
}

function keyOf(topic: string, payload: Buffer): string {
  return `${topic}\u0000${payload.length < 64 ? payload.toString('base64') : createHash('sha1').update(payload).digest('base64')}`;
}
