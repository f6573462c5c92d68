import assert from 'node:assert/strict';
import { Fifo } from '../../core/fifo.js';

describe('Fifo', () => {
  it('gives items back in order, across the compactions of a long run of pushes and shifts', () => {
    const q = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push(next++);
      for (let i = 0; i < 250; i++) assert.equal(q.shift(), expected++);
      assert.equal(q.size, next - expected);
      assert.equal(q.peek(), expected);
    }
    assert.deepEqual([...q], Array.from({ length: next - expected }, (_, i) => expected + i));
    while (q.size > 0) assert.equal(q.shift(), expected++);
    assert.equal(q.shift(), undefined);
    assert.equal(q.peek(), undefined);
  });

  it('retain keeps the accepted items in order; clear empties it', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 10; i++) q.push(i);
    q.shift();
    q.retain((n) => n % 2 === 0);
    assert.deepEqual([...q], [2, 4, 6, 8]);
    q.clear();
    assert.equal(q.size, 0);
    assert.deepEqual([...q], []);
  });
});
