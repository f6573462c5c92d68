import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FromSchema } from 'json-schema-to-ts';

// Header names as HTTP allows them (RFC 9110 tokens).
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/**
 * Authentication of HTTP requests, one scheme for everything the runtime serves over HTTP (the status
 * page, and webhooks such as HomeLINK's): HTTP basic (what a browser asks for), a bearer token, or an
 * API key in a header. This is the object without defaults, for a setting that must say its `type`
 * (HomeLINK's webhook: `{ ...httpCredentialsSchema, required: ['type'] }`).
 */
export const httpCredentialsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: {
      enum: ['none', 'basic', 'apiKey', 'bearer'],
      description: 'basic: user name and password (a browser asks for them); apiKey: a key in a header; bearer: Authorization: Bearer <token>; none.',
    },
    username: { type: 'string', minLength: 1, description: 'basic: the user name.' },
    password: { type: 'string', minLength: 8, 'x-sensitive': true, description: 'basic: the password; write "${ENV_VAR}" to take it from the environment.' },
    header: { type: 'string', pattern: HEADER_NAME, default: 'x-api-key', description: 'apiKey: the header that carries the key.' },
    key: { type: 'string', minLength: 16, 'x-sensitive': true, description: 'apiKey: the key; write "${ENV_VAR}" to take it from the environment.' },
    token: { type: 'string', minLength: 16, 'x-sensitive': true, description: 'bearer: the token; write "${ENV_VAR}" to take it from the environment.' },
  },
  allOf: [
    { if: { required: ['type'], properties: { type: { const: 'basic' } } }, then: { required: ['username', 'password'], properties: { username: true, password: true } } },
    { if: { required: ['type'], properties: { type: { const: 'apiKey' } } }, then: { required: ['key'], properties: { key: true } } },
    { if: { required: ['type'], properties: { type: { const: 'bearer' } } }, then: { required: ['token'], properties: { token: true } } },
  ],
} as const;

/** HTTP authentication that may be left off: none unless set (the status page's `auth`). */
export const httpAuthSchema = {
  ...httpCredentialsSchema,
  default: {},
  description: 'What an HTTP request must carry; the same settings as the HomeLINK webhook\'s auth. none: nothing.',
  properties: { ...httpCredentialsSchema.properties, type: { ...httpCredentialsSchema.properties.type, default: 'none' } },
} as const;

export type HttpAuth = FromSchema<typeof httpAuthSchema>;

export type AuthResult = { ok: true } | { ok: false; status: 401; headers: Record<string, string>; reason: string };

/** Checks a request against the settings (validated by the schema); a secret that is missing lets nobody in. */
export function checkHttpAuth(req: { readonly headers: IncomingHttpHeaders }, auth: Partial<HttpAuth>, realm = 'Switchboard'): AuthResult {
  const type = auth.type ?? 'none';
  if (type === 'none') return { ok: true };
  const refuse = (reason: string): AuthResult => ({ ok: false, status: 401, headers: type === 'basic' ? { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` } : type === 'bearer' ? { 'www-authenticate': `Bearer realm="${realm}"` } : {}, reason });
  if (type === 'apiKey') {
    const given = req.headers[(auth.header ?? 'x-api-key').toLowerCase()];
    return typeof given === 'string' && auth.key !== undefined && same(given, auth.key) ? { ok: true } : refuse(`a valid ${auth.header ?? 'x-api-key'} header is required`);
  }
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = header.slice(0, Math.max(space, 0)).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (type === 'bearer') return scheme === 'bearer' && auth.token !== undefined && same(value, auth.token) ? { ok: true } : refuse('a valid bearer token is required');
  if (scheme !== 'basic') return refuse('a user name and password are required');
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const ok = colon >= 0 && auth.username !== undefined && auth.password !== undefined && same(decoded.slice(0, colon), auth.username) && same(decoded.slice(colon + 1), auth.password);
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
