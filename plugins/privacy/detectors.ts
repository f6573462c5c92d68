import { isIPv6 } from 'node:net';

// The built-in detectors: what personal data looks like inside free text. Each is written to overmatch
// rather than miss (a letter next to an address is taken as part of it), to leave dates, times and
// serials alone, and to read a long string in linear time. They read text in normal form (normalize.ts).

export const DETECTORS = ['email', 'phone', 'uuid', 'ipv4', 'ipv6'] as const;
export type DetectorName = (typeof DETECTORS)[number];

const EMAIL_LOCAL = "\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~.\\-";
const EMAIL_DOMAIN = '\\p{L}\\p{M}\\p{N}\\-';
const EMAIL = `(?<![${EMAIL_LOCAL}])[${EMAIL_LOCAL}]+@[${EMAIL_DOMAIN}]+(?:\\.[${EMAIL_DOMAIN}]+)*\\.[\\p{L}\\p{M}]{2,}`;

const UUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_BARE = `${OCTET}(?:\\.${OCTET}){3}`;
const IPV4 = `(?<![\\w.])${IPV4_BARE}(?!\\w|\\.\\d)`;

// Hex groups and colons, perhaps ending in an IPv4 address; the match is then validated (see acceptIpv6).
const IPV6 = '(?<![\\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\\.\\d{1,3}){0,3}';

/** Fewest digits a phone number has in each form (the international form counts the country code). */
export const MIN_PHONE_DIGITS = { international: 7, national: 8, glued: 10 };

/** A match: where it starts and ends (exclusive) in the text. */
export type Span = readonly [start: number, end: number];

/** A built-in detector. */
export interface Detector {
  /** The first match at or after `from`, or null. Repeated calls over a text take time linear in its length. */
  find(text: string, from: number): Span | null;
  /** A test much cheaper than `find` that text failing it cannot match (where there is one). */
  readonly maybe?: (text: string) => boolean;
}

/** A detector from an expression (flag `u`), with what of one of its matches is really data (`accept`: how many leading characters). */
function expression(source: string, maybe?: (text: string) => boolean, accept?: (match: string, next: string) => number): Detector {
  const regex = new RegExp(source, 'gu');
  return {
    maybe,
    find(text, from) {
      for (let at = from; at <= text.length; ) {
        regex.lastIndex = at;
        const m = regex.exec(text);
        if (m === null) return null;
        const n = accept ? accept(m[0], text.charAt(m.index + m[0].length)) : m[0].length;
        if (n > 0) return [m.index, m.index + n];
        at = m.index + Math.max(m[0].length, 1);
      }
      return null;
    },
  };
}

export const DETECTOR_DEFS: Readonly<Record<DetectorName, Detector>> = {
  email: expression(EMAIL, (text) => text.includes('@')),
  phone: { find: findPhone },
  uuid: expression(UUID, (text) => text.length >= 36 && text.includes('-')),
  ipv4: expression(IPV4, (text) => text.length >= 7 && text.includes('.')),
  ipv6: expression(IPV6, (text) => text.includes(':', text.indexOf(':') + 1), acceptIpv6), // two colons
};

const WORD = /\w/;

/**
 * The longest valid IPv6 address `match` starts with that does not run on into a word (trailing colons
 * and dots belong to the text: "fe80::1: unreachable"). The bare "::" names no one and is left.
 */
function acceptIpv6(match: string, next: string): number {
  for (let n = match.length; n > 2; n--) {
    const after = n === match.length ? next : match[n]!;
    if (!WORD.test(after) && isIPv6(match.slice(0, n))) return n;
  }
  return 0;
}

/**
 * The form a match is hashed in, so that the same address or number written differently maps to the
 * same token: emails, UUIDs and IPv6 addresses in lower case, phone numbers as "+" and digits only.
 */
