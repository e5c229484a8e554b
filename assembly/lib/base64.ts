// Base64 (RFC 4648 §4) and base64url (§5) codecs.
//
// These decode attacker-controlled text (JWT segments, sw8-correlation), so every decoder returns null
// on bad input instead of aborting, and all memory access happens after explicit bounds checks.
//
// Strictness (same for both alphabets): no whitespace, no characters of the other alphabet, and the
// unused low bits of the last symbol must be zero. That makes the encoding canonical: one byte string
// has exactly one accepted text form (per padding choice), so two tokens that differ only in their
// trailing bits cannot both verify.

// 256-entry lookup tables: symbol value 0..63, or 0xFF for "not in this alphabet".
// Built at compile time in static memory, so decoding allocates nothing but its output.
// prettier-ignore
import { ByteScratch } from "./scratch";
import { encodeBytes } from "./bytes-text";

const STD_TABLE: usize = memory.data<u8>([
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255, 62,255,255,255, 63,
   52, 53, 54, 55, 56, 57, 58, 59, 60, 61,255,255,255,255,255,255,
  255,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
   15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,255,255,255,255,255,
  255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
   41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,255,255,255,255,255,
]);
// prettier-ignore
const URL_TABLE: usize = memory.data<u8>([
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255, 62,255,255,
   52, 53, 54, 55, 56, 57, 58, 59, 60, 61,255,255,255,255,255,255,
  255,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
   15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,255,255,255,255, 63,
  255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
   41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,255,255,255,255,255,
]);

const STD_ALPHABET: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
  119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);
const URL_ALPHABET: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118,
  119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 45, 95,
]);

const PAD: u32 = 0x3d; // '='

// ---------------------------------------------------------------------------------------------
// Decoding core. T is the code-unit type of the source: u16 for AssemblyScript strings (UTF-16),
// u8 for byte buffers. `ptr` points at the first unit of the range, `len` is the range length in
// units; the callers below derive both from a checked range, so every load stays in bounds.

// Symbol count after removing padding, or -1 if the length/padding is invalid.
// `allowPad`: standard base64 accepts optional '=' padding (all of it or none); base64url (JWS) none.
function symbolCount<T>(ptr: usize, len: i32, allowPad: bool): i32 {
  let n = len;
  let pads = 0;
  while (n > 0 && pads < 3 && <u32>load<T>(ptr + (<usize>(n - 1) << alignof<T>())) == PAD) {
    n--;
    pads++;
  }
  if (pads > 0) {
    if (!allowPad) return -1;
    // With padding the text must be whole quads, and padding only fills an incomplete last quad.
    if ((len & 3) != 0 || pads > 2 || (n & 3) == 0) return -1;
    if ((n & 3) == 2 && pads != 2) return -1;
    if ((n & 3) == 3 && pads != 1) return -1;
  }
  // A lone symbol carries only 6 bits: never a whole byte.
  if ((n & 3) == 1) return -1;
  return n;
}

function decodedLength(symbols: i32): i32 {
  return (symbols >> 2) * 3 + (((symbols & 3) * 3) >> 2);
}

// Decodes `n` symbols into dst (which has room for decodedLength(n) bytes). Returns false on a
// character outside the alphabet (any '=' left here is misplaced padding) or non-zero trailing bits.
function decodeSymbols<T>(ptr: usize, n: i32, table: usize, dst: usize): bool {
  let acc: u32 = 0;
  let bits: u32 = 0;
  let o: usize = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<T>(ptr + (<usize>i << alignof<T>()));
    if (c > 127) return false;
    const v = <u32>load<u8>(table + c);
    if (v == 0xff) return false;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(dst + o, <u8>(acc >> bits));
      o++;
      acc &= (1 << bits) - 1; // keep only the unconsumed bits
    }
  }
  // Leftover bits (2 or 4) must be zero for the encoding to be canonical.
  return acc == 0;
}

function decodeRange<T>(ptr: usize, len: i32, url: bool): Uint8Array | null {
  const n = symbolCount<T>(ptr, len, !url);
  if (n < 0) return null;
  const out = new Uint8Array(decodedLength(n));
  if (!decodeSymbols<T>(ptr, n, url ? URL_TABLE : STD_TABLE, out.dataStart)) return null;
  return out;
}

// True if [start, end) is a valid range within a sequence of `length` units.
// @ts-ignore: decorator
@inline function validRange(start: i32, end: i32, length: i32): bool {
  return start >= 0 && start <= end && end <= length;
}

// ---------------------------------------------------------------------------------------------
// Public decoders.

/**
 * Standard-base64-decodes s[start, end) into `into` (no allocation once the buffer is large
 * enough) and returns the byte count, or -1 on a bad range or bad input. The bytes are at into.ptr.
 */
