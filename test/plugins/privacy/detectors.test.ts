import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { canonical, DETECTORS, type DetectorName } from '../../../plugins/privacy/detectors.js';
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
