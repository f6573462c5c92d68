import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mask } from '../../../plugins/privacy/mask.js';
import { compileRules } from '../../../plugins/privacy/rules.js';
import type { PrivacyOptions } from '../../../plugins/privacy/schema.js';
import { deepFreeze, event, message, options, sanitizer, SECRET } from './support.js';

const TOKEN = /^pii_[0-9a-f]{16}$/;
const EMAILS = { name: 'emails', detectors: ['email'], action: 'hash' };

function hmac(secret: string, value: string, length = 16): string {
  return `pii_${createHmac('sha256', secret).update(value).digest('hex').slice(0, length)}`;
}

describe('privacy: hash', () => {
  it('replaces each match by an HMAC-SHA256 token of the secret, the same for the same address however written', () => {
    const { sanitizer: s, tally } = sanitizer({ secret: SECRET, rules: [EMAILS] });
    const out = s.event(event('homelink_notification', { message: 'Contact Jane.Doe@Example.com or jane.doe@example.com' }))!;
    const token = hmac(SECRET, 'jane.doe@example.com');
    assert.equal((out.data as { message: string }).message, `Contact ${token} or ${token}`);
    assert.match(token, TOKEN);
    assert.equal(tally.counts['emails.hashed'], 2);
  });

  it('counts every find again when the same text is published again, and leaves text without an address as the same string', () => {
    const { sanitizer: s, tally } = sanitizer({ secret: SECRET, rules: [EMAILS] });
    const text = 'Fire Alarm Activated, contact tenant jane.doe@example.com';
    const first = s.event(event('homelink_alert', { description: text, room: 'Hallway 1' }))!.data as { description: string; room: string };
    const second = s.message(message('homelink/device/event', { description: text }))!.payload as { description: string };
    assert.equal(second.description, first.description);
    assert.equal(first.description, `Fire Alarm Activated, contact tenant ${hmac(SECRET, 'jane.doe@example.com')}`);
    assert.equal(tally.counts['emails.hashed'], 2);
    assert.equal(first.room, 'Hallway 1');
  });

  it('gives the same token after a restart, another with another secret, and as many hex digits as hashLength', () => {
    const data = { message: 'jane.doe@example.com' };
    const once = sanitizer({ secret: SECRET, rules: [EMAILS] }).sanitizer.event(event('e', data))!.data;
    const again = sanitizer({ secret: SECRET, rules: [EMAILS] }).sanitizer.event(event('e', data))!.data;
    const other = sanitizer({ secret: `${SECRET}!`, rules: [EMAILS] }).sanitizer.event(event('e', data))!.data;
    const longer = sanitizer({ secret: SECRET, hashLength: 24, rules: [EMAILS] }).sanitizer.event(event('e', data))!.data;
    assert.deepEqual(again, once);
    assert.notDeepEqual(other, once);
    assert.deepEqual(longer, { message: hmac(SECRET, 'jane.doe@example.com', 24) });
  });

  it('hashes whole fields named by paths, numbers included, and does not hash a token again', () => {
    const rule = { name: 'refs', paths: ['payload.landlordReference', 'payload.tenantId'], action: 'hash' };
    const { sanitizer: s, tally } = sanitizer({ secret: SECRET, rules: [rule] });
    const data = deepFreeze({ payload: { landlordReference: 'JOE_BLOGGS', tenantId: 4711, title: 'Fire' }, other: { landlordReference: 'JOE_BLOGGS' } });
    const out = s.event(event('homelink_alert', data))!.data as typeof data;
    assert.deepEqual(out.payload, { landlordReference: hmac(SECRET, 'JOE_BLOGGS'), tenantId: hmac(SECRET, '4711'), title: 'Fire' });
    assert.equal(out.other, data.other, 'what no path leads to is the same object');
    assert.equal(s.event(event('homelink_alert', out))!.data, out, 'sanitizing again changes nothing');
    assert.equal(tally.counts['refs.hashed'], 2);
  });

  it('hashes nothing and refuses to start without a secret, or with a short one', () => {
    // As a plugin might be given options without the configuration's validation (which already refuses these).
    const unchecked = (raw: object) => raw as PrivacyOptions;
    assert.throws(() => compileRules(unchecked({ rules: [{ detectors: ['email'], action: 'hash' }] })), /"secret" must be set, at least 16 characters/);
    assert.throws(() => compileRules(unchecked({ secret: 'short', rules: [{ detectors: ['email'], action: 'hash' }] })), /at least 16 characters/);
    assert.equal(compileRules(options({ rules: [{ detectors: ['email'], action: 'mask' }] })).length, 1);
  });

  it('refuses two rules of the same name, which would share their metrics', () => {
    assert.throws(() => compileRules(options({ rules: [{ name: 'a', detectors: ['email'], action: 'mask' }, { name: 'a', detectors: ['phone'], action: 'mask' }] })), /rules\[1\] is named "a", like rules\[0\]/);
  });
});

