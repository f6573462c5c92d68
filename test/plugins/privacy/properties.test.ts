import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyedHash } from '../../../plugins/privacy/keyed-hash.js';
import { event, message, sanitizer, SECRET } from './support.js';

// Generated payloads: JSON values whose strings (values and keys) may carry personal data somewhere
// inside longer text, next to unicode, in nested objects and arrays. Each generated value remembers the
// data it carries, so that a property can look for it in what comes out.

interface Carrying {
  value: unknown;
  pii: string[];
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const separator = fc.constantFrom(' ', '-', '.', '');

const phone = fc.oneof(
  // +<country> <groups>, e.g. +44 20 7946 0958, +1-202-555-0143
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.array(digits(2, 4), { minLength: 2, maxLength: 4 }), separator)
    .map(([cc, groups, sep]) => `+${cc}${sep || ' '}${groups.join(sep)}`)
    .filter((number) => number.replace(/\D/g, '').length >= 8),
  // 07700 900123, 020 7946 0958
  fc.tuple(digits(3, 4), digits(6, 6), fc.constantFrom(' ', '-', '')).map(([area, number, sep]) => `0${area}${sep}${number}`),
  // (020) 7946 0958
  fc.tuple(digits(2, 3), digits(4, 4), digits(4, 4)).map(([area, a, b]) => `(0${area}) ${a} ${b}`),
  // (202) 555-0143
  fc.tuple(fc.integer({ min: 200, max: 999 }), digits(3, 3), digits(4, 4)).map(([area, a, b]) => `(${area}) ${a}-${b}`),
);
const email = fc.tuple(fc.emailAddress(), fc.boolean()).map(([address, upper]) => (upper ? address.toUpperCase() : address));
const pii = fc.oneof(email, phone, fc.uuid(), fc.ipV4(), fc.ipV6().filter((ip) => ip !== '::'));

// Text around the data: anything, unicode included; next to the data, a space or punctuation, or a letter
// that is not ASCII (which a detector may take as part of the match, but never leaves the data whole).
const filler = fc.string({ unit: 'grapheme', maxLength: 12 });
const edge = fc.constantFrom(' ', '\n', ', ', '; ', ' (', ') ', ' «', '» ', '、', 'é', 'ß', '日本', 'Ж', ' 🙂 ');
const text: fc.Arbitrary<Carrying> = fc
  .tuple(filler, edge, pii, edge, filler)
  .map(([before, left, data, right, after]) => ({ value: `${before}${left}${data}${right}${after}`, pii: [data] }));
const plain: fc.Arbitrary<Carrying> = fc.oneof(filler, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)).map((value) => ({ value, pii: [] }));

const { tree } = fc.letrec<{ tree: Carrying; leaf: Carrying; array: Carrying; object: Carrying }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object')),
  leaf: fc.oneof(text, plain),
  array: fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ value: items.map((i) => i.value), pii: items.flatMap((i) => i.pii) })),
  object: fc.array(fc.tuple(fc.oneof(filler.map((value) => ({ value, pii: [] as string[] })), text), tie('tree')), { maxLength: 4 }).map((entries) => {
    const value: Record<string, unknown> = {};
    const carried: string[] = [];
    for (const [key, item] of entries) {
      if (Object.hasOwn(value, key.value as string)) continue; // a repeated key would replace what the first one carries
      // Defined rather than assigned, so that a generated "__proto__" is a key like any other.
      Object.defineProperty(value, key.value as string, { value: item.value, enumerable: true, writable: true, configurable: true });
      carried.push(...key.pii, ...item.pii);
    }
    return { value, pii: carried };
  }),
}));
const payload = fc.record({ root: tree }).map(({ root }) => ({ value: { payload: root.value }, pii: root.pii }));

const ALL = ['email', 'phone', 'uuid', 'ipv4', 'ipv6'];
const maskRule = fc.record({
  detectors: fc.constant(ALL),
  action: fc.constant('mask'),
  keepStart: fc.integer({ min: 0, max: 3 }),
  keepEnd: fc.integer({ min: 0, max: 3 }),
  maskChar: fc.constantFrom('*', '#', 'x', '•'),
});
const rules = fc.oneof(fc.constant([{ detectors: ALL, action: 'hash' }]), maskRule.map((r) => [r]), maskRule.map((r) => [{ detectors: ['email'], action: 'hash' }, r]));

