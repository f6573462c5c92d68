import { createHmac } from 'node:crypto';

/** Every token starts with this, so that a reader (and the plugin itself) can tell a token from data. */
export const TOKEN_PREFIX = 'pii_';

/** Shortest secret accepted: a shorter one could be guessed by hashing likely values. */
export const MIN_SECRET_LENGTH = 16;

// Enough for the addresses and numbers of a busy portfolio; beyond it the oldest entry goes.
const CACHE_ENTRIES = 4096;

/**
 * Keyed hashing (HMAC-SHA256) of personal data into tokens `pii_<hex>`: the same value and secret give
 * the same token in every run, so a person can be followed across messages without being named; without
 * the secret a token cannot be reversed by hashing guesses. Tokens hold only lower-case hex after a
 * letter and "_", so no detector matches one and sanitizing twice equals sanitizing once.
 */
export class KeyedHash {
  readonly #key: Buffer;
  readonly #length: number;
  readonly #cache = new Map<string, string>();
  readonly #token: RegExp;

  constructor(secret: string, length: number) {
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`the secret must be at least ${MIN_SECRET_LENGTH} characters long`);
    this.#key = Buffer.from(secret, 'utf8');
    this.#length = length;
    this.#token = new RegExp(`^${TOKEN_PREFIX}[0-9a-f]{${length}}$`);
  }

  token(value: string): string {
    let token = this.#cache.get(value);
    if (token === undefined) {
      token = TOKEN_PREFIX + createHmac('sha256', this.#key).update(value, 'utf8').digest('hex').slice(0, this.#length);
      if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(value, token);
    }
    return token;
  }

  /** Whether `value` is a token this hash makes (hashing it again would change it for nothing). */
  isToken(value: string): boolean {
    return value.length === TOKEN_PREFIX.length + this.#length && this.#token.test(value);
  }
}