describe('privacy: mask', () => {
  it('keeps the leading and trailing characters asked for and masks the rest with maskChar', () => {
    assert.equal(mask('jane.doe@example.com', 2, 4, '#'), `ja${'#'.repeat(14)}.com`);
    assert.equal(mask('+44 20 7946 0958', 0, 4, '*'), `${'*'.repeat(12)}0958`);
    assert.equal(mask('😀😀abc😀😀', 1, 1, '*'), `😀${'*'.repeat(5)}😀`);
  });

  it('masks wholly a value shorter than twice what would be kept', () => {
    assert.equal(mask('::1', 0, 2, '*'), '***');
    assert.equal(mask('a@b.io', 2, 2, 'x'), 'xxxxxx');
  });

  it('masks matches inside text with the rule\'s options and counts them', () => {
    const { sanitizer: s, tally } = sanitizer({ rules: [{ name: 'phones', detectors: ['phone'], action: 'mask', keepEnd: 3, maskChar: '#' }] });
    const out = s.message(message('a/b', { note: 'call 07700 900123 or +1-202-555-0143' }))!;
    assert.deepEqual(out.payload, { note: `call ${'#'.repeat(9)}123 or ${'#'.repeat(12)}143` });
    assert.equal(tally.counts['phones.masked'], 2);
  });

  it('masks only the matches inside the fields of a path rule with detectors ("*" one level, "**" any depth)', () => {
    const { sanitizer: s } = sanitizer({ rules: [{ paths: ['payload.message', 'payload.people.*.email', '**.contact'], detectors: ['email'], action: 'mask' }] });
    const data = deepFreeze({
      payload: { message: 'Contact jane@example.com now', title: 'jane@example.com', people: { a: { email: 'a@example.com' }, b: [{ email: 'b@example.com' }] } },
      deep: { x: [{ contact: { address: 'c@example.com' } }] },
    });
    const out = s.event(event('x', data))!.data;
    assert.deepEqual(out, {
      payload: { message: `Contact ${'*'.repeat(16)} now`, title: 'jane@example.com', people: { a: { email: '*'.repeat(13) }, b: [{ email: 'b@example.com' }] } },
      deep: { x: [{ contact: { address: '*'.repeat(13) } }] },
    });
  });
});

