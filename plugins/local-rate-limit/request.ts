// How a key value is matched against a rule's `keys` patterns (the match conditions and the key
// itself are read by assembly/request-match.ts and request-key.ts). Untrusted values are only
// compared, hashed or matched.

import { PatternKind } from "../../assembly/key-pattern";
import { RequestView } from "../../assembly/request-view";
import { Pattern } from "./config";

/** Does the key `value` of `req` match the pattern? CIDR patterns exist only for client_ip keys. */
export function patternMatches(p: Pattern, value: string, req: RequestView): bool {
  const key = p.key;
  return key.matches(value, key.kind == PatternKind.Cidr ? req.clientAddress() : null);
}
