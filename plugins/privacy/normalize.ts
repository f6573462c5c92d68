/**
 * Text as the detectors read it: written the way a person would read it rather than the way it was encoded, so
 * that `jane%40example.com`, `jane＠example.com`, `jane&#64;example.com`, `jane\u200b@example.com` and
 * `０７７００ ９００１２３` are found like their plain forms. Each character of the normal form knows the span of
 * the original it came from, so that what is found is replaced in the original, escapes included.
 */
export interface NormalText {
  /** The text in normal form (ASCII where the original had a compatibility form, an escape or another script's digit). */
  readonly text: string;
  /** Where the original span of normal character `i` starts; null when the normal form is the original. */
  readonly starts: Int32Array | null;
  /** Where the original span of normal character `i` ends (exclusive). */
  readonly ends: Int32Array | null;
}

// Characters that need no look: printable ASCII other than "%" and "&", tab and line breaks.
const PLAIN = /^[\t\n\r\x20-\x24\x27-\x7e]*$/;
const FORMAT = /^\p{Cf}$/u;
const SPACE = /^\p{Zs}$/u;
const DASH = /^[\p{Pd}\u2212]$/u;
const DIGIT = /^\p{Nd}$/u;

// The named HTML entities that spell the characters addresses and numbers are made of.
const ENTITIES: Readonly<Record<string, string>> = {
  commat: '@',
  plus: '+',
  period: '.',
  hyphen: '-',
  dash: '-',
  minus: '-',
  lpar: '(',
  rpar: ')',
  nbsp: ' ',
  lowbar: '_',
  num: '#',
};
// Longest entity and numeric reference looked at ("&#x10FFFF;", "&commat;"): anything longer is left as written.
const MAX_REFERENCE = 10;

/** Whether `text` is its own normal form: printable ASCII other than "%" and "&", tab and line breaks. */
export function isPlain(text: string): boolean {
  return PLAIN.test(text);
}

/** `text` in normal form; linear in its length. */
export function normalize(text: string): NormalText {
  if (PLAIN.test(text)) return { text, starts: null, ends: null };
  const n = text.length;
  let out = '';
  let starts = new Int32Array(n + 16);
  let ends = new Int32Array(n + 16);
  let k = 0;
  // Plain characters since `plain` are copied as one slice when something else comes.
  let plain = 0;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    let s: string | null = null;
    let to = i + 1;
    if (c === 0x25 /* % */) {
      const byte = percent(text, i);
      if (byte !== null) {
        s = String.fromCharCode(byte);
        to = i + 3;
      }
    } else if (c === 0x26 /* & */) {
      const ref = reference(text, i);
      if (ref !== null) {
        s = normalChar(ref.char);
        to = ref.end;
      }
    } else if (c >= 0x80) {
      const cp = text.codePointAt(i)!;
      to = i + (cp > 0xffff ? 2 : 1);
      s = normalChar(String.fromCodePoint(cp));
      if (s === text.slice(i, to)) s = null;
    }
    if (s === null) {
      if (k + to - i > starts.length) [starts, ends] = [grow(starts, k + to - i), grow(ends, k + to - i)];
      for (let j = i; j < to; j++, k++) {
        starts[k] = i;
        ends[k] = to;
      }
    } else {
      out += text.slice(plain, i) + s;
      plain = to;
      if (k + s.length > starts.length) [starts, ends] = [grow(starts, k + s.length), grow(ends, k + s.length)];
      for (let j = 0; j < s.length; j++, k++) {
        starts[k] = i;
        ends[k] = to;
      }
    }
    i = to;
  }
  out += text.slice(plain);
  return { text: out, starts: starts.subarray(0, k), ends: ends.subarray(0, k) };
}

function grow(array: Int32Array<ArrayBuffer>, least: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(least, array.length * 2));
  bigger.set(array);
  return bigger;
}

const cache = new Map<string, string>();
// Enough for the characters of a few scripts; beyond it the table starts again.
const CACHE_ENTRIES = 8192;

/** One character (code point) in normal form: "" for an invisible one. */
function normalChar(ch: string): string {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return ch;
  let normal = cache.get(ch);
  if (normal === undefined) {
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(ch, (normal = normalForm(ch)));
  }
  return normal;
}

function normalForm(ch: string): string {
  // Zero-width spaces and joiners, soft hyphens, direction marks; and U+FFFD, which stands for bytes that were not
  // text (a byte put into an address must not hide it).
  if (FORMAT.test(ch) || ch === '\ufffd') return '';
  if (SPACE.test(ch)) return ' ';
  if (DASH.test(ch)) return '-';
  if (DIGIT.test(ch)) return String(digitValue(ch.codePointAt(0)!));
  return ch.normalize('NFKC');
}

/** The value of a decimal digit of any script: Unicode gives each script's digits as ten code points in a row. */
function digitValue(cp: number): number {
  let zero = cp;
  while (cp - zero < 9 && DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  // Two scripts' digits side by side (as in the mathematical alphanumerics) run on for more than ten.
  return (cp - zero) % 10;
}

/** The printable ASCII character `%XX` at `i` encodes, or null. */
function percent(text: string, i: number): number | null {
  const hi = hex(text.charCodeAt(i + 1));
  const lo = hex(text.charCodeAt(i + 2));
  if (hi < 0 || lo < 0) return null;
  const byte = hi * 16 + lo;
  return byte >= 0x20 && byte < 0x7f ? byte : null;
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The character an HTML character reference at `i` (`&#64;`, `&#x40;`, `&commat;`) stands for, and where it ends. */
function reference(text: string, i: number): { char: string; end: number } | null {
  // Looked for within reach only, so that text full of "&" is still read in linear time.
  const semi = text.slice(i + 2, i + MAX_REFERENCE + 1).indexOf(';') + i + 2;
  if (semi < i + 2) return null;
  const body = text.slice(i + 1, semi);
  let cp: number;
  if (/^#[0-9]{1,7}$/.test(body)) cp = Number(body.slice(1));
  else if (/^#[xX][0-9A-Fa-f]{1,6}$/.test(body)) cp = parseInt(body.slice(2), 16);
  else {
    return Object.hasOwn(ENTITIES, body) ? { char: ENTITIES[body]!, end: semi + 1 } : null;
  }
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return { char: String.fromCodePoint(cp), end: semi + 1 };
}