describe('privacy: drop', () => {
  it('drops the events of the given types, and nothing else', () => {
    const { sanitizer: s, tally } = sanitizer({ rules: [{ name: 'no-notes', events: ['homelink_notification'], action: 'drop' }] });
    assert.equal(s.event(event('homelink_notification', { message: 'hi' })), null);
    const alert = event('homelink_alert', { message: 'hi' });
    assert.equal(s.event(alert), alert);
    assert.equal(s.message(message('switchboard/homelink/P/state', { message: 'hi' }))?.topic, 'switchboard/homelink/P/state');
    assert.deepEqual(tally.drops, ['no-notes:event']);
  });

  it('drops by topic filter: messages on matching topics and events whose events-output topic matches', () => {
    const { sanitizer: s, tally } = sanitizer({ rules: [{ name: 'quiet', topics: ['switchboard/homelink/+/alarm', 'switchboard/events/homelink_insight', 'debug/#', '+/uptime'], action: 'drop' }] });
    assert.equal(s.message(message('switchboard/homelink/P1/alarm', 'true')), null);
    assert.equal(s.message(message('debug', 'x')), null, '"#" takes the level above it too');
    assert.equal(s.message(message('debug/a/b', 'x')), null);
    assert.notEqual(s.message(message('$SYS/uptime', 'x')), null, 'a wildcard first level does not match a "$" topic, as at a broker');
    assert.notEqual(s.message(message('switchboard/homelink/P1/state', 'x')), null);
    assert.notEqual(s.message(message('switchboard/homelink/P1/alarm/x', 'x')), null);
    assert.equal(s.event(event('homelink_insight', {})), null);
    assert.notEqual(s.event(event('homelink_alert', {})), null);
    assert.deepEqual(tally.drops, ['quiet:message', 'quiet:message', 'quiet:message', 'quiet:event']);
  });

  it('drops what holds a match, or has a value at a path', () => {
    const { sanitizer: s, tally } = sanitizer({ rules: [{ name: 'mails', detectors: ['email'], action: 'drop' }, { name: 'tenant', paths: ['payload.tenant'], action: 'drop' }] });
    assert.equal(s.event(event('x', { a: ['fine', 'write to a@example.com'] })), null);
    assert.equal(s.event(event('x', { payload: { tenant: 'Jane' } })), null);
    assert.notEqual(s.event(event('x', { payload: { tenant: null, note: 'fine' } })), null);
    assert.deepEqual(tally.drops, ['mails:event', 'tenant:event']);
  });

  it('applies rules in order: a drop after a hash sees the token, a drop before it sees the address', () => {
    const rules = [EMAILS, { name: 'drop-mails', detectors: ['email'], action: 'drop' }];
    assert.notEqual(sanitizer({ secret: SECRET, rules }).sanitizer.event(event('x', { m: 'a@example.com' })), null);
    assert.equal(sanitizer({ secret: SECRET, rules: [...rules].reverse() }).sanitizer.event(event('x', { m: 'a@example.com' })), null);
  });
});