export function base64DecodeRangeInto(s: string, start: i32, end: i32, into: ByteScratch): i32 {
  if (!validRange(start, end, s.length)) return -1;
  const ptr = changetype<usize>(s) + (<usize>start << 1);
  const n = symbolCount<u16>(ptr, end - start, true);
  if (n < 0) return -1;
  const length = decodedLength(n);
  if (!decodeSymbols<u16>(ptr, n, STD_TABLE, into.reserve(length))) return -1;
  return length;
}

/** base64url without padding (RFC 7515 JWS form). Null on '=', '+', '/', whitespace, bad length, non-zero trailing bits. */
export function base64UrlDecode(s: string): Uint8Array | null {
  return decodeRange<u16>(changetype<usize>(s), s.length, true);
}

/** Standard base64; '=' padding optional, but if present it must be exactly right. Null on any error. */
export function base64Decode(s: string): Uint8Array | null {
  return decodeRange<u16>(changetype<usize>(s), s.length, false);
}

/** base64url-decodes s[start, end) without allocating the substring (e.g. one JWT segment). Null on a bad range. */
export function base64UrlDecodeRange(s: string, start: i32, end: i32): Uint8Array | null {
  if (!validRange(start, end, s.length)) return null;
  return decodeRange<u16>(changetype<usize>(s) + (<usize>start << 1), end - start, true);
}

/** Standard-base64-decodes s[start, end). Null on a bad range or bad input. */
export function base64DecodeRange(s: string, start: i32, end: i32): Uint8Array | null {
  if (!validRange(start, end, s.length)) return null;
  return decodeRange<u16>(changetype<usize>(s) + (<usize>start << 1), end - start, false);
}

/** base64url-decodes the ASCII bytes data[start, end) (e.g. a raw header buffer from the host). */
export function base64UrlDecodeBytes(data: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): Uint8Array | null {
  if (end == i32.MAX_VALUE) end = data.length;
  if (!validRange(start, end, data.length)) return null;
  return decodeRange<u8>(data.dataStart + <usize>start, end - start, true);
}

/** Standard-base64-decodes the ASCII bytes data[start, end). */
export function base64DecodeBytes(data: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): Uint8Array | null {
  if (end == i32.MAX_VALUE) end = data.length;
  if (!validRange(start, end, data.length)) return null;
  return decodeRange<u8>(data.dataStart + <usize>start, end - start, false);
}

// ---------------------------------------------------------------------------------------------
// Encoding. Writes straight into a freshly allocated string: one allocation, no intermediate buffer.

function encode(src: usize, len: i32, alphabet: usize, pad: bool): string {
  if (len <= 0) return "";
  const full = len / 3;
  const rest = len - full * 3;
  let outLen = full * 4;
  if (rest != 0) outLen += pad ? 4 : rest + 1;
  const out = changetype<string>(__new(<usize>outLen << 1, idof<string>()));
  const dst = changetype<usize>(out);
  let o: usize = 0;
  let i = 0;
  for (let q = 0; q < full; q++, i += 3) {
    const v = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<u16>(dst + (o << 1), load<u8>(alphabet + (v >> 18)));
    store<u16>(dst + ((o + 1) << 1), load<u8>(alphabet + ((v >> 12) & 63)));
    store<u16>(dst + ((o + 2) << 1), load<u8>(alphabet + ((v >> 6) & 63)));
    store<u16>(dst + ((o + 3) << 1), load<u8>(alphabet + (v & 63)));
    o += 4;
  }
  if (rest != 0) {
    let v = <u32>load<u8>(src + i) << 16;
    if (rest == 2) v |= <u32>load<u8>(src + i + 1) << 8;
    store<u16>(dst + (o << 1), load<u8>(alphabet + (v >> 18)));
    store<u16>(dst + ((o + 1) << 1), load<u8>(alphabet + ((v >> 12) & 63)));
    o += 2;
    if (rest == 2) {
      store<u16>(dst + (o << 1), load<u8>(alphabet + ((v >> 6) & 63)));
      o++;
    } else if (pad) {
      store<u16>(dst + (o << 1), <u16>PAD);
      o++;
    }
    if (pad) store<u16>(dst + (o << 1), <u16>PAD);
  }
  return out;
}

/** base64url without padding. */
export function base64UrlEncode(data: Uint8Array): string {
  return encode(data.dataStart, data.length, URL_ALPHABET, false);
}

/** Standard base64 with '=' padding. */
export function base64Encode(data: Uint8Array): string {
  return encode(data.dataStart, data.length, STD_ALPHABET, true);
}

/** base64url (no padding) of a string's bytes (UTF-8, escaped bytes as themselves: bytes-text.ts). */
export function base64UrlEncodeString(s: string): string {
  return base64UrlEncode(Uint8Array.wrap(encodeBytes(s)));
}

/** Standard base64 (padded) of a string's bytes (as base64UrlEncodeString). */
export function base64EncodeString(s: string): string {
  return base64Encode(Uint8Array.wrap(encodeBytes(s)));
}
