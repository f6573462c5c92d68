import { isIPv6 } from 'node:net';

// The built-in detectors: what personal data looks like inside free text. Each is written to overmatch
// rather than miss (a letter next to an address is taken as part of it), to leave dates, times and
// serials alone, and to start only at a boundary so that a long string is scanned in linear time.

export const DETECTORS = ['email', 'phone', 'uuid', 'ipv4', 'ipv6'] as const;
export type DetectorName = (typeof DETECTORS)[number];

const EMAIL_LOCAL = "\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~.\\-";
const EMAIL_DOMAIN = '\\p{L}\\p{M}\\p{N}\\-';
const EMAIL = `(?<![${EMAIL_LOCAL}])[${EMAIL_LOCAL}]+@[${EMAIL_DOMAIN}]+(?:\\.[${EMAIL_DOMAIN}]+)*\\.[\\p{L}\\p{M}]{2,}`;

// Not followed by more of a word, an address or an id ("0123-45ab" is part of a UUID).
const PHONE_END = '(?![\\w@]|[.\\-]\\w)';
// +44 20 7946 0958, +44 (0)20 7946 0958, +1-202-555-0143, +49 30 901820, +447700900123
const PHONE_INTERNATIONAL = `(?<![\\w+])\\+[1-9]\\d{0,2}(?:[ .\\-]?\\(0\\))?(?:[ .\\-]?\\(?\\d{1,5}\\)?){1,6}${PHONE_END}`;
// 07700 900123, (020) 7946 0958, 030 901820, 01 23 45 67 89; not a date such as 01.02.2026
const PHONE_NATIONAL = `(?<![\\w+.\\-])(?!0\\d[./\\-][01]?\\d[./\\-]\\d{2,4}(?!\\d))(?:\\(0\\d{1,4}\\)|0\\d{1,4})(?:[ .\\-]?\\d{2,5}){1,5}${PHONE_END}`;
// (202) 555-0143, 202-555-0143, 1-202-555-0143
const PHONE_NANP = `(?<![\\w+.\\-])(?:1[ .\\-])?(?:\\([2-9]\\d{2}\\)|[2-9]\\d{2})[ .\\-]?\\d{3}[ .\\-]\\d{4}${PHONE_END}`;
const PHONE = `${PHONE_INTERNATIONAL}|${PHONE_NATIONAL}|${PHONE_NANP}`;

const UUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_BARE = `${OCTET}(?:\\.${OCTET}){3}`;
const IPV4 = `(?<![\\w.])${IPV4_BARE}(?!\\w|\\.\\d)`;

// Hex groups and colons, perhaps ending in an IPv4 address; the match is then validated (see acceptIpv6).
const IPV6 = '(?<![\\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\\.\\d{1,3}){0,3}';

/** Fewest digits a phone number has in each form (international forms count the country code). */
const MIN_PHONE_DIGITS = { international: 7, national: 8 };

/** A built-in detector: an expression, and what of one of its matches is really data. */
export interface Detector {
  /** Regular-expression source (flag `u`), without capturing groups. */
  readonly source: string;
  /** A test much cheaper than the expression that text failing it cannot match (where there is one). */
  readonly maybe?: (text: string) => boolean;
  /** How many leading characters of `match` to act on (0: none), given the character after it. */
  readonly accept?: (match: string, next: string) => number;
}

export const DETECTOR_DEFS: Readonly<Record<DetectorName, Detector>> = {
  email: { source: EMAIL, maybe: (text) => text.includes('@') },
  phone: { source: PHONE, accept: (match) => (isPhone(match) ? match.length : 0) },
  uuid: { source: UUID, maybe: (text) => text.length >= 36 && text.includes('-') },
  ipv4: { source: IPV4, maybe: (text) => text.length >= 7 && text.includes('.') },
  ipv6: { source: IPV6, maybe: (text) => text.includes(':', text.indexOf(':') + 1), accept: acceptIpv6 }, // two colons
};

/** Whether a phone-shaped match has enough digits to be a number someone can be called on. */
export function isPhone(match: string): boolean {
  let digits = 0;
  for (let i = 0; i < match.length; i++) {
    const c = match.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits >= (match.charCodeAt(0) === 43 ? MIN_PHONE_DIGITS.international : MIN_PHONE_DIGITS.national);
}

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
      return match.replace('(0)', '').replace(/[^+\d]/g, '');
    default:
      return match;
  }
}
