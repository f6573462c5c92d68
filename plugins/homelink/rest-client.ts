import type { Logger } from '../../core/index.js';

/** How a REST call failed: `auth` (401 even with a fresh token, or the token refused), `rate` (429), `server` (5xx), `network`, `shape` (not what HomeLINK documents). */
export type RestFailure = 'auth' | 'rate' | 'server' | 'network' | 'shape';

export class RestError extends Error {
  override name = 'RestError';
  readonly kind: RestFailure;
  /** From a 429's Retry-After, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: RestFailure, message: string, retryAfterMs?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface RestClientOptions {
  baseUrl: string;
  authUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  log: Logger;
  /** Aborts every request in flight (at stop). */
  signal: AbortSignal;
  now?: () => number;
}

/** HomeLINK's documented list shape. */
interface Page {
  count?: number;
  page?: number;
  limit?: number;
  totalPages?: number;
  results: unknown[];
}

// HomeLINK's tokens last about a day; a fresh one is fetched well before, and at once on a 401.
const TOKEN_LIFETIME_MS = 20 * 3600_000;
const MAX_PAGES = 1000;

/**
 * HomeLINK's REST API with Node's fetch: a bearer token from the auth endpoint
 * (`GET <authUrl>?client=<id>&secret=<secret>` answering `{accessToken}`), fetched again when it is old or
 * refused (one retry per call), and lists (`{count, page, limit, results, totalPages}`) read page by page.
 * Failures are RestErrors saying what went wrong, for the poller to back off by.
 */
export class RestClient {
  readonly #o: RestClientOptions;
  readonly #now: () => number;
  #token: { value: string; at: number } | undefined;

  constructor(options: RestClientOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Every result of a list, all pages. */
  async list(path: string): Promise<Record<string, unknown>[]> {
    const results: Record<string, unknown>[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = (await this.get(page === 1 ? path : `${path}${path.includes('?') ? '&' : '?'}page=${page}`)) as Page;
      if (body === null || typeof body !== 'object' || !Array.isArray(body.results)) throw new RestError('shape', `GET ${path} did not answer a list ({results: [...]})`);
      for (const item of body.results) if (item !== null && typeof item === 'object' && !Array.isArray(item)) results.push(item as Record<string, unknown>);
      const total = typeof body.totalPages === 'number' ? body.totalPages : 1;
      if (page >= total || body.results.length === 0) return results;
    }
    throw new RestError('shape', `GET ${path} has more than ${MAX_PAGES} pages`);
  }

  /** One GET under the base URL, as JSON; a 401 fetches a new token and tries once more. */
  async get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#bearer();
      const res = await this.#fetch(new URL(path, this.#o.baseUrl), { authorization: `Bearer ${token}`, accept: 'application/json' }, `GET ${path}`);
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel();
        this.#o.log.info({ path }, 'HomeLINK REST API refused the token (401): fetching a new one');
        this.#token = undefined;
        continue;
      }
      return this.#json(res, `GET ${path}`);
    }
  }

  async #bearer(): Promise<string> {
    if (this.#token && this.#now() - this.#token.at < TOKEN_LIFETIME_MS) return this.#token.value;
    const url = new URL(this.#o.authUrl);
    url.searchParams.set('client', this.#o.clientId);
    url.searchParams.set('secret', this.#o.clientSecret);
    const res = await this.#fetch(url, { accept: 'application/json' }, 'the token request');
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RestError('auth', `HomeLINK refused the API client id and secret (${res.status}): check rest.clientId and rest.clientSecret`);
    }
    const body = (await this.#json(res, 'the token request')) as { accessToken?: unknown };
    if (typeof body?.accessToken !== 'string' || body.accessToken === '') throw new RestError('shape', 'the token request did not answer {accessToken}');
    this.#token = { value: body.accessToken, at: this.#now() };
    return body.accessToken;
  }

  async #fetch(url: URL, headers: Record<string, string>, what: string): Promise<Response> {
    try {
      return await fetch(url, { headers, signal: AbortSignal.any([this.#o.signal, AbortSignal.timeout(this.#o.timeoutMs)]), redirect: 'error' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.#o.timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new RestError('network', `${what} failed: ${reason}`);
    }
  }

  async #json(res: Response, what: string): Promise<unknown> {
    if (res.ok) {
      try {
        return await res.json();
      } catch {
        throw new RestError('shape', `${what} answered ${res.status} with a body that is not JSON`);
      }
    }
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) throw new RestError('auth', `${what} was refused (${res.status}) even with a fresh token`);
    if (res.status === 429) throw new RestError('rate', `${what} was rate-limited (429)`, retryAfterMs(res.headers.get('retry-after'), this.#now()));
    if (res.status >= 500) throw new RestError('server', `${what} failed on HomeLINK's side (${res.status})`);
    throw new RestError('shape', `${what} answered ${res.status}`);
  }
}

/** Retry-After as ms: seconds, or an HTTP date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
