import assert from 'node:assert/strict';
import { InboundMessage, MessageRejected } from '../../core/message.js';

const message = (payload: string | Buffer, maxBytes = 1000): InboundMessage =>
  new InboundMessage('local', { topic: 'a/b/c', payload, qos: 1, retain: false, dup: false }, maxBytes);

function rejects(fn: () => unknown, code: string, reason: string | RegExp): MessageRejected {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MessageRejected, `a MessageRejected, not ${String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof reason === 'string') assert.equal(caught.message, reason);
  else assert.match(caught.message, reason);
  return caught;
}

describe('InboundMessage', () => {
  it('gives the topic levels, the text and the parsed JSON, parsing once for every handler', () => {
    const m = message('{"a": [1, 2]}');
    assert.deepEqual(m.levels, ['a', 'b', 'c']);
    assert.equal(m.text(), '{"a": [1, 2]}');
    const first = m.json();
    assert.deepEqual(first, { a: [1, 2] });
    assert.equal(m.json(), first, 'the same parsed value, not a second parse');
    assert.equal(m.object(), first);
    assert.deepEqual(message('').levels.length, 3);
    assert.ok(Buffer.isBuffer(message('text').payload), 'a string payload becomes a Buffer');
  });

  it('rejects bad payloads with a specific code and reason, and the same error again on every call', () => {
    const bad = message('{"a": ');
    const error = rejects(() => bad.json(), 'invalid_json', /^payload is not JSON \(.+\)$/);
    assert.equal(rejects(() => bad.json(), 'invalid_json', error.message), error);
    rejects(() => message('').json(), 'empty', 'payload is empty');
    rejects(() => message(Buffer.from([0xc3, 0x28])).text(), 'invalid_utf8', 'payload is not valid UTF-8');
    const big = message('x'.repeat(11), 10);
    rejects(() => big.text(), 'too_large', 'payload of 11 bytes exceeds the limit of 10 (maxPayloadBytes)');
    rejects(() => big.json(), 'too_large', 'payload of 11 bytes exceeds the limit of 10 (maxPayloadBytes)');
    assert.deepEqual(big.payload.length, 11, 'the raw payload is still there');
  });

  it('object() accepts only a JSON object', () => {
    rejects(() => message('[1]').object(), 'not_an_object', 'payload is JSON but not an object (an array)');
    rejects(() => message('null').object(), 'not_an_object', 'payload is JSON but not an object (null)');
    rejects(() => message('"s"').object(), 'not_an_object', 'payload is JSON but not an object (string)');
    rejects(() => message('3').object(), 'not_an_object', 'payload is JSON but not an object (number)');
    assert.deepEqual(message('{}').object(), {});
  });

  it('rejects JSON nested deeper than 64 levels as too_deep, counting no bracket inside a string', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    assert.deepEqual(message(nested(64), 100_000).json(), JSON.parse(nested(64)));
    rejects(() => message(nested(65), 100_000).json(), 'too_deep', 'payload nests deeper than 64 levels');
    rejects(() => message(nested(5000), 100_000).json(), 'too_deep', 'payload nests deeper than 64 levels');
    const brackets = JSON.stringify({ text: '['.repeat(500) + '"\\"' + '{'.repeat(500) });
    assert.equal((message(brackets, 100_000).json() as { text: string }).text.length, 1003);
  });
});
