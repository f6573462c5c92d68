import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FromSchema } from 'json-schema-to-ts';

/**
 * Authentication of HTTP requests, one scheme for everything the runtime serves over HTTP (the status
 * page, and webhooks such as HomeLINK's): HTTP basic (what a browser asks for), a bearer token, or an
 * API key in a header.
 */
export const httpAuthSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'How HTTP clients authenticate. none: no authentication (the status page is then served to loopback clients only).',
  properties: {
    type: { enum: ['none', 'basic', 'bearer', 'apiKey'], default: 'none', description: 'basic: user name and password (a browser asks for them); bearer: `Authorization: Bearer <token>`; apiKey: the token in the `header` header.' },
    username: { type: 'string', default: '', description: 'basic: the user name.' },
    password: { type: 'string', default: '', description: 'basic: the password.', 'x-sensitive': true },
    token: { type: 'string', default: '', description: 'bearer or apiKey: the token or key.', 'x-sensitive': true },
    header: { type: 'string', default: 'x-api-key', description: 'apiKey: the header that carries the key.' },
  },
} as const;

export type HttpAuth = FromSchema<typeof httpAuthSchema>;

/** Why the settings cannot authenticate anyone, or null when they can (or ask for nothing). */
export function httpAuthProblem(auth: HttpAuth): string | null {
  const type = auth.type ?? 'none';
  if (type === 'basic' && (!auth.username || !auth.password)) return 'auth type basic needs username and password';
  if ((type === 'bearer' || type === 'apiKey') && !auth.token) return `auth type ${type} needs token`;
  return null;
}

export type AuthResult = { ok: true } | { ok: false; status: 401; headers: Record<string, string>; reason: string };

/** Checks a request against the settings; settings with a problem let nobody in. */
export function checkHttpAuth(req: IncomingMessage, auth: HttpAuth, realm = 'Switchboard'): AuthResult {
  const type = auth.type ?? 'none';
  if (type === 'none') return { ok: true };
  const refuse = (reason: string): AuthResult => ({ ok: false, status: 401, headers: type === 'basic' ? { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` } : type === 'bearer' ? { 'www-authenticate': `Bearer realm="${realm}"` } : {}, reason });
  if (httpAuthProblem(auth)) return refuse('authentication is not set up correctly');
  if (type === 'apiKey') {
    const given = req.headers[(auth.header ?? 'x-api-key').toLowerCase()];
    return typeof given === 'string' && same(given, auth.token!) ? { ok: true } : refuse(`a valid ${auth.header ?? 'x-api-key'} header is required`);
  }
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = header.slice(0, Math.max(space, 0)).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (type === 'bearer') return scheme === 'bearer' && same(value, auth.token!) ? { ok: true } : refuse('a valid bearer token is required');
  if (scheme !== 'basic') return refuse('a user name and password are required');
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const ok = colon >= 0 && same(decoded.slice(0, colon), auth.username!) && same(decoded.slice(colon + 1), auth.password!);
  return ok ? { ok: true } : refuse('wrong user name or password');
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}
