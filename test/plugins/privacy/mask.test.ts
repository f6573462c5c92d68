import assert from 'node:assert/strict';
import { mask } from '../../../plugins/privacy/mask.js';

describe('privacy: mask', () => {
  it('keeps what is asked when that is at most half the value, exactly at the boundary too', () => {
    assert.equal(mask('abcdef', 1, 2, '*'), 'a***ef'); // keeps 3 of 6: exactly half
    assert.equal(mask('abcdefg', 1, 2, '*'), 'a****fg');
    assert.equal(mask('abcde', 1, 2, '*'), '*****'); // 3 of 5 would be more than half
    assert.equal(mask('abcd', 2, 0, '#'), 'ab##');
    assert.equal(mask('abcd', 0, 2, '#'), '##cd');
    assert.equal(mask('abc', 2, 0, '#'), '###');
    assert.equal(mask('abc', 0, 0, '•'), '•••');
    assert.equal(mask('', 1, 1, '*'), '');
  });

  it('counts characters, not UTF-16 units, and never leaves half of one', () => {
    assert.equal(mask('jörgen', 1, 2, '*'), 'j***en');
    assert.equal(mask('😀abc😀', 1, 1, '*'), '😀***😀');
    assert.equal(mask('😀ab', 1, 1, '*'), '***');
    assert.equal(mask('a😀😀😀b', 0, 1, '*'), '****b');
    assert.equal(mask('jörgensen', 2, 2, '*'), 'jö*****en');
    assert.equal(mask('😀😀😀😀', 1, 1, '*'), '😀**😀');
  });
});
