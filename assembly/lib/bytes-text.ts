// Strings that carry bytes. Header values (and the other strings the host hands us) are bytes, not
// always UTF-8. They are decoded the way Python's "surrogateescape" does: valid UTF-8 becomes text,
// and every other byte 0x80-0xFF (overlong forms, encoded surrogates, code points above U+10FFFF,
// truncated sequences, stray continuation bytes, 0xC0/0xC1/0xF5-0xFF) becomes the lone code unit
// U+DC00 + byte. Encoding is the inverse: a lone U+DC80..U+DCFF becomes its byte, other text becomes
// UTF-8 (any other lone surrogate, which only a plugin-built string can hold, becomes U+FFFD).
// So a value read and written back reaches the host byte for byte, nothing is "repaired", and text
// comparisons with configuration strings still work.

import { TextBuilder } from "./text-builder";

const ESCAPE: u32 = 0xdc00;

/** Decodes the bytes [ptr, ptr + len) (see the top of the file). Never aborts. */
export function decodeBytes(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const out = changetype<usize>(__new(len << 1, idof<string>())); // at most one unit per byte
  const end = ptr + len;
  let src = ptr;
  let dst = out;
  while (src < end) {
    // ASCII, four bytes at a time (most header values are ASCII).
    while (src + 4 <= end) {
      const w = <u64>load<u32>(src);
      if ((w & 0x80808080) != 0) break;
      store<u64>(dst, (w & 0xff) | ((w & 0xff00) << 8) | ((w & 0xff0000) << 16) | ((w & 0xff000000) << 24));
      src += 4;
      dst += 8;
    }
    if (src >= end) break;
    const b0 = <u32>load<u8>(src);
    if (b0 < 0x80) {
      store<u16>(dst, <u16>b0);
      src++;
      dst += 2;
      continue;
    }
    // Shortest-form UTF-8 only (RFC 3629): the allowed range of the second byte depends on the first.
    let need: u32 = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 == 0xe0) lo = 0xa0; // overlong
      else if (b0 == 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 == 0xf0) lo = 0x90; // overlong
      else if (b0 == 0xf4) hi = 0x8f; // above U+10FFFF
    }
    let ok = need > 0 && end - src > <usize>need;
    if (ok) {
      const b1 = <u32>load<u8>(src, 1);
      ok = b1 >= lo && b1 <= hi;
      for (let k: u32 = 2; ok && k <= need; k++) ok = (<u32>load<u8>(src + k) & 0xc0) == 0x80;
    }
    if (!ok) {
      // Only this byte is escaped; the ones after it are looked at afresh.
      store<u16>(dst, <u16>(ESCAPE + b0));
      src++;
      dst += 2;
      continue;
    }
    let cp: u32 = b0 & (0x3f >> need);
    for (let k: u32 = 1; k <= need; k++) cp = (cp << 6) | (<u32>load<u8>(src + k) & 0x3f);
    src += <usize>need + 1;
    if (cp < 0x10000) {
      store<u16>(dst, <u16>cp);
      dst += 2;
    } else {
      cp -= 0x10000;
      store<u16>(dst, <u16>(0xd800 | (cp >> 10)));
      store<u16>(dst, <u16>(0xdc00 | (cp & 0x3ff)), 2);
      dst += 4;
    }
  }
  // One unit per byte (ASCII, escapes): the string already has its length.
  return changetype<string>(dst - out == len << 1 ? out : __renew(out, dst - out));
}

/**
 * Bytes that encoding the unit at index i of the string at `p` (n units) produces: a surrogate pair
 * counts 2 + 2, an escape (lone U+DC80..U+DCFF) 1, any other lone surrogate 3 (U+FFFD).
 */
export function encodedUnitLength(p: usize, i: i32, n: i32): i32 {
  const c = <u32>load<u16>(p + (<usize>i << 1));
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c < 0xd800 || c > 0xdfff) return 3;
  if (c < 0xdc00) return i + 1 < n && (<u32>load<u16>(p + (<usize>(i + 1) << 1)) & 0xfc00) == 0xdc00 ? 2 : 3;
  if (i > 0 && (<u32>load<u16>(p + (<usize>(i - 1) << 1)) & 0xfc00) == 0xd800) return 2;
  return c >= 0xdc80 && c <= 0xdcff ? 1 : 3;
}

