import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { checkHttpAuth, isLoopbackAddress, type HttpAuth } from '../../core/http-auth.js';

function request(headers: Record<string, string | undefined>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('HTTP auth (the status page, and webhooks)', () => {
  it('none lets everyone in', () => {
    assert.deepEqual(checkHttpAuth(request({}), { type: 'none' }), { ok: true });
  });

  it('basic: the right user name and password, with a challenge a browser answers otherwise', () => {
    const auth: Partial<HttpAuth> = { type: 'basic', username: 'ops', password: 'pass:word1' };
    assert.deepEqual(checkHttpAuth(request({ authorization: basic('ops', 'pass:word1') }), auth), { ok: true });
    for (const headers of [{}, { authorization: basic('ops', 'pass:word2') }, { authorization: basic('op', 'pass:word1') }, { authorization: 'Bearer pass:word1' }]) {
      const result = checkHttpAuth(request(headers), auth);
      assert.equal(result.ok, false, JSON.stringify(headers));
      assert.match(result.ok ? '' : result.headers['www-authenticate']!, /^Basic realm="Switchboard"/);
    }
  });

  it('bearer: Authorization: Bearer <token> only', () => {
    const auth: Partial<HttpAuth> = { type: 'bearer', token: '0123456789abcdef' };
    assert.deepEqual(checkHttpAuth(request({ authorization: 'Bearer 0123456789abcdef' }), auth), { ok: true });
    assert.equal(checkHttpAuth(request({ authorization: 'Bearer 0123456789abcdeF' }), auth).ok, false);
    assert.equal(checkHttpAuth(request({ 'x-api-key': '0123456789abcdef' }), auth).ok, false);
  });

  it('apiKey: the key in the configured header', () => {
    const auth: Partial<HttpAuth> = { type: 'apiKey', header: 'X-Switchboard-Key', key: '0123456789abcdef' };
    assert.deepEqual(checkHttpAuth(request({ 'x-switchboard-key': '0123456789abcdef' }), auth), { ok: true });
    assert.equal(checkHttpAuth(request({ 'x-api-key': '0123456789abcdef' }), auth).ok, false);
    assert.equal(checkHttpAuth(request({ 'x-switchboard-key': '0123456789abcde' }), auth).ok, false);
  });

  it('knows loopback addresses, IPv4, IPv6 and mapped', () => {
    assert.deepEqual(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopbackAddress), [true, true, true, true]);
    assert.deepEqual(['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.127', undefined].map(isLoopbackAddress), [false, false, false, false]);
  });
});
