// Cookie lookup in a request `Cookie` header (RFC 6265 section 5.4 cookie-string):
//
//   cookie-string = cookie-pair *( ";" SP cookie-pair )
//   cookie-pair   = cookie-name "=" cookie-value
//   cookie-value  = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
//
// Used per request on attacker-controlled headers: nothing here aborts, the scan reads the header in
// place and allocates only the returned value.
//
// Decisions (lenient where browsers and servers are; never guessing across a ';'):
// - Pairs are separated by ';'; spaces and tabs around names and values are ignored, so "a=1;b=2"
//   and "a=1;  b=2" work as well as the canonical "a=1; b=2". Several Cookie headers joined with
//   "; " (what HTTP/2 cookie crumbs become) are just a longer list. ',' separates pairs too: Envoy
//   hands a module repeated HTTP/1 Cookie lines joined with ',', and no cookie-octet is a ',', so
//   a second line's cookies are found (a value with a raw ',' is cut there).
// - Names are compared case-sensitively and exactly (after trimming). The FIRST pair with the name
//   wins (RFC 6265 orders more specific paths first; servers conventionally take the first).
// - A pair without '=' has no name (RFC 6265 5.2: browsers store it with an empty name) and never
//   matches. A pair with an empty value ("a=") is found and its value is "".
// - One pair of surrounding double quotes is removed from the value ("a=\"x\"" gives x).
// - Values are returned as sent: no percent-decoding (RFC 6265 defines none; an application that
//   encodes cookie values decodes them itself).
// - Characters outside cookie-octet (e.g. spaces or ',' inside a value) are not rejected here:
//   the value is everything up to the next ';', trimmed. Callers that copy a value into a header
//   or a key validate it for that use.

import { isOws } from "./ascii";
import { TextBuilder } from "./text-builder";
/**
 * Value of the first cookie called `name` in a Cookie header value, or null if there is none;
 * with `skip`, of the (`skip` + 1)-th one.
 */
export function findCookie(cookieHeader: string, name: string, skip: i32 = 0): string | null {
  const len = cookieHeader.length;
  const nameLen = name.length;
  if (nameLen == 0) return null;
  const base = changetype<usize>(cookieHeader);
  const namePtr = changetype<usize>(name);
  let pos = 0;
  while (pos < len) {
    // One pair: [pos, end) up to the next ';'.
    let end = pos;
    while (end < len && !isPairEnd(load<u16>(base + (<usize>end << 1)))) end++;
    let s = pos;
    while (s < end && isOws(<u32>load<u16>(base + (<usize>s << 1)))) s++;
    let eq = s;
    while (eq < end && load<u16>(base + (<usize>eq << 1)) != 0x3d) eq++;
    pos = end + 1;
    if (eq == end) continue; // no '=': nameless pair
    let ne = eq;
    while (ne > s && isOws(<u32>load<u16>(base + (<usize>(ne - 1) << 1)))) ne--;
    if (ne - s != nameLen) continue;
    if (memory.compare(base + (<usize>s << 1), namePtr, <usize>nameLen << 1) != 0) continue;
    if (skip-- > 0) continue;
    let vs = eq + 1;
    let ve = end;
    while (vs < ve && isOws(<u32>load<u16>(base + (<usize>vs << 1)))) vs++;
    while (ve > vs && isOws(<u32>load<u16>(base + (<usize>(ve - 1) << 1)))) ve--;
    if (ve - vs >= 2 && load<u16>(base + (<usize>vs << 1)) == 0x22 && load<u16>(base + (<usize>(ve - 1) << 1)) == 0x22) {
      vs++;
      ve--;
    }
    return cookieHeader.substring(vs, ve);
  }
  return null;
}

/** ';' between pairs, and ',' where Envoy joined repeated Cookie lines (no cookie-octet is a ','). */
// @ts-ignore: decorator
@inline function isPairEnd(c: u16): bool { return c == 0x3b || c == 0x2c; }

/**
 * A Cookie header value without the pairs called `name` (the others as written, joined with "; "),
 * or null when nothing is left. Unchanged when there is no such pair.
 */
export function removeCookie(cookieHeader: string, name: string): string | null {
  const len = cookieHeader.length;
  const base = changetype<usize>(cookieHeader);
  const kept = new TextBuilder(len);
  let removed = false;
  let pos = 0;
  while (pos < len) {
    let end = pos;
    while (end < len && !isPairEnd(load<u16>(base + (<usize>end << 1)))) end++;
    // The pair without the spaces and tabs around it (only those: other characters are kept as sent).
    let s = pos;
    let e = end;
    while (s < e && isOws(<u32>load<u16>(base + (<usize>s << 1)))) s++;
    while (e > s && isOws(<u32>load<u16>(base + (<usize>(e - 1) << 1)))) e--;
    pos = end + 1;
    if (s == e) continue;
    let eq = s;
    while (eq < e && load<u16>(base + (<usize>eq << 1)) != 0x3d) eq++;
    let ne = eq;
    while (ne > s && isOws(<u32>load<u16>(base + (<usize>(ne - 1) << 1)))) ne--;
    if (eq < e && ne - s == name.length && memory.compare(base + (<usize>s << 1), changetype<usize>(name), <usize>name.length << 1) == 0) {
      removed = true;
      continue;
    }
    if (kept.len > 0) kept.pushString("; ");
    kept.pushRange(cookieHeader, s, e);
  }
  if (!removed) return cookieHeader;
  return kept.len > 0 ? kept.toString() : null;
}