function leaks(out: unknown, carried: string[]): string[] {
  const text = typeof out === 'string' ? out : JSON.stringify(out);
  return carried.filter((data) => text.includes(data));
}

describe('privacy: properties', function () {
  this.timeout(30000);

  it('lets no generated email, phone number, id or address out whole, as an event, an object or JSON text', () => {
    fc.assert(
      fc.property(payload, rules, (generated, r) => {
        const { sanitizer: s } = sanitizer({ secret: SECRET, rules: r });
        const { value, pii: carried } = generated;
        const fromEvent = s.event(event('homelink_notification', value))!.data;
        const fromObject = s.message(message('switchboard/homelink/P/state', value))!.payload;
        const fromText = s.message(message('switchboard/homelink/P/state', JSON.stringify(value)))!.payload;
        assert.deepEqual(leaks(fromEvent, carried), []);
        assert.deepEqual(leaks(fromObject, carried), []);
        assert.deepEqual(leaks(fromText, carried), []);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result scanning JSON text as scanning what it encodes', () => {
    fc.assert(
      fc.property(payload, rules, (generated, r) => {
        const { sanitizer: s } = sanitizer({ secret: SECRET, rules: r });
        const fromText = s.message(message('t', JSON.stringify(generated.value)))!.payload as string;
        const fromObject = s.message(message('t', generated.value))!.payload;
        assert.deepEqual(JSON.parse(fromText), JSON.parse(JSON.stringify(fromObject)));
      }),
      { numRuns: 200 },
    );
  });

  it('sanitizing twice gives what sanitizing once gives', () => {
    fc.assert(
      fc.property(payload, rules, (generated, r) => {
        const { sanitizer: s } = sanitizer({ secret: SECRET, rules: r });
        const once = s.event(event('x', generated.value))!.data;
        const twice = s.event(event('x', once))!.data;
        assert.deepEqual(twice, once);
        const text = JSON.stringify(generated.value);
        const textOnce = s.message(message('t', text))!.payload as string;
        assert.equal(s.message(message('t', textOnce))!.payload, textOnce);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes deterministically per secret: the same token again (and after a restart), another with another secret', () => {
    const secret = fc.string({ minLength: 16, maxLength: 40 });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), secret, secret, fc.integer({ min: 8, max: 64 }), (value, k1, k2, length) => {
        fc.pre(k1 !== k2);
        const first = new KeyedHash(k1, length);
        assert.equal(first.token(value), first.token(value));
        assert.equal(new KeyedHash(k1, length).token(value), first.token(value));
        assert.notEqual(new KeyedHash(k2, length).token(value), first.token(value));
        assert.match(first.token(value), new RegExp(`^pii_[0-9a-f]{${length}}$`));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(payload.filter((p) => p.pii.length > 0), secret, secret, (generated, k1, k2) => {
        fc.pre(k1 !== k2);
        const hashAll = [{ detectors: ALL, action: 'hash' }];
        const a = sanitizer({ secret: k1, rules: hashAll }).sanitizer.event(event('x', generated.value))!.data;
        const again = sanitizer({ secret: k1, rules: hashAll }).sanitizer.event(event('x', generated.value))!.data;
        const b = sanitizer({ secret: k2, rules: hashAll }).sanitizer.event(event('x', generated.value))!.data;
        assert.deepEqual(again, a);
        assert.notDeepEqual(b, a);
      }),
      { numRuns: 100 },
    );
  });

  it('returns a payload with nothing to replace as the very same object', () => {
    const safe = fc.string({ unit: fc.constantFrom(...'abcXYZ éßЖ日本語,;!?()[]{}_ \n'.split('')), maxLength: 20 });
    const { clean } = fc.letrec<{ clean: unknown }>((tie) => ({
      clean: fc.oneof({ depthSize: 'small' }, safe, fc.integer(), fc.boolean(), fc.array(tie('clean'), { maxLength: 3 }), fc.dictionary(safe, tie('clean'), { maxKeys: 3 })),
    }));
    const { sanitizer: s } = sanitizer({ secret: SECRET, rules: [{ detectors: ALL, action: 'hash' }] });
    fc.assert(
      fc.property(clean, (value) => {
        const e = event('x', value);
        assert.equal(s.event(e), e);
        const m = message('t', value);
        assert.equal(s.message(m), m);
      }),
      { numRuns: 200 },
    );
  });
});
