// W3C Baggage (https://www.w3.org/TR/baggage/) codec, plus SkyWalking sw8-correlation lookup.
//
// Used per request on attacker-controlled headers: nothing here aborts, lookups scan the header in
// place (no member array, no substring for a non-matching key), and the only allocations on the
// lookup path are the returned value and a reused scratch buffer.
//
//   baggage-string = list-member 0*63( OWS "," OWS list-member )
//   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
//   property       = key OWS "=" OWS value / key OWS
//   key            = token (RFC 7230)
//   value          = *baggage-octet     ; %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E, percent-encoded UTF-8
//   OWS            = *( SP / HTAB )
//
// Decisions:
// - Limits: only list-members that lie (with their surrounding OWS) within the first
//   BAGGAGE_MAX_BYTES bytes of the header, and only the first BAGGAGE_MAX_MEMBERS non-empty
//   members, are considered. Members beyond either limit are ignored (BaggageLookup.truncated is
//   set); those within are still found, and the scan never reads past the limit. Sizes are
//   counted in the bytes the header is sent as (bytes-text.ts): a byte that is not UTF-8, held as
//   one escape unit, counts one; a character its UTF-8 length.
// - Header strings come from the host through bytes-text.ts: a member holding bytes that are not
//   UTF-8 is malformed (escape units are not baggage-octets), and a rebuilt list writes it back
//   byte for byte.
// - Multi-instance headers (several `baggage` headers joined with ',') are just a longer list.
// - If a key occurs several times, the FIRST well-formed occurrence wins; malformed occurrences are
//   skipped and counted. The scan stops at the match, so `malformed` counts members before it.
// - A member is malformed if its key is not a token, '=' is missing, the value has a character
//   outside baggage-octet, a property is not `key` or `key=value` (so a trailing ';' is malformed),
//   or the value has a bad percent-escape or decodes to invalid UTF-8. Empty members (",,") are
//   skipped silently and do not count against the member limit.
// - Keys are compared case-sensitively, as the spec says.
// - Decoded values may contain any Unicode text, including control characters (e.g. from %0A);
//   callers copying a value into a header must validate it for that use.

import { base64DecodeRangeInto } from "./base64";
import { percentDecodeInto, percentDecodeRange } from "./percent";
import { ByteScratch } from "./scratch";
import { isValidUtf8 } from "./utf8";
import { isOws } from "./ascii";
import { decodeBytes, encodeBytes, encodedLength, encodedUnitLength } from "./bytes-text";

export const BAGGAGE_MAX_BYTES: i32 = 8192;
export const BAGGAGE_MAX_MEMBERS: i32 = 64;

export class BaggageLookup {
  found: bool = false;
  /** Decoded value when found, "" otherwise. */
  value: string = "";
  /** Members skipped as malformed before the match (or in the whole header when not found). */
  malformed: i32 = 0;
  /** True if members beyond BAGGAGE_MAX_BYTES / BAGGAGE_MAX_MEMBERS were ignored. */
  truncated: bool = false;

