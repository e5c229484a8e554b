// What a rule reads from the request: its match conditions and its key value. Everything is read
// lazily and at most once per request; untrusted values are only compared, hashed or matched.

import { HeaderMap } from "../../assembly/headers";
import { stripPortFromAddress } from "../../assembly/lib/cidr";
import { findCookie } from "../../assembly/lib/cookie";
import { findQueryParam } from "../../assembly/lib/query";
import { getPropertyString, PropertyPath } from "../../assembly/properties";
import { Rule, Source } from "./config";

const SOURCE_ADDRESS = new PropertyPath(["source", "address"]);

export class RequestInfo {
  private path: string | null = null;
  private method: string | null = null;
  private cookie: string | null = null;
  private cookieRead: bool = false;
  private address: string | null = null;
  private addressRead: bool = false;

  constructor(public headers: HeaderMap) {}

  /** `:path` with its query. */
  fullPath(): string {
    let p = this.path;
    if (p == null) {
      p = this.headers.get(":path");
      if (p == null) p = "";
      this.path = p;
    }
    return p;
  }

  /** `:path` without the query. */
  pathOnly(): string {
    const p = this.fullPath();
    const q = p.indexOf("?");
    return q < 0 ? p : p.substring(0, q);
  }

  getMethod(): string {
    let m = this.method;
    if (m == null) {
      m = this.headers.get(":method");
      if (m == null) m = "";
      this.method = m;
    }
    return m;
  }

  cookieHeader(): string | null {
    if (!this.cookieRead) {
      this.cookieRead = true;
      this.cookie = this.headers.get("cookie");
    }
    return this.cookie;
  }

  /** Downstream client address without port (Envoy's source.address, after XFF handling if configured). */
  clientIp(): string | null {
    if (!this.addressRead) {
      this.addressRead = true;
      const a = getPropertyString(SOURCE_ADDRESS);
      this.address = a == null ? null : stripPortFromAddress(a);
    }
    return this.address;
  }
}

/** Path prefix, method and header conditions (all must hold). */
export function ruleMatches(rule: Rule, req: RequestInfo): bool {
  if (rule.pathPrefix.length > 0 && !req.pathOnly().startsWith(rule.pathPrefix)) return false;
  if (rule.methods.length > 0 && !rule.methods.includes(req.getMethod())) return false;
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
export function keyValue(rule: Rule, req: RequestInfo): string | null {
  let v: string | null = null;
  switch (rule.source) {
    case Source.Header:
    case Source.Consumer:
      v = req.headers.get(rule.sourceName);
      break;
    case Source.Param:
      v = findQueryParam(req.fullPath(), rule.sourceName);
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