describe('privacy: payloads', () => {
  const MASK_ALL = { rules: [{ name: 'pii', detectors: ['email', 'phone'], action: 'mask' }] };

  it('leaves what holds nothing as the very same object, and changes no input in place', () => {
    const { sanitizer: s } = sanitizer(MASK_ALL);
    const clean = event('x', deepFreeze({ a: { b: ['2026-11-20T10:00:00Z', 42] } }));
    assert.equal(s.event(clean), clean);
    const data = deepFreeze({ keep: { a: 1 }, change: { note: 'jane@example.com' } });
    const out = s.event(event('x', data))!.data as typeof data;
    assert.equal(out.keep, data.keep);
    assert.notEqual(out.change, data.change);
    assert.equal(data.change.note, 'jane@example.com');
  });

  it('judges a value with toJSON by what it writes, and leaves it as it is when that holds nothing', () => {
    const { sanitizer: s } = sanitizer(MASK_ALL);
    const sneaky = { toJSON: () => ({ note: 'jane@example.com' }) };
    assert.deepEqual(s.message(message('t', { sneaky }))!.payload, { sneaky: { note: '*'.repeat(16) } });
    const when = new Date('2026-11-20T10:00:00Z');
    const data = { when };
    assert.equal(s.event(event('x', data))!.data, data);
  });

  it('replaces data in keys too', () => {
    const { sanitizer: s } = sanitizer(MASK_ALL);
    assert.deepEqual(s.event(event('x', { contacts: { 'jane@example.com': 'tenant', other: 1 } }))!.data, { contacts: { [`${'*'.repeat(16)}`]: 'tenant', other: 1 } });
  });

  it('reads JSON text as JSON: escaped characters are seen, numbers are left, the result is valid JSON', () => {
    const { sanitizer: s } = sanitizer({ rules: [...MASK_ALL.rules, { name: 'codes', regex: '\\d{4}', action: 'mask' }] });
    const text = '{"m":"jane\\u0040example.com","note":"code 1234\\n","n":56789}';
    const out = s.message(message('switchboard/homelink/P/state', text))!;
    assert.deepEqual(JSON.parse(out.payload as string), { m: '*'.repeat(16), note: 'code ****\n', n: 56789 });
  });

  it('scans JSON text without escapes as text, with the same result as scanning what it encodes', () => {
    const { sanitizer: s } = sanitizer(MASK_ALL);
    const value = { alerts: [{ description: 'Contact jane@example.com, +44 20 7946 0958', at: 1700000000000, id: '07700900123' }], 'b@example.com': true };
    const fromText = s.message(message('t', JSON.stringify(value)))!.payload as string;
    const fromValue = s.message(message('t', value))!.payload;
    assert.deepEqual(JSON.parse(fromText), fromValue);
    assert.equal(fromText.includes('@'), false);
  });

  it('leaves a number in JSON text whose digits look like a phone number as the number it is, as for the value', () => {
    const { sanitizer: s } = sanitizer(MASK_ALL);
    for (const value of [{ payload: 0.0000010000000000000002 }, { n: 447700900123, note: 'call 07700 900123' }]) {
      const fromText = s.message(message('t', JSON.stringify(value)))!.payload as string;
      assert.deepEqual(JSON.parse(fromText), s.message(message('t', value))!.payload);
    }
    assert.equal(s.message(message('t', '{"n":447700900123}'))!.payload, '{"n":447700900123}');
  });

  it('scans plain text and UTF-8 buffers; passes a payload that is not UTF-8 as it is and counts it', () => {
    const { sanitizer: s, tally } = sanitizer(MASK_ALL);
    assert.equal(s.message(message('t', 'call 07700 900123'))!.payload, `call ${'*'.repeat(12)}`);
    const buffer = s.message(message('t', Buffer.from('mail jane@example.com')))!.payload;
    assert.ok(Buffer.isBuffer(buffer));
    assert.equal(buffer.toString(), `mail ${'*'.repeat(16)}`);
    const binary = message('t', Buffer.from([0xff, 0xfe, 0x61, 0x40, 0x62]));
    assert.equal(s.message(binary), binary);
    assert.equal(tally.unscannedPayloads, 1);
  });

  it('does not scan an event\'s data again when the events output publishes it (the message carries the event), but does for a topic with more rules', () => {
    const { sanitizer: s } = sanitizer({ rules: [...MASK_ALL.rules, { name: 'ids', topics: ['elsewhere/#'], detectors: ['uuid'], action: 'mask' }] });
    let reads = 0;
    const data = new Proxy({ note: 'fine', id: '9e7b63b9-e752-4deb-aafb-b0a69259c1ca' }, {
      ownKeys(target) {
        reads++;
        return Reflect.ownKeys(target);
      },
    });
    const out = s.event(event('homelink_alert', data))!;
    assert.equal(out.data, data);
    const before = reads;
    const envelope = { event_type: 'homelink_alert', data: out.data, time_fired: out.time, origin: 'test' };
    assert.equal(s.message({ ...message('switchboard/events/homelink_alert', envelope), event: out })!.payload, envelope);
    assert.equal(reads, before, 'the events output\'s copy was not walked again');
    const other = s.event(event('homelink_alert', data))!;
    const unchecked = reads;
    s.message(message('switchboard/events/homelink_alert', { event_type: 'homelink_alert', data: other.data }));
    assert.ok(reads > unchecked, 'the same data in a message that does not carry the event is walked');
    assert.deepEqual(s.message(message('elsewhere/x', out.data))!.payload, { note: 'fine', id: '*'.repeat(36) });
  });
});
