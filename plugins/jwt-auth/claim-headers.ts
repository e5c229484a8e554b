// Claims copied into request headers (`claims_to_headers`) and required claim values (`claims`).
// A claim is a top-level name, or a dotted path into nested objects when no top-level claim has
// the whole name ("realm.tenant"; "https://example.com/roles" is found as written).

import { JsonValue } from "../../assembly/lib/json";

export class ClaimHeader {
  constructor(public readonly claim: string, public readonly path: string[], public readonly header: string, public readonly overrides: bool) {}
}

/** The claim named by `name` (split into `path`), or null. */
export function findClaim(payload: JsonValue, name: string, path: string[]): JsonValue | null {
  const whole = payload.get(name);
  if (whole != null || path.length < 2) return whole;
  let v: JsonValue | null = payload;
  for (let i = 0; i < path.length && v != null; i++) {
    if (!v.isObject()) return null;
    v = v.get(unchecked(path[i]));
  }
  return v;
}

/** A claim as header text: strings as they are, numbers and bools as text, objects and lists as compact JSON. */
export function claimText(v: JsonValue): string {
  if (v.isString()) return v.stringValue;
  return v.toString();
}

/** Every required claim is present with the same type and value. */
export function claimsMatch(payload: JsonValue, required: JsonValue): bool {
  for (let i = 0; i < required.keys.length; i++) {
    const want = unchecked(required.values[i]);
    const got = payload.get(unchecked(required.keys[i]));
    if (got == null || got.kind != want.kind) return false;
    if (want.isString() && got.stringValue != want.stringValue) return false;
    if (want.isNumber() && got.numberValue != want.numberValue) return false;
    if (want.isBool() && got.boolValue != want.boolValue) return false;
  }
  return true;
}
