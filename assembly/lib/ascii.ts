// ASCII-only helpers for protocol text (header names, host names, escapes). They avoid the
// standard library's Unicode case tables, which would add kilobytes to every plugin.

/** Lower-cases A-Z; every other character is kept. Returns `s` itself when nothing changes. */
export function asciiLower(s: string): string {
  const n = s.length;
  const src = changetype<usize>(s);
  let i = 0;
  while (i < n) {
    const c = load<u16>(src + (<usize>i << 1));
    if (c >= 65 && c <= 90) break;
    i++;
  }
  if (i == n) return s;
  // One allocation: the result string, written in place.
  const out = changetype<string>(__new(<usize>n << 1, idof<string>()));
  const dst = changetype<usize>(out);
  memory.copy(dst, src, <usize>i << 1);
  for (; i < n; i++) {
    const c = load<u16>(src + (<usize>i << 1));
    store<u16>(dst + (<usize>i << 1), c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

/** True when `s` has a control character (below 0x20, or DEL); HTAB passes when `allowTab`. */
export function hasControlChars(s: string, allowTab: bool = false): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c == 0x09)) || c == 0x7f) return true;
  }
  return false;
}

/** Value of a hex digit (0-9, a-f, A-F), or -1. */
// @ts-ignore: decorator
@inline export function hexDigitValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** HTTP optional whitespace: space or horizontal tab. */
// @ts-ignore: decorator
@inline export function isOws(c: u32): bool {
  return c == 0x20 || c == 0x09;
}

/** Longest decimal text read as a number: 15 digits are always exact in an f64. */
const MAX_DECIMAL_DIGITS = 15;

/** "-?[0-9]{1,15}" as a number; NaN for anything else (signs other than a leading "-", spaces, dots). */
export function decimalValue(s: string): f64 {
  const negative = s.startsWith("-");
  const start = negative ? 1 : 0;
  const digits = s.length - start;
  if (digits < 1 || digits > MAX_DECIMAL_DIGITS) return NaN;
  let v: f64 = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NaN;
    v = v * 10 + <f64>(c - 0x30);
  }
  return negative ? -v : v;
}

/** 1 to `max` characters of A-Z a-z 0-9 _ - (names that become metric names or storage keys). */
export function isPlainName(s: string, max: i32): bool {
  if (s.length == 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45;
    if (!ok) return false;
  }
  return true;
}
