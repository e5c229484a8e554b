// What a rule reads from the request: its match conditions and its key value. Everything is read
// lazily and at most once per request; untrusted values are only compared, hashed or matched.

import { findCookie } from "../../assembly/lib/cookie";
import { findQueryParam, findRawQueryParam } from "../../assembly/lib/query";
import { RequestView } from "../../assembly/request-view";
import { Pattern, PatternKind, Rule, Source } from "./config";

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

/** Path prefix, method and header conditions (all must hold). */
export function ruleMatches(rule: Rule, req: RequestView): bool {
  if (rule.pathPrefix.length > 0 && !req.pathOnly().startsWith(rule.pathPrefix)) return false;
  if (rule.methods.length > 0 && !rule.methods.includes(req.method())) return false;
  for (let i = 0; i < rule.headers.length; i++) {
    const m = unchecked(rule.headers[i]);
    const v = req.headers.get(m.name);
    if (v == null) return false;
    const want = m.value;
    if (want != null && v != want) return false;
  }
  return true;
}

/** The rule's key value, or null when the request does not carry it (an empty value counts as absent). */
export function keyValue(rule: Rule, req: RequestView): string | null {
  let v: string | null = null;
  switch (rule.source) {
    case Source.Header:
    case Source.Consumer:
      v = req.headers.get(rule.sourceName);
      break;
    case Source.Param:
      v = findQueryParam(fullPath(req), rule.sourceName);
      break;
    case Source.RawParam:
      v = findRawQueryParam(fullPath(req), rule.sourceName);
      break;
    case Source.Cookie: {
      const header = req.cookieHeader();
      if (header != null) v = findCookie(header, rule.sourceName);
      break;
    }
    case Source.ClientIp:
      v = req.clientIp();
      break;
    case Source.Path:
      v = req.pathOnly();
      break;
    default:
      return null;
  }
  if (v == null || v.length == 0) return null;
  return v;
}

function fullPath(req: RequestView): string {
  const p = req.path();
  return p == null ? "" : p;
}
