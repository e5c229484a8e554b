// Writing the lane into W3C `baggage`, so services further down the call chain (which read the tag
// from baggage, e.g. with baggage-tag or an OpenTelemetry-based agent) keep the request in its lane.

import { isOws } from "../../assembly/lib/ascii";
import {
  appendBaggageMember, BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, baggageCarriesOnly, BaggageLookup, findBaggageValue,
  percentEncodeBaggageValue, removeBaggageMembers,
} from "../../assembly/lib/baggage";
import { encodedUnitLength } from "../../assembly/lib/bytes-text";
import { RequestView } from "../../assembly/request-view";

export enum Propagated { Unchanged, Added, Replaced, Removed, TooLarge }

/**
 * Makes the baggage carry `key=tag` (tag null: no member with `key`).
 *
 * authoritative (the lane was decided here): what goes upstream is the client's baggage cut to the
 * W3C limits (8192 bytes, 64 members; a W3C receiver ignores the rest anyway, other receivers must
 * not see a `key` member hidden there), without any member with `key`, plus `key=tag` when that
 * still fits. Whatever is written is within the limits.
 *
 * Otherwise an existing member with `key` is left alone and `key=tag` is only added when there is
 * none and the result is within the limits; the baggage is never cut.
 */
export function propagateTag(view: RequestView, key: string, tag: string | null, authoritative: bool, scratch: BaggageLookup): Propagated {
  const current = view.baggage();
  if (!authoritative) {
    if (current != null) {
      findBaggageValue(current, key, scratch);
      if (scratch.found) return Propagated.Unchanged;
    }
    if (tag == null) return Propagated.Unchanged;
    const added = current == null ? memberOf(key, tag) : appendBaggageMember(current, key, tag);
    if (added == null) return Propagated.TooLarge;
    return view.setBaggage(added) ? Propagated.Added : Propagated.Unchanged;
  }

  // Already exactly `key=tag` and nothing to cut: the rebuilt list would carry the same members.
  if (current != null && tag != null && !tag.includes("%") && baggageCarriesOnly(current, key, tag)) return Propagated.Unchanged;
  let base = "";
  let removedKey = false;
  let changed = false;
  if (current != null) {
    base = withinLimits(current);
    changed = base.length != current.length;
    const stripped = removeBaggageMembers(base, key);
    if (stripped != null) {
      base = stripped;
      removedKey = true;
      changed = true;
    }
  }
  if (tag != null) {
    const updated = base.length == 0 ? memberOf(key, tag) : appendBaggageMember(base, key, tag);
    if (updated != null && view.setBaggage(updated)) return removedKey ? Propagated.Replaced : Propagated.Added;
  }
  // No tag, or no room for it (64 members, or 8192 bytes with it): the rest goes on as it is.
  if (changed) view.setBaggage(base.length == 0 ? null : base);
  if (tag != null) return Propagated.TooLarge;
  return changed ? Propagated.Removed : Propagated.Unchanged;
}

// The member `key=tag` alone, for requests without baggage: built once for each key and tag in a
// row (they come from the configuration, so rows are long), not on every request.
let lastKey = "";
let lastTag = "";
let lastMember = "";

function memberOf(key: string, tag: string): string {
  if (key != lastKey || tag != lastTag) {
    lastKey = key;
    lastTag = tag;
    lastMember = key + "=" + percentEncodeBaggageValue(tag);
  }
  return lastMember;
}

/**
 * `header` up to the end of its last member within the W3C limits: at most BAGGAGE_MAX_BYTES bytes
 * and BAGGAGE_MAX_MEMBERS non-empty members. `header` itself when it is within them. Bytes are
 * counted as the header is sent (bytes-text.ts): a byte that is not UTF-8 is one, a character its
 * UTF-8 length, so non-ASCII (malformed in baggage anyway) cannot pass the limit as fewer characters.
 */
function withinLimits(header: string): string {
  const n = header.length;
  const p = changetype<usize>(header);
  let bytes = 0; // bytes of header[0, i) as sent
  let members = 0;
  let blank = true;
  let cut = 0; // end of the last member kept
  for (let i = 0; i <= n; i++) {
    if (bytes > BAGGAGE_MAX_BYTES) return header.substring(0, cut);
    const c = i < n ? <u32>header.charCodeAt(i) : 0x2c; // the end closes the last member
    if (c == 0x2c) {
      if (!blank) {
        if (members == BAGGAGE_MAX_MEMBERS) return header.substring(0, cut);
        members++;
        cut = i;
        blank = true;
      }
    } else if (!isOws(c)) {
      blank = false;
    }
    bytes += c < 0x80 ? 1 : encodedUnitLength(p, i, n);
  }
  return header;
}
