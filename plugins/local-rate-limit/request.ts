// How a key value is matched against a rule's `keys` patterns (the match conditions and the key
// itself are read by assembly/request-match.ts and request-key.ts). Untrusted values are only
// compared, hashed or matched.

import { RequestView } from "../../assembly/request-view";
import { Pattern, PatternKind } from "./config";

/** Does the key `value` of `req` match the pattern? CIDR patterns exist only for client_ip keys. */
export function patternMatches(p: Pattern, value: string, req: RequestView): bool {
  if (p.kind == PatternKind.Any) return true;
  if (p.kind == PatternKind.Regex) {
    const r = p.regex;
    return r != null && r.test(value);
  }
  const c = p.cidr;
  if (c == null) return false;
  const a = req.clientAddress();
  return a != null && c.containsAddress(a);
}
