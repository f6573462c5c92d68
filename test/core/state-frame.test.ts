import assert from 'node:assert/strict';
import { LineWriter, writeCommit, type LogRecord } from '../../core/state-log.js';
import { frame, unframe } from '../../core/state-frame.js';

describe('state file lines', () => {
  const pieces = ['[["n","k",', '{"text":"plain ascii"}', '],["n","ключ",', JSON.stringify({ text: 'zoë 東京 🚨', n: 1 }), ']]'];

  it('writes a line piece by piece, growing its buffer, exactly as the text framed whole', () => {
    const writer = new LineWriter(16);
    for (const piece of pieces) writer.add(piece);
    const whole = pieces.join('');
    assert.deepEqual(writer.line(), frame(whole));
    assert.deepEqual(unframe(writer.line().subarray(0, -1)), JSON.parse(whole));
    // Started again, the writer reuses its buffer for the next line.
    writer.restart();
    writer.add('[]');
    assert.deepEqual(writer.line(), frame('[]'));
  });

  it('writes a commit without the values its writer leaves out, and nothing of what it wrote for them', () => {
    const records: LogRecord[] = [
      ['n', 'a', { ok: true }],
      ['n', 'bad', 1],
      ['n', 'gone'],
      ['m', 'b', 'text'],
    ];
    const writer = new LineWriter(1024);
    writeCommit(
      records,
      (_namespace, key, value, out) => {
        out.add(JSON.stringify(value));
        return key !== 'bad';
      },
      writer,
    );
    assert.deepEqual(unframe(writer.line().subarray(0, -1)), [['n', 'a', { ok: true }], ['n', 'gone'], ['m', 'b', 'text']]);
  });

  it('refuses a line whose checksum does not match', () => {
    const line = Buffer.from(frame('["a"]'));
    line[10] = 0x62;
    assert.equal(unframe(line.subarray(0, -1)), undefined);
  });
});
