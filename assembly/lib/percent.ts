// Percent-decoding (RFC 3986 escapes, optionally form encoding's '+' for space) of untrusted
// text into a reused buffer, with strict UTF-8 validation of the result. Shared by the baggage
// and query-string decoders. Never aborts.

import { hexDigitValue } from "./ascii";
import { ByteScratch } from "./scratch";
import { isValidUtf8 } from "./utf8";
import { decodeBytes } from "./bytes-text";

// @ts-ignore: decorator
@inline function unit(base: usize, i: i32): u32 {
  return <u32>load<u16>(base + (<usize>i << 1));
}

// Decodes the UTF-16 units [start, end) of the string at `base` into UTF-8 bytes in `into`: %XX escapes become bytes, '+'
// becomes a space when `plusIsSpace`, other characters are UTF-8 encoded. Returns the byte count,
// or -1 on a bad escape, a lone surrogate, or (when `asciiOnly`) a non-ASCII character.
export function percentDecodeInto(base: usize, start: i32, end: i32, into: ByteScratch, plusIsSpace: bool, asciiOnly: bool): i32 {
  // Each UTF-16 unit becomes at most 3 bytes (a surrogate pair: 2 units, 4 bytes).
  const dst = into.reserve((end - start) * 3);
  let o: usize = 0;
  let i = start;
  while (i < end) {
    const c = unit(base, i);
    if (c == 0x25) {
      if (i + 2 >= end) return -1;
      const h = hexDigitValue(unit(base, i + 1));
      const l = hexDigitValue(unit(base, i + 2));
      if (h < 0 || l < 0) return -1;
      store<u8>(dst + o++, <u8>((h << 4) | l));
      i += 3;
      continue;
    }
    if (c >= 0x80 && asciiOnly) return -1;
    if (c < 0x80) {
      store<u8>(dst + o++, <u8>(c == 0x2b && plusIsSpace ? 0x20 : c));
    } else if (c < 0x800) {
      store<u8>(dst + o++, <u8>(0xc0 | (c >> 6)));
      store<u8>(dst + o++, <u8>(0x80 | (c & 0x3f)));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00 || i + 1 >= end) return -1;
      const d = unit(base, i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      store<u8>(dst + o++, <u8>(0xf0 | (cp >> 18)));
      store<u8>(dst + o++, <u8>(0x80 | ((cp >> 12) & 0x3f)));
      store<u8>(dst + o++, <u8>(0x80 | ((cp >> 6) & 0x3f)));
      store<u8>(dst + o++, <u8>(0x80 | (cp & 0x3f)));
      i++;
    } else {
      store<u8>(dst + o++, <u8>(0xe0 | (c >> 12)));
      store<u8>(dst + o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(dst + o++, <u8>(0x80 | (c & 0x3f)));
    }
    i++;
  }
  return <i32>o;
}

const scratch = new ByteScratch();

/** The decoded text of s[start, end), or null on a bad escape or invalid UTF-8 after decoding. */
export function percentDecodeRange(s: string, start: i32, end: i32, plusIsSpace: bool, asciiOnly: bool): string | null {
  const n = percentDecodeInto(changetype<usize>(s), start, end, scratch, plusIsSpace, asciiOnly);
  let result: string | null = null;
  if (n >= 0 && isValidUtf8(scratch.ptr, n)) result = decodeBytes(scratch.ptr, <usize>n); // valid UTF-8: plain text
  scratch.release();
  return result;
}