  reset(): void {
    this.found = false;
    this.value = "";
    this.malformed = 0;
    this.truncated = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Character classes


// RFC 7230 tchar ("!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
// "~" / DIGIT / ALPHA) as a bitmap of the code points 0-63 and 64-127: checked per character in hot loops.
const TCHAR_LOW: u64 = 0x03ff6cfa00000000;
const TCHAR_HIGH: u64 = 0x57ffffffc7fffffe;

@inline function isTchar(c: u32): bool {
  if (c >= 128) return false;
  const bits = c < 64 ? TCHAR_LOW : TCHAR_HIGH;
  return ((bits >> <u64>(c & 63)) & 1) != 0;
}

// baggage-octet: printable ASCII except SP, DQUOTE, ',', ';', '\'. ('=' and '%' are included.)
@inline function isBaggageOctet(c: u32): bool {
  return c >= 0x21 && c <= 0x7e && c != 0x22 && c != 0x2c && c != 0x3b && c != 0x5c;
}


/** True if s is a non-empty RFC 7230 token (baggage keys, header names). */
export function isToken(s: string): bool {
  const n = s.length;
  if (n == 0) return false;
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    if (!isTchar(<u32>load<u16>(p + (<usize>i << 1)))) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Percent decoding into a reused scratch buffer, and strict UTF-8 validation of the result.

const scratch = new ByteScratch();

/** Percent-decodes s as UTF-8. Null on a bad escape, a non-ASCII input character, or invalid UTF-8. */
export function percentDecode(s: string): string | null {
  return percentDecodeRange(s, 0, s.length, false, true);
}

// ---------------------------------------------------------------------------------------------
// Encoding

// @ts-ignore: decorator
@inline function needsEscape(c: u32): bool {
  return !isBaggageOctet(c) || c == 0x25;
}

function upperHex(v: u32): u16 {
  return <u16>(v < 10 ? 0x30 + v : 0x37 + v);
}

/**
 * Percent-encodes a value for baggage: every byte of its encoded form (bytes-text.ts: UTF-8, an
 * escaped byte as itself) outside baggage-octet, and '%', becomes %XX (uppercase).
 */
export function percentEncodeBaggageValue(value: string): string {
  const n = value.length;
  const p = changetype<usize>(value);
  let plain = true;
  for (let i = 0; i < n; i++) {
    if (needsEscape(<u32>load<u16>(p + (<usize>i << 1)))) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  const bytes = encodeBytes(value);
  const src = changetype<usize>(bytes);
  const m = bytes.byteLength;
  let outLen = 0;
  for (let i = 0; i < m; i++) outLen += needsEscape(<u32>load<u8>(src + <usize>i)) ? 3 : 1;
  const out = changetype<string>(__new(<usize>outLen << 1, idof<string>()));
  const dst = changetype<usize>(out);
  let o: usize = 0;
  for (let i = 0; i < m; i++) {
    const b = <u32>load<u8>(src + <usize>i);
    if (needsEscape(b)) {
      store<u16>(dst + (o << 1), 0x25);
      store<u16>(dst + ((o + 1) << 1), upperHex(b >> 4));
      store<u16>(dst + ((o + 2) << 1), upperHex(b & 15));
      o += 3;
    } else {
      store<u16>(dst + (o << 1), <u16>b);
      o++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// List scanning shared by the W3C and sw8 lookups.
//
// nextMember() advances over one comma-separated member of `header` and leaves its OWS-trimmed
// bounds in memberStart/memberEnd. It returns false when the list is exhausted or a limit was hit
// (setting out.truncated). Empty members are skipped here. Module-level state keeps this
// allocation-free; nothing here is re-entrant, and nothing needs to be.

let memberStart: i32 = 0;
let memberEnd: i32 = 0;
let scanPos: i32 = 0;
let scanBytes: i32 = 0; // bytes of header[0, scanPos) as sent
let scanCount: i32 = 0;

function startScan(): void {
  scanPos = 0;
  scanBytes = 0;
  scanCount = 0;
}

function nextMember(header: string, out: BaggageLookup): bool {
  const base = changetype<usize>(header);
  const len = header.length;
  while (scanPos < len) {
    // Only the first BAGGAGE_MAX_BYTES bytes are examined; a ',' right after them may still close
    // a member that lies entirely within them.
    let end = scanPos;
    let bytes = scanBytes;
    while (end < len) {
      const c = <u32>load<u16>(base + (<usize>end << 1));
      if (c == 0x2c) break;
      bytes += c < 0x80 ? 1 : encodedUnitLength(base, end, len);
      if (bytes > BAGGAGE_MAX_BYTES) {
        out.truncated = true; // this member (or its OWS) runs past the limit
        return false;
      }
      end++;
    }
    let s = scanPos;
    let e = end;
    while (s < e && isOws(<u32>load<u16>(base + (<usize>s << 1)))) s++;
    while (e > s && isOws(<u32>load<u16>(base + (<usize>(e - 1) << 1)))) e--;
    scanPos = end + 1;
    scanBytes = bytes + 1;
    if (s == e) continue; // empty member: skipped silently, not counted
    if (scanCount >= BAGGAGE_MAX_MEMBERS) {
      out.truncated = true;
      return false;
    }
    scanCount++;
    memberStart = s;
    memberEnd = e;
    return true;
  }
  return false;
}

// Bounds of the value of the last member parsed by parseMember().
let valueStart: i32 = 0;
let valueEnd: i32 = 0;
let keyEnd: i32 = 0;

// Scans an OWS-trimmed W3C list-member [s, e). Returns false if it is malformed; otherwise sets
// keyEnd (the key is [s, keyEnd)) and valueStart/valueEnd (still percent-encoded).
function parseMember(base: usize, s: i32, e: i32): bool {
  let i = s;
  while (i < e && isTchar(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  if (i == s) return false;
  keyEnd = i;
  while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  if (i >= e || load<u16>(base + (<usize>i << 1)) != 0x3d) return false; // '='
  i++;
  while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  valueStart = i;
  while (i < e && isBaggageOctet(<u32>load<u16>(base + (<usize>i << 1)))) i++;
  valueEnd = i;
  // Properties: *( OWS ";" OWS ( key / key OWS "=" OWS value ) ), validated but ignored.
  while (true) {
    while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    if (i >= e) return true;
    if (load<u16>(base + (<usize>i << 1)) != 0x3b) return false; // ';'
    i++;
    while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    const ks = i;
    while (i < e && isTchar(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    if (i == ks) return false;
    while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    if (i < e && load<u16>(base + (<usize>i << 1)) == 0x3d) {
      i++;
      while (i < e && isOws(<u32>load<u16>(base + (<usize>i << 1)))) i++;
      while (i < e && isBaggageOctet(<u32>load<u16>(base + (<usize>i << 1)))) i++;
    }
  }
  return false; // unreachable
}

/**
 * Finds `key` in a W3C baggage header value (possibly several headers joined with ',').
 * Resets `out`, then sets out.found/out.value (percent-decoded) for the first well-formed occurrence.
 */
export function findBaggageValue(header: string, key: string, out: BaggageLookup): void {
  out.reset();
  const base = changetype<usize>(header);
  const keyLen = key.length;
  startScan();
  while (nextMember(header, out)) {
    const s = memberStart;
    if (!parseMember(base, s, memberEnd)) {
      out.malformed++;
      continue;
    }
    // Values are checked for every member (so `malformed` means the same thing everywhere), but
    // only the matching one is turned into a string.
    const n = percentDecodeInto(base, valueStart, valueEnd, scratch, false, true);
    if (n < 0 || !isValidUtf8(scratch.ptr, n)) {
      out.malformed++;
      continue;
    }
    if (keyEnd - s == keyLen && memory.compare(base + (<usize>s << 1), changetype<usize>(key), <usize>keyLen << 1) == 0) {
      out.found = true;
      out.value = decodeBytes(scratch.ptr, <usize>n);
      return;
    }
  }
}

// Key of the OWS-trimmed member [s, e): up to '=', ';' or OWS (also for malformed members).
function memberKeyIs(base: usize, s: i32, e: i32, key: string): bool {
  const keyLen = key.length;
  if (e - s < keyLen) return false;
  if (memory.compare(base + (<usize>s << 1), changetype<usize>(key), <usize>keyLen << 1) != 0) return false;
  if (s + keyLen == e) return true;
  const c = <u32>load<u16>(base + (<usize>(s + keyLen) << 1));
  return c == 0x3d || c == 0x3b || isOws(c);
}

/**
 * True when the list has exactly one member with `key` and it is exactly `key=value` (no OWS
 * around '=', no properties), within BAGGAGE_MAX_BYTES / BAGGAGE_MAX_MEMBERS with nothing beyond
 * them: then a list rebuilt without `key` members plus `key=value` would carry the same members,
 * and a writer can leave it alone. `value` must not need percent-encoding.
 */
export function baggageCarriesOnly(header: string, key: string, value: string): bool {
  if (key.length == 0 || !header.includes(key)) return false;
  const base = changetype<usize>(header);
  const n = key.length + 1 + value.length;
  let found = 0;
  onlyScratch.reset();
  startScan();
  while (nextMember(header, onlyScratch)) {
    if (!memberKeyIs(base, memberStart, memberEnd, key)) continue;
    if (++found > 1 || memberEnd - memberStart != n) return false;
    const at = base + (<usize>memberStart << 1);
    if (load<u16>(at + (<usize>key.length << 1)) != 0x3d) return false; // '=' right after the key
    if (memory.compare(at + (<usize>(key.length + 1) << 1), changetype<usize>(value), <usize>value.length << 1) != 0) return false;
  }
  return found == 1 && !onlyScratch.truncated;
}

const onlyScratch = new BaggageLookup();
const removeScratch = new BaggageLookup();

/**
 * The baggage list without the members whose key is `key` (well-formed or not), or null when it
 * has none. Other members are kept as written (OWS-trimmed, joined with ","); empty members and
 * members beyond BAGGAGE_MAX_BYTES / BAGGAGE_MAX_MEMBERS are dropped, so the result is within the
 * limits. Two linear passes and one allocation, whatever the input.
 */
export function removeBaggageMembers(header: string, key: string): string | null {
  if (key.length == 0 || !header.includes(key)) return null; // the usual case: nothing to rebuild
  const base = changetype<usize>(header);
  // Pass 1: is there a member to remove, and how long is the rest?
  let removed = false;
  let length = 0;
  let kept = 0;
  removeScratch.reset();
  startScan();
  while (nextMember(header, removeScratch)) {
    if (memberKeyIs(base, memberStart, memberEnd, key)) {
      removed = true;
      continue;
    }
    length += memberEnd - memberStart;
    kept++;
  }
  if (!removed) return null;
  if (kept > 1) length += kept - 1;
  // Pass 2: copy the kept members into one string.
  const out = changetype<string>(__new(<usize>length << 1, idof<string>()));
  let o: usize = changetype<usize>(out);
  let first = true;
  startScan();
  while (nextMember(header, removeScratch)) {
    if (memberKeyIs(base, memberStart, memberEnd, key)) continue;
    if (!first) {
      store<u16>(o, 0x2c);
      o += 2;
    }
    first = false;
    const bytes = <usize>(memberEnd - memberStart) << 1;
    memory.copy(o, base + (<usize>memberStart << 1), bytes);
    o += bytes;
  }
  return out;
}

// Number of non-empty members in a baggage value (for the limits in appendBaggageMember).
function countMembers(s: string): i32 {
  const base = changetype<usize>(s);
  const len = s.length;
  let count = 0;
  let nonBlank = false;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u16>(base + (<usize>i << 1));
    if (c == 0x2c) {
      if (nonBlank) count++;
      nonBlank = false;
    } else if (!isOws(c)) {
      nonBlank = true;
    }
  }
  if (nonBlank) count++;
  return count;
}

/**
 * Appends `key=value` (value percent-encoded) to an existing baggage header value ("" for none).
 * Returns null if the key is not a token or if the result would exceed BAGGAGE_MAX_BYTES (bytes as
 * sent, bytes-text.ts) or BAGGAGE_MAX_MEMBERS. Trailing OWS and commas of `existing` are dropped.
 * An existing member with the same key is not replaced; since the first occurrence wins, check with
 * findBaggageValue first if that matters.
 */
export function appendBaggageMember(existing: string, key: string, value: string): string | null {
  if (!isToken(key)) return null;
  const base = changetype<usize>(existing);
  let end = existing.length;
  while (end > 0) {
    const c = <u32>load<u16>(base + (<usize>(end - 1) << 1));
    if (!isOws(c) && c != 0x2c) break;
    end--;
  }
  const trimmed = end == existing.length ? existing : existing.substring(0, end);
  const member = key + "=" + percentEncodeBaggageValue(value);
  const count = countMembers(trimmed);
  if (count + 1 > BAGGAGE_MAX_MEMBERS) return null;
  const result = count == 0 ? member : trimmed + "," + member;
  if (encodedLength(result) > BAGGAGE_MAX_BYTES) return null;
  return result;
}

// ---------------------------------------------------------------------------------------------
// SkyWalking cross-process correlation header:
//   sw8-correlation: base64(key):base64(value),base64(key):base64(value)
// Standard base64 alphabet (padding optional, see base64.ts). Pairs are found with the same scanner
// and limits as W3C members. A pair is malformed if it has no ':', an empty or undecodable key,
// an undecodable value, or a key/value that is not valid UTF-8. The first well-formed match wins.

/** Finds `key` in an sw8-correlation header. Resets `out`; see BaggageLookup. */
export function findSw8CorrelationValue(header: string, key: string, out: BaggageLookup): void {
  out.reset();
  if (key != sw8Key) { // the key is almost always the same constant: encode it once
    sw8Key = key;
    sw8KeyBytes = encodeBytes(key);
  }
  const target = changetype<usize>(sw8KeyBytes);
  const targetLen = sw8KeyBytes.byteLength;
  const base = changetype<usize>(header);
  startScan();
  while (nextMember(header, out)) {
    const s = memberStart;
    const e = memberEnd;
    let colon = s;
    while (colon < e && load<u16>(base + (<usize>colon << 1)) != 0x3a) colon++;
    if (colon == s || colon == e) {
      out.malformed++;
      continue;
    }
    // Decoded into reused buffers: a long hostile header costs no allocation per pair.
    const kLen = base64DecodeRangeInto(header, s, colon, sw8KeyScratch);
    const vLen = base64DecodeRangeInto(header, colon + 1, e, scratch);
    if (kLen <= 0 || vLen < 0 || !isValidUtf8(sw8KeyScratch.ptr, kLen) || !isValidUtf8(scratch.ptr, vLen)) {
      out.malformed++;
      continue;
    }
    if (kLen == targetLen && memory.compare(sw8KeyScratch.ptr, target, <usize>targetLen) == 0) {
      out.found = true;
      out.value = decodeBytes(scratch.ptr, <usize>vLen);
      scratch.release();
      return;
    }
  }
  scratch.release();
}

let sw8Key = "";
let sw8KeyBytes = new ArrayBuffer(0);
const sw8KeyScratch = new ByteScratch();
