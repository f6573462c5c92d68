import assert from 'node:assert/strict';
import { frame, unframe } from '../../core/state-frame.js';

describe('state file framing', () => {
  const texts = ['[]', JSON.stringify([['n', 'k', { text: 'plain ascii' }]]), JSON.stringify([['n', 'ключ', { text: 'zoë 東京 🚨', n: 1 }]])];

  it('frames a line the same into a reused scratch buffer as into a buffer of its own, and reads it back', () => {
    const scratch = Buffer.alloc(4096, 0x78);
    for (const json of texts) {
      const own = frame(json);
      const reused = frame(json, scratch);
      assert.equal(reused.buffer, scratch.buffer, 'written into the scratch');
      assert.deepEqual(reused, own);
      assert.equal(own.length, Buffer.byteLength(json) + 10);
      assert.equal(own.at(-1), 0x0a);
      assert.deepEqual(unframe(reused.subarray(0, -1)), JSON.parse(json));
    }
  });

  it('gives a line its own buffer when the scratch could be too small for the text', () => {
    const json = JSON.stringify(['é'.repeat(100)]);
    const scratch = Buffer.alloc(json.length * 3 + 9);
    const line = frame(json, scratch);
    assert.notEqual(line.buffer, scratch.buffer);
    assert.deepEqual(unframe(line.subarray(0, -1)), JSON.parse(json));
  });

  it('refuses a line whose checksum does not match', () => {
    const line = Buffer.from(frame('["a"]'));
    line[10] = 0x62;
    assert.equal(unframe(line.subarray(0, -1)), undefined);
  });
});