export function canonical(kind: DetectorName | 'regex', match: string): string {
  switch (kind) {
    case 'email':
    case 'uuid':
    case 'ipv6':
      return match.toLowerCase();
    case 'phone':
      // "(0)" is the trunk prefix, dialled only from inside the country: +44 (0)20 is +44 20, and (0)20 is 020.
      return (match.startsWith('+') ? match.replace('(0)', '') : match).replace(/[^+\d]/g, '');
    default:
      return match;
  }
}

/** A run of digits in a number-like run, with the parentheses around it and the separator before it. */
interface Group {
  /** Where it starts: its "(" or first digit. */
  readonly start: number;
  /** Where its digits start. */
  readonly digitsAt: number;
  readonly digits: number;
  /** Where it ends, after its ")" if it has one. */
  readonly end: number;
  readonly open: boolean;
  /** The separator before it (" ", ".", "-"), or "" when it follows the one before directly (as "(0)20" does). */
  readonly sep: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSep = (c: number): boolean => c === 32 || c === 46 || c === 45; // space . -
// ASCII word characters, as `\w` is: a letter of another script next to a number does not make it part of a word.
const isWordChar = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Phone numbers: +44 20 7946 0958, +44 (0)20 7946 0958, +1-202-555-0143, +447700900123 (a "+", a country code,
 * at least 7 digits in all); 07700 900123, (020) 7946 0958, (0)7700 900150, 01 23 45 67 89 (a leading 0, at
 * least 8 digits; not a date such as 01.02.2026); (202) 555-0143, 1-202-555-0143 (North American); and a national
 * number of at least 10 digits glued to a word by "-" or "_" (tenant-07700900153). A number runs over digits
 * and single separators (space, ".", "-") and parentheses, and is taken whole; it starts at a boundary (not
 * inside a word, an id or a decimal) and is not followed by more of a word ("0123-45ab" is an id).
 *
 * Written as a scan rather than an expression: each character is read a bounded number of times, so that no
 * text (250 KB of " +" and digits) makes it slow.
 */
export function findPhone(text: string, from: number): Span | null {
  const n = text.length;
  for (let i = from; i < n; ) {
    const c = text.charCodeAt(i);
    const startsRun = isDigit(c) || ((c === 43 /* + */ || c === 40) /* ( */ && isDigit(text.charCodeAt(i + 1)));
    if (!startsRun) {
      i++;
      continue;
    }
    const plus = c === 43;
    const groups = runOf(text, plus ? i + 1 : i);
    const runEnd = groups.length > 0 ? groups[groups.length - 1]!.end : i + 1;
    const found = phoneIn(text, i, plus, groups);
    if (found) return found;
    i = runEnd;
  }
  return null;
}

/** The groups of the number-like run at `at`: digits, each perhaps in parentheses, with at most one separator between two. */
function runOf(text: string, at: number): Group[] {
  const groups: Group[] = [];
  let pos = at;
  let sep = '';
  for (;;) {
    const start = pos;
    const open = text.charCodeAt(pos) === 40;
    if (open) pos++;
    const digitsAt = pos;
    while (isDigit(text.charCodeAt(pos))) pos++;
    const digits = pos - digitsAt;
    if (digits === 0) return groups; // "(" without a digit after it
    const close = text.charCodeAt(pos) === 41;
    if (close) pos++;
    groups.push({ start, digitsAt, digits, end: pos, open, sep });
    const c = text.charCodeAt(pos);
    const next = text.charCodeAt(pos + 1);
    if (isSep(c) && (isDigit(next) || (next === 40 && isDigit(text.charCodeAt(pos + 2))))) {
      sep = text[pos]!;
      pos++;
    } else if ((c === 40 && isDigit(next)) || (close && isDigit(c))) {
      sep = '';
    } else {
      return groups;
    }
  }
}

/** The phone number in a run, from its first group that starts one to the end of the run, or null. */
function phoneIn(text: string, at: number, plus: boolean, all: readonly Group[]): Span | null {
  // Not followed by more of a word, an address or an id: groups glued to what follows are not part of a number.
  let k = all.length;
  while (k > 0 && !endsNumber(text, all[k - 1]!.end)) k--;
  if (k === 0) return null;
  const groups = all.slice(0, k);
  const end = groups[k - 1]!.end;
  let digitsAfter = 0;
  for (const g of groups) digitsAfter += g.digits;
  for (let j = 0; j < k; j++) {
    const g = groups[j]!;
    const start = j === 0 && plus ? at : g.start;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    if (j === 0 && plus) {
      if (text.charCodeAt(g.digitsAt) !== 48 && !isWordChar(before) && before !== 43 && digitsAfter >= MIN_PHONE_DIGITS.international) return [start, end];
    } else if (text.charCodeAt(g.digitsAt) === 48) {
      if (!isDate(text, groups, j)) {
        if (atBoundary(before) && digitsAfter >= MIN_PHONE_DIGITS.national) return [start, end];
        if (glued(text, start) && digitsAfter >= MIN_PHONE_DIGITS.glued) return [start, end];
      }
    } else if (atBoundary(before) && isNorthAmerican(text, groups, j)) {
      return [start, end];
    }
    digitsAfter -= g.digits;
  }
  return null;
}

/** Whether a number may start after this character: not inside a word, an id, a decimal or after a "+". */
function atBoundary(before: number): boolean {
  return !isWordChar(before) && before !== 43 && before !== 46 && before !== 45;
}

/** A number glued to a word by "-" or "_" (tenant-07700900153). */
function glued(text: string, start: number): boolean {
  const sep = text.charCodeAt(start - 1);
  if (!((sep === 45 || sep === 95) && isLetter(text.charCodeAt(start - 2)))) return false;
  // A word ("tenant-0770…"), not a hex group of an id such as a UUID's "9a3b-000000000002". Looking back
  // at most 64 characters keeps the scan linear.
  for (let p = start - 3, seen = 0; p >= 0 && seen < 64; p--, seen++) {
    const c = text.charCodeAt(p);
    if (isDigit(c)) return false;
    if (!isWordChar(c)) break;
  }
  return true;
}

/** Whether a number may end before `end`: not followed by a word character, "@", or "." or "-" and a word character. */
function endsNumber(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  if (isWordChar(c) || c === 64) return false;
  return !((c === 46 || c === 45) && isWordChar(text.charCodeAt(end + 1)));
}

/** A date at group `j`: 01.02.2026, 01-2-26. */
function isDate(text: string, groups: readonly Group[], j: number): boolean {
  const day = groups[j]!;
  const month = groups[j + 1];
  const year = groups[j + 2];
  if (!month || !year || day.open || day.digits !== 2) return false;
  const dateSep = (g: Group) => g.sep === '.' || g.sep === '-';
  const monthOk = month.digits === 1 || (month.digits === 2 && text.charCodeAt(month.digitsAt) <= 49);
  return dateSep(month) && dateSep(year) && monthOk && year.digits >= 2 && year.digits <= 4;
}

/** (202) 555-0143, 202-555-0143, 202555-0143, 1-202-555-0143, 1(202) 555-0143 at group `j`. */
function isNorthAmerican(text: string, groups: readonly Group[], j: number): boolean {
  let g = j;
  if (groups[g]!.digits === 1 && text.charCodeAt(groups[g]!.digitsAt) === 49) g++;
  const area = groups[g];
  if (!area || text.charCodeAt(area.digitsAt) < 50) return false;
  if (area.digits === 6 && !area.open) return lastFour(groups[g + 1]);
  const exchange = groups[g + 1];
  return area.digits === 3 && exchange !== undefined && exchange.digits === 3 && !exchange.open && lastFour(groups[g + 2]);
}

function lastFour(g: Group | undefined): boolean {
  return g !== undefined && g.digits === 4 && g.sep !== '' && !g.open;
}
