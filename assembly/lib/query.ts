// Query parameters and path segments of a request `:path` (origin-form: path [ "?" query ]).
//
// Used per request on attacker-controlled paths: nothing here aborts, scanning is in place, and
// the only allocations are the returned string and a reused scratch buffer.
//
// findQueryParam(path, name): the query is everything after the first '?' up to a '#' (a fragment
// should never reach a proxy, but it is not part of the query if it does). Parameters are split on
// '&' and decoded as application/x-www-form-urlencoded: '+' is a space and %XX escapes are bytes of
// UTF-8 text.
// - Keys are decoded the same way before they are compared (case-sensitively) with `name`, so
//   "t%65nant=x" is the parameter "tenant". A key that does not decode never matches.
// - The FIRST parameter with the name wins; if its value does not decode (a bad escape such as "%zz"
//   or "%4", or bytes that are not valid UTF-8) the result is null: a later duplicate is NOT used,
//   so "?t=%zz&t=a" cannot smuggle a second value past a caller that logs the first.
// - "?tenant" (no '=') and "?tenant=" both give "". Empty parameters ("&&") are skipped.
// - Non-ASCII characters sent raw are kept (as the characters they are); a lone surrogate is
//   undecodable.
//
// findRawQueryParam(path, name): the same split, but nothing is decoded: the first parameter whose
// raw key equals `name` gives its raw value, as Higress's C++ parseQueryString (key-rate-limit) reads
// a query. "?k=a+b%20" gives "a+b%20".
//
// pathSegment(path, index): the path without query and fragment, split on '/', the leading '/'
// skipped, so in "/t1/api/orders" segment 1 is "t1" and segment 3 is "orders". Empty segments count
// ("/a//b": segment 2 is empty) but an empty segment is returned as null, like a missing one.
// Segments are percent-decoded (RFC 3986: '+' stays '+'); a segment that does not decode is null.

import { percentDecodeInto, percentDecodeRange } from "./percent";
import { ByteScratch } from "./scratch";
import { TextBuilder } from "./text-builder";

// @ts-ignore: decorator
@inline function unit(base: usize, i: i32): u32 {
  return <u32>load<u16>(base + (<usize>i << 1));
}

const keyScratch = new ByteScratch();
const nameScratch = new ByteScratch();

// Decoded text of [start, end), or null when it does not decode.
function decodeRange(s: string, start: i32, end: i32, plusIsSpace: bool): string | null {
  const base = changetype<usize>(s);
  // Fast path: nothing to decode.
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = unit(base, i);
    if (c == 0x25 || (c == 0x2b && plusIsSpace) || (c >= 0xd800 && c <= 0xdfff)) {
      plain = false;
      break;
    }
  }
  if (plain) return s.substring(start, end);
  return percentDecodeRange(s, start, end, plusIsSpace, false);
}

// True if the form-decoded key [start, end) of `s` equals `name`. Allocation-free when the key has
// no escapes (the usual case).
function keyEquals(s: string, start: i32, end: i32, name: string): bool {
  const base = changetype<usize>(s);
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = unit(base, i);
    if (c == 0x25 || c == 0x2b) {
      plain = false;
      break;
    }
  }
  if (plain) {
    const n = end - start;
    return n == name.length && memory.compare(base + (<usize>start << 1), changetype<usize>(name), <usize>n << 1) == 0;
  }
  // Decode into a buffer and compare bytes: a hostile "?%61=&%61=..." allocates nothing per key.
  const n = percentDecodeInto(base, start, end, keyScratch, true, false);
  if (n < 0) return false;
  nameScratch.encode(name);
  return <usize>n == nameScratch.length && memory.compare(keyScratch.ptr, nameScratch.ptr, <usize>n) == 0;
}

/** End of the path part: index of the first '?' or '#', or the length. */
function pathEnd(path: string): i32 {
  const base = changetype<usize>(path);
  const len = path.length;
  let i = 0;
  while (i < len) {
    const c = unit(base, i);
    if (c == 0x3f || c == 0x23) break;
    i++;
  }
  return i;
}

/**
 * Value of the first query parameter called `name` in a request path, form-decoded ('+' is a
 * space). Null when the parameter is absent or its value does not decode. With `raw`, keys and
 * values are compared and returned as written (no percent- or '+'-decoding, as Higress does).
 */