/** Bytes encodeBytesInto writes for s. */
export function encodedLength(s: string): i32 {
  const p = changetype<usize>(s);
  const n = s.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += encodedUnitLength(p, i, n);
  return bytes;
}

/** Encodes s at dst, which must have room for s.length * 3 bytes; returns the bytes written. */
export function encodeBytesInto(s: string, dst: usize): usize {
  const p = changetype<usize>(s);
  const n = <usize>s.length;
  let o = dst;
  let i: usize = 0;
  while (i < n) {
    // ASCII, four units at a time.
    while (i + 4 <= n) {
      const w = load<u64>(p + (i << 1));
      if ((w & 0xff80ff80ff80ff80) != 0) break;
      store<u32>(o, <u32>((w & 0xff) | ((w >> 8) & 0xff00) | ((w >> 16) & 0xff0000) | ((w >> 24) & 0xff000000)));
      i += 4;
      o += 4;
    }
    if (i >= n) break;
    const c = <u32>load<u16>(p + (i << 1));
    i++;
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o, <u8>(0xc0 | (c >> 6)));
      store<u8>(o, <u8>(0x80 | (c & 0x3f)), 1);
      o += 2;
    } else if (c < 0xd800 || c > 0xdfff) {
      o = put3(o, c);
    } else if (c < 0xdc00 && i < n && (<u32>load<u16>(p + (i << 1)) & 0xfc00) == 0xdc00) {
      const cp = 0x10000 + (((c & 0x3ff) << 10) | (<u32>load<u16>(p + (i << 1)) & 0x3ff));
      i++;
      store<u8>(o, <u8>(0xf0 | (cp >> 18)));
      store<u8>(o, <u8>(0x80 | ((cp >> 12) & 0x3f)), 1);
      store<u8>(o, <u8>(0x80 | ((cp >> 6) & 0x3f)), 2);
      store<u8>(o, <u8>(0x80 | (cp & 0x3f)), 3);
      o += 4;
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      store<u8>(o++, <u8>(c - ESCAPE)); // an escaped byte goes back as it came
    } else {
      o = put3(o, 0xfffd);
    }
  }
  return o - dst;
}

// @ts-ignore: decorator
@inline function put3(o: usize, c: u32): usize {
  store<u8>(o, <u8>(0xe0 | (c >> 12)));
  store<u8>(o, <u8>(0x80 | ((c >> 6) & 0x3f)), 1);
  store<u8>(o, <u8>(0x80 | (c & 0x3f)), 2);
  return o + 3;
}

/** s encoded into a new buffer of exactly its length. */
export function encodeBytes(s: string): ArrayBuffer {
  const out = new ArrayBuffer(encodedLength(s));
  encodeBytesInto(s, changetype<usize>(out));
  return out;
}

/**
 * `s` as text whose encoding is valid UTF-8: each escaped byte (one that was not UTF-8) becomes
 * "%XX". For protocols that refuse other bytes in a string (a protobuf `string` read by Go).
 * Returns `s` itself when it has no escaped byte.
 */
export function escapedBytesAsPercent(s: string): string {
  const n = s.length;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (isEscapeAt(s, i)) { first = i; break; }
  }
  if (first < 0) return s;
  // Built in linear time: `out += ...` per character copied the whole string each time, and nothing is
  // collected inside a callback (a 10 KiB header value took 128 MiB, a 60 KiB one would trap).
  const out = new TextBuilder(n + 16);
  out.pushRange(s, 0, first);
  for (let i = first; i < n; i++) {
    const c = <u32>s.charCodeAt(i);
    if (!isEscapeAt(s, i)) { out.push(c); continue; }
    const b = c - ESCAPE;
    out.push(0x25); // %
    out.push(<u32>HEX.charCodeAt(b >> 4));
    out.push(<u32>HEX.charCodeAt(b & 15));
  }
  return out.toString();
}

const HEX = "0123456789ABCDEF";

/** An escaped byte: a lone U+DC80..U+DCFF (not the low half of a surrogate pair). */
function isEscapeAt(s: string, i: i32): bool {
  const c = <u32>s.charCodeAt(i);
  if (c < 0xdc80 || c > 0xdcff) return false;
  return i == 0 || (<u32>s.charCodeAt(i - 1) & 0xfc00) != 0xd800;
}
