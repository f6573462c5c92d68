const ASCII = /^[\x00-\x7f]*$/;

/**
 * `value` with all but `keepStart` leading and `keepEnd` trailing characters replaced by `char`. At least
 * half of a value is always masked: a value shorter than twice what would be kept is masked wholly, so
 * that what is kept can neither give the value away nor be taken for data again. Counts characters, not
 * UTF-16 units, so that no half of a character is left.
 */
export function mask(value: string, keepStart: number, keepEnd: number, char: string): string {
  const chars = ASCII.test(value) ? null : Array.from(value);
  const n = chars ? chars.length : value.length;
  if (2 * (keepStart + keepEnd) > n) return char.repeat(n);
  const head = chars ? chars.slice(0, keepStart).join('') : value.slice(0, keepStart);
  const tail = chars ? chars.slice(n - keepEnd).join('') : value.slice(n - keepEnd);
  return head + char.repeat(n - keepStart - keepEnd) + tail;
}