export function findQueryParam(path: string, name: string, raw: bool = false): string | null {
  return findParam(path, name, raw, 0, false);
}

/**
 * The value of the (`skip` + 1)-th parameter whose form-decoded key is `name`, form-decoded, or as
 * written when it does not decode; null when there are not that many. For callers that must see
 * every value a parameter has (an upstream may read another one than the first).
 */
export function queryParamAt(path: string, name: string, skip: i32): string | null {
  return findParam(path, name, false, skip, true);
}

function findParam(path: string, name: string, raw: bool, skip: i32, undecodedAsWritten: bool): string | null {
  const base = changetype<usize>(path);
  const q = pathEnd(path);
  const stop = queryEnd(path, q);
  if (stop < 0) return null;
  let pos = q + 1;
  while (pos < stop) {
    let end = pos;
    while (end < stop && unit(base, end) != 0x26) end++;
    const s = pos;
    pos = end + 1;
    if (s == end) continue;
    let eq = s;
    while (eq < end && unit(base, eq) != 0x3d) eq++;
    if (raw ? !rawKeyEquals(base, s, eq, name) : !keyEquals(path, s, eq, name)) continue;
    if (skip-- > 0) continue;
    if (eq >= end) return "";
    if (raw) return path.substring(eq + 1, end);
    const value = decodeRange(path, eq + 1, end, true);
    return value == null && undecodedAsWritten ? path.substring(eq + 1, end) : value;
  }
  return null;
}

/** End of the query that starts after `q` (pathEnd): the first '#' or the length; -1 when there is no query. */
function queryEnd(path: string, q: i32): i32 {
  const base = changetype<usize>(path);
  const len = path.length;
  if (q >= len || unit(base, q) != 0x3f) return -1;
  let stop = q + 1;
  while (stop < len && unit(base, stop) != 0x23) stop++;
  return stop;
}

/** findQueryParam without decoding: "?name" gives "". */
export function findRawQueryParam(path: string, name: string): string | null {
  return findQueryParam(path, name, true);
}

function rawKeyEquals(base: usize, s: i32, e: i32, name: string): bool {
  const n = name.length;
  return e - s == n && memory.compare(base + (<usize>s << 1), changetype<usize>(name), <usize>n << 1) == 0;
}

/**
 * The `index`-th (1-based) segment of the path without its query, percent-decoded. Null when the
 * index is out of range, the segment is empty, or it does not decode.
 */
export function pathSegment(path: string, index: i32): string | null {
  if (index < 1) return null;
  const base = changetype<usize>(path);
  const stop = pathEnd(path);
  let pos = 0;
  if (stop > 0 && unit(base, 0) == 0x2f) pos = 1;
  let n = 1;
  while (pos <= stop) {
    let end = pos;
    while (end < stop && unit(base, end) != 0x2f) end++;
    if (n == index) {
      if (end == pos) return null;
      return decodeRange(path, pos, end, false);
    }
    if (end >= stop) return null;
    pos = end + 1;
    n++;
  }
  return null;
}

/**
 * `path` without every query parameter whose form-decoded key is `name` (the rest of the query is
 * kept as written, in order; "?" goes when nothing is left; a fragment stays). Unchanged when
 * there is no such parameter.
 */
export function removeQueryParam(path: string, name: string): string {
  const base = changetype<usize>(path);
  const q = pathEnd(path);
  const stop = queryEnd(path, q);
  if (stop < 0) return path;
  const out = new TextBuilder(path.length);
  out.pushRange(path, 0, q);
  let removed = false;
  let first = true;
  let pos = q + 1;
  while (pos < stop) {
    let end = pos;
    while (end < stop && unit(base, end) != 0x26) end++;
    let eq = pos;
    while (eq < end && unit(base, eq) != 0x3d) eq++;
    if (end > pos && keyEquals(path, pos, eq, name)) {
      removed = true;
    } else if (end > pos) {
      out.push(first ? 0x3f : 0x26); // '?' then '&'
      out.pushRange(path, pos, end);
      first = false;
    }
    pos = end + 1;
  }
  if (!removed) return path;
  out.pushRange(path, stop, path.length);
  return out.toString();
}
