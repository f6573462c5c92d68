import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { canonical, DETECTOR_DEFS, DETECTORS, type DetectorName } from '../../../plugins/privacy/detectors.js';
import { Scanner } from '../../../plugins/privacy/scanner.js';
import { fixture } from '../../helpers/paths.js';

/** What the detectors find in `text`, in the order they are replaced. */
function found(detectors: readonly DetectorName[], text: string): string[] {
  const matches: string[] = [];
  new Scanner(detectors).replace(text, (match) => {
    matches.push(match);
    return match;
  });
  return matches;
}

describe('privacy: detectors', () => {
  it('finds phone numbers in international and national forms, inside text', () => {
    const numbers = ['+44 20 7946 0958', '07700 900123', '+1-202-555-0143', '(020) 7946 0958', '+49 30 901820', '+44 (0)20 7946 0958', '+447700900123', '202-555-0143', '(202) 555-0143', '01 23 45 67 89', '0161-496 0000'];
    for (const number of numbers) {
      assert.deepEqual(found(['phone'], `Call ${number}, ask for Jane.`), [number], number);
      assert.deepEqual(found(['phone'], number), [number], number);
    }
  });

  it('takes a number from its least count of digits in each form, and not one digit less', () => {
    // national: a leading 0 and 8 digits; international: "+", the country code and 7 digits in all; glued to a word: 10.
    for (const number of ['0301 2345', '03012345', '(030) 12345', '+49 301 23', '+4930123', 'tenant-0770090015', 'ref_0770090015']) {
      assert.deepEqual(found(['phone'], `call ${number} now`), [number.replace(/^[a-z]+[-_]/, '')], number);
    }
    for (const number of ['0301 234', '0301234', '(030) 1234', '+49 301 2', '+493012', 'tenant-077009001', 'ref_077009001']) {
      assert.deepEqual(found(['phone'], `call ${number} now`), [], number);
    }
  });

  it('finds North American numbers only in their exact shape', () => {
    for (const number of ['(202) 555-0143', '(202)555-0143', '202 555 0143', '202555-0143', '1-202-555-0143', '1 (202) 555-0143', '1(202) 555-0143', '1(202)555-0143']) {
      assert.deepEqual(found(['phone'], `call ${number} now`), [number], number);
    }
    for (const text of ['202-555-014', '202-555-01434', '20-555-0143', '2025-555-0143', '(202)-55-0143', '102-555-0143', '202-555 (0143)', '202-(555)-0143', '2025550143', '12-202-555-0143', '202 555)0143']) {
      assert.deepEqual(found(['phone'], `call ${text} now`), [], text);
    }
    // The country code is 1 and only 1: another digit before the area code is not part of the number.
    for (const before of ['2', '15', '11']) assert.deepEqual(found(['phone'], `call ${before} 202 555 0143 now`), ['202 555 0143'], before);
  });

  it('takes a number whole, also when it runs on, but not into a word, an address or an id', () => {
    assert.deepEqual(found(['phone'], '07700 900123 07700 900124'), ['07700 900123 07700 900124']);
    assert.deepEqual(found(['phone'], 'on 01.02.2026 07700 900123.'), ['07700 900123']);
    assert.deepEqual(found(['phone'], 'call 07700 900123 12abc'), ['07700 900123']);
    assert.deepEqual(found(['phone'], 'call 07700 900123-x or 07700900123@sms.example.com or 0123-45ab or 07700900123_'), []);
    assert.deepEqual(found(['phone'], 'x07700 900123 ++447700900123 .07700 900123 -07700 900123 1.07700900123'), []);
    assert.deepEqual(found(['phone'], '(07700 900123) or (0)7700 900150'), ['(07700 900123)', '(0)7700 900150']);
  });

  it('starts and ends a number only at a word boundary, ASCII letters and digits at each end of their ranges included', () => {
    for (const c of ['A', 'Z', 'a', 'z', '0', '9', '_']) {
      if (!/\d/.test(c)) assert.deepEqual(found(['phone'], `${c}07700 900123`), [], `after ${c}`);
      assert.deepEqual(found(['phone'], `07700 900123${c}`), c === '0' || c === '9' ? ['07700 900123' + c] : [], `before ${c}`);
      assert.deepEqual(found(['phone'], `${c}+447700900123`), [], `+ after ${c}`);
    }
    for (const c of ['@', '[', '`', '{', '/', ':']) assert.deepEqual(found(['phone'], `${c}07700 900123`), ['07700 900123'], `after ${c}`);
    for (const c of ['A', 'Z', 'a', 'z']) assert.deepEqual(found(['phone'], `x${c}-0770090015`), ['0770090015'], `glued after ${c}`);
    for (const c of ['@', '[', '`', '{', '1']) assert.deepEqual(found(['phone'], `${c}-0770090015`), [], `not glued after ${c}`);
    // The word it is glued to is letters only: a UUID's last group is an id, not a number after a word.
    assert.deepEqual(found(['phone'], '0a1f5c2e-1111-4c1e-9a3b-000000000002'), []);
    assert.deepEqual(found(['phone'], 'ab1c-0770090015'), []);
    assert.deepEqual(found(['phone'], 'a.tenant-0770090015'), ['0770090015']);
    assert.deepEqual(found(['phone'], 'x +0 7700 900123 or +07700900123'), []);
    assert.deepEqual(found(['phone'], '0301 (2345) and 0301 (x'), ['0301 (2345)']);
    assert.deepEqual(found(['phone'], '(030)12345678'), ['(030)12345678']);
  });

  it('starts a number at the first group that can start one, and takes a run joined only by separators and parentheses', () => {
    // A run of groups: the number is taken from the first group that starts one, with the digits from there on.
    assert.deepEqual(found(['phone'], 'call 12 0301 2345 now'), ['0301 2345']);
    assert.deepEqual(found(['phone'], 'call 12 0301 234 now'), [], 'seven digits from the leading 0 on');
    assert.deepEqual(found(['phone'], 'call +0 07700 900123 now'), ['07700 900123'], 'no country code starts with 0');
    assert.deepEqual(found(['phone'], 'call 0301(2345) now'), ['0301(2345)']);
    assert.deepEqual(found(['phone'], 'call 0301x2345 now'), [], 'a letter between digits makes an id');
    assert.deepEqual(found(['phone'], 'x(0301) 2345'), [], 'glued to a word before its parenthesis');
    assert.deepEqual(found(['phone'], 'see 07700900123.txt'), [], 'a file name, not a number');
    assert.deepEqual(found(['phone'], 'see 07700900123.'), ['07700900123'], 'a full stop ends it');
  });

  it('takes a number glued to a word only by "-" or "_", and only to a word of letters (looking back at most 64 characters)', () => {
    assert.deepEqual(found(['phone'], 'backup.0770090015'), [], 'a dot is not a glue');
    assert.deepEqual(found(['phone'], '1a-0770090015'), [], 'a digit at the very start makes it an id');
    assert.deepEqual(found(['phone'], 'e9ab-0770090015'), [], 'a hex group of an id');
    assert.deepEqual(found(['phone'], 'flat 1 tenant-0770090015'), ['0770090015'], 'the word starts after the space');
    const letters = (n: number) => 'a'.repeat(n);
    assert.deepEqual(found(['phone'], `1${letters(64)}-0770090015`), [], "the digit is within 64 characters of the word's end");
    assert.deepEqual(found(['phone'], `1${letters(65)}-0770090015`), ['0770090015'], 'beyond that, the word is taken as letters');
  });

  it('knows a date by its day of two digits, a month of one or two (10-12 too) and a year of two to four digits', () => {
    for (const date of ['01.2.2026 10:00', '01.12.2026', '01.19.2026', '01.02.26 10:00']) assert.deepEqual(found(['phone'], `on ${date}`), [], date);
    for (const number of ['01.20.2026', '01.123.2026', '01.02.2 3456']) assert.deepEqual(found(['phone'], `on ${number}`), [number], number);
  });

  it('find() returns the first real match at or after `from`, skipping what it rejects', () => {
    // "::" alone and "std::vector" are rejected IPv6 candidates: the match is the address after them.
    assert.deepEqual(DETECTOR_DEFS.ipv6.find('a :: b fe80::1', 0), [7, 14]);
    assert.deepEqual(DETECTOR_DEFS.ipv6.find('std::vector fe80::1', 0), [12, 19]);
    assert.equal(DETECTOR_DEFS.ipv6.find('fe80::1', 1), null, 'not from inside an address');
    assert.deepEqual(DETECTOR_DEFS.email.find('a@b.co and c@d.co', 1), [11, 17]);
    assert.deepEqual(DETECTOR_DEFS.phone.find('07700 900123 and 07700 900124', 1), [17, 29]);
  });

  it('finds the shortest addresses each detector can match, alone in the text', () => {
    assert.deepEqual(found(['ipv4'], '1.2.3.4'), ['1.2.3.4']);
    assert.deepEqual(found(['uuid'], '01234567-89ab-4cde-8f01-234567890abc'), ['01234567-89ab-4cde-8f01-234567890abc']);
    assert.deepEqual(found(['ipv6'], '::1'), ['::1']);
    assert.deepEqual(found(['email'], 'a@b.co'), ['a@b.co']);
  });

  it('takes the longest IPv6 address that does not run into a word, also inside a longer candidate', () => {
    // "::1.2.3.45" is an address but runs into the "6"; "::1" is followed by a dot.
    assert.deepEqual(found(['ipv6'], 'at ::1.2.3.456 now'), ['::1']);
  });

  it('leaves dates alone in every form it knows, and only those', () => {
    for (const date of ['01.02.2026', '01-02-2026', '01.2.26', '31.12.99', '01.02.2026 10:00']) assert.deepEqual(found(['phone'], `on ${date}`), [], date);
    for (const number of ['01.22.2026', '01 02 2026', '01.02 2026', '01.02.20261', '011.02.2026']) {
      assert.deepEqual(found(['phone'], `on ${number}`).length, 1, number);
    }
  });

  it('reads text as a person would: escapes, compatibility forms, invisible characters and digits of other scripts', () => {
    const emails = ['jane.doe%40example.com', 'jane.doe＠example.com', 'jane.doe﹫example.com', 'jane.doe&#64;example.com', 'jane.doe&#x40;example.com', 'jane.doe&commat;example.com', 'jane\u200b.doe@example.com', 'ｊａｎｅ.doe@example.com'];
    for (const email of emails.map((e) => e.replace('\\u200b', '\u200b'))) {
      assert.deepEqual(found(['email'], `mail ${email} today`), ['jane.doe@example.com'], email);
    }
    const phones = ['(0)7700 900150', 'tenant-07700900153', '０７７００ ９００１２３', '٠٧٧٠٠ ٩٠٠١٢٣', '۰۷۷۰۰ ۹۰۰۱۲۳', '07700\u00a0900123', '07700\u2009900123', '+44\u00a07700\u00a0900123', '0\u200b7700 900123', '07700&nbsp;900123', '07700%20900123', '+44&#32;7700 900123', '07700 9\ufffd00123', '07700–900123'];
    for (const phone of phones.map((p) => p.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))))) {
      const text = `call ${phone} now`;
      let replaced = 0;
      const out = new Scanner(['phone']).replace(text, () => (replaced++, 'X'));
      assert.equal(replaced, 1, phone);
      assert.equal(out.replace(/^call | now$/g, ''), phone.startsWith('tenant-') ? 'tenant-X' : 'X', phone);
    }
  });

  it('finds an address that its escapes, decoded, would break: it reads the text as written too', () => {
    // "%22" is an address character as written, and a quote once decoded: read only decoded, the address is gone.
    for (const email of ['%22@a.aa', 'a%20b@example.com', '%3C@example.com']) {
      const out = new Scanner(['email']).replace(`mail ${email} now`, () => 'X');
      assert.ok(!out.includes(email), `${email}: ${out}`);
      assert.ok(new Scanner(['email']).test(email), email);
    }
  });

  it('hashes an escaped or obfuscated address like the plain one', () => {
    const canon = (text: string) => found(['email', 'phone'], text).map((m) => canonical(/@/.test(m) ? 'email' : 'phone', m));
    assert.deepEqual(canon('JANE.DOE%40example.com ＋４４ ７７００ ９００１２３'), ['jane.doe@example.com', '+447700900123']);
    assert.equal(canonical('phone', '(0)7700 900150'), canonical('phone', '07700 900150'));
  });

  it('leaves dates, times, serials, model names and plain numbers alone', () => {
    const text = [
      '2026-11-20T10:00:00Z',
      '2026-11-20T09:00:00.000Z',
      'D6FCD4F0',
      'EI3028',
      'C3CEC7FB-D6FCD4F1',
      '01.02.2026 10:00',
      '20.11.2026',
      '2026-01-15',
      '10:00:00',
      '1700000000000',
      '21.4',
      'JOE_BLOGGS_Home',
      'HALLWAY1',
      'version 1.2.3.4.5',
      'std::vector',
      'a :: b',
      'D6FCD4F0 in location Hallway 1: Fire Alarm Activated',
    ].join(' | ');
    assert.deepEqual(found(DETECTORS, text), []);
  });

  it('finds email addresses, also next to other text and with unicode in them', () => {
    assert.deepEqual(found(['email'], 'Contact tenant jane.doe@example.com.'), ['jane.doe@example.com']);
    assert.deepEqual(found(['email'], '(o\'brien+alarms@mail.example.co.uk)'), ["o'brien+alarms@mail.example.co.uk"]);
    assert.deepEqual(found(['email'], 'mail: jörg@bücher.de, 07700900123@sms.example.com'), ['jörg@bücher.de', '07700900123@sms.example.com']);
    assert.deepEqual(found(['email'], 'not an address: a@b, @example.com, jane@'), []);
  });

  it('finds UUIDs, also where one starts with digits that could be a phone number', () => {
    const uuid = '01234567-89ab-4cde-8f01-234567890abc';
    assert.deepEqual(found(['uuid', 'phone'], `user ${uuid} rang`), [uuid]);
    assert.deepEqual(found(['phone'], `user ${uuid} rang`), []);
    assert.deepEqual(found(['uuid'], 'cbbc02b6-92d7-4504-a815-66F69DF005E6'), ['cbbc02b6-92d7-4504-a815-66F69DF005E6']);
  });

  it('finds IPv4 and IPv6 addresses, with ports and at the end of a sentence', () => {
    assert.deepEqual(found(['ipv4'], 'from 192.168.1.20:8080 and 10.0.0.1.'), ['192.168.1.20', '10.0.0.1']);
    assert.deepEqual(found(['ipv4'], '256.1.1.1 1.2.3'), []);
    assert.deepEqual(found(['ipv6'], 'fe80::1ff:fe23:4567:890a, ::1 and [2001:db8::8a2e:370:7334]:443'), ['fe80::1ff:fe23:4567:890a', '::1', '2001:db8::8a2e:370:7334']);
    assert.deepEqual(found(['ipv6'], 'mapped ::ffff:192.0.2.128 here; fe80::1: unreachable'), ['::ffff:192.0.2.128', 'fe80::1']);
  });

  it('hashes the same address or number written differently in one form', () => {
    assert.equal(canonical('email', 'Jane.Doe@Example.COM'), 'jane.doe@example.com');
    assert.equal(canonical('phone', '+44 (0)20 7946-0958'), canonical('phone', '+44 20 7946 0958'));
    assert.equal(canonical('phone', '+44 20 7946 0958'), '+442079460958');
    assert.equal(canonical('uuid', 'CBBC02B6-92D7-4504-A815-66F69DF005E6'), 'cbbc02b6-92d7-4504-a815-66f69df005e6');
    assert.equal(canonical('ipv6', 'FE80::1FF:FE23'), 'fe80::1ff:fe23');
    assert.equal(canonical('phone', '(0)20 7946 0958'), '02079460958', 'a national number keeps its trunk 0');
    assert.equal(canonical('regex', 'Flat 4B, Ref X-1'), 'Flat 4B, Ref X-1', 'a custom rule\'s match as written');
  });

  it('finds nothing but the recipient\'s email and phone and the ids in the HomeLINK stream', async () => {
    const lines = (await readFile(fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl'), 'utf8')).trim().split('\n');
    const text = lines.map((line) => JSON.stringify((JSON.parse(line) as { payload: unknown }).payload)).join('\n');
    assert.deepEqual(found(['email', 'phone', 'ipv4', 'ipv6'], text), ['priya.shah@brighthomes.example', '+447700900461']);
    const ids = new Set(found(['uuid'], text));
    const devices = [1, 2, 3].map((n) => `0a1f5c2e-1111-4c1e-9a3b-00000000000${n}`);
    const events = ['a001', 'a002', 'e001', 'e002', 'e003', 'e004', 'f001'].map((n) => `7c1e0d52-0000-4000-8000-00000000${n}`);
    assert.deepEqual([...ids].sort(), [...devices, '1d0c5e3a-0b7e-4a43-9d53-6a1f0f6a7b21', '5e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b', ...events].sort());
  });
});
