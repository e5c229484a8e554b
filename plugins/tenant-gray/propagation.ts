// Writing the lane into W3C `baggage`, so services further down the call chain (which read the tag
// from baggage, e.g. with baggage-tag or an OpenTelemetry-based agent) keep the request in its lane.

import { HeaderMap } from "../../assembly/headers";
import { appendBaggageMember, BaggageLookup, findBaggageValue } from "../../assembly/lib/baggage";
import { getPropertyString, PropertyPath } from "../../assembly/properties";

// Envoy's request.headers attribute joins repeated headers with ",": the whole baggage list.
const BAGGAGE_PROPERTY = new PropertyPath(["request", "headers", "baggage"]);
const lookup = new BaggageLookup();

export enum Propagated { Unchanged, Added, Replaced, Removed, TooLarge }

function readBaggage(headers: HeaderMap): string | null {
  const v = getPropertyString(BAGGAGE_PROPERTY);
  return v != null ? v : headers.get("baggage");
}

/**
 * Makes the baggage carry `key=tag` (tag null: no member with `key`).
 * authoritative: members with `key` the client sent are replaced (or removed when tag is null);
 * otherwise an existing member is left alone and `key=tag` is only added when there is none.
 */
export function propagateTag(headers: HeaderMap, key: string, tag: string | null, authoritative: bool): Propagated {
  const current = readBaggage(headers);
  let base = current == null ? "" : current;
  let removed = false;
  if (current != null && current.length > 0) {
    if (authoritative) {
      const stripped = removeMembers(current, key);
      if (stripped != null) {
        base = stripped;
        removed = true;
      }
    } else {
      findBaggageValue(current, key, lookup);
      if (lookup.found) return Propagated.Unchanged;
    }
  }
  if (tag == null) {
    if (!removed) return Propagated.Unchanged;
    if (base.length == 0) headers.remove("baggage");
    else headers.set("baggage", base);
    return Propagated.Removed;
  }
  const updated = appendBaggageMember(base, key, tag);
  if (updated == null) {
    // Over the W3C limits: keep what the client sent, minus a member it must not decide.
    if (removed) {
      if (base.length == 0) headers.remove("baggage");
      else headers.set("baggage", base);
    }
    return Propagated.TooLarge;
  }
  headers.set("baggage", updated);
  return removed ? Propagated.Replaced : Propagated.Added;
}

// @ts-ignore: decorator
@inline function isOws(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/**
 * The baggage list without members whose key is `key` (compared after trimming OWS, up to '=', ';'
 * or OWS), or null when there is none. Other members are kept byte for byte; empty members are
 * dropped. Never aborts on malformed input.
 */
export function removeMembers(header: string, key: string): string | null {
  if (!header.includes(key)) return null; // the usual case: nothing to rebuild
  const n = header.length;
  const keyLen = key.length;
  let out = "";
  let changed = false;
  let pos = 0;
  while (pos <= n) {
    let end = pos;
    while (end < n && header.charCodeAt(end) != 0x2c) end++;
    let s = pos;
    let e = end;
    while (s < e && isOws(header.charCodeAt(s))) s++;
    while (e > s && isOws(header.charCodeAt(e - 1))) e--;
    pos = end + 1;
    if (s == e) {
      if (end >= n) break;
      continue; // empty members (",,") are dropped when the list is rebuilt
    }
    let k = s;
    while (k < e) {
      const c = header.charCodeAt(k);
      if (c == 0x3d || c == 0x3b || isOws(c)) break;
      k++;
    }
    if (k - s == keyLen && header.substring(s, k) == key) {
      changed = true;
    } else {
      out = out.length == 0 ? header.substring(s, e) : out + "," + header.substring(s, e);
    }
    if (end >= n) break;
  }
  return changed ? out : null;
}
