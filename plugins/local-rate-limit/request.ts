// What a rule reads from the request: its match conditions and its key value. Everything is read
// lazily and at most once per request; untrusted values are only compared, hashed or matched.

import { HeaderMap, requestHeaders } from "../../assembly/headers";
import { IpAddress, stripPortFromAddress } from "../../assembly/lib/cidr";
import { findCookie } from "../../assembly/lib/cookie";
import { findQueryParam } from "../../assembly/lib/query";
import { getPropertyString, PropertyPath } from "../../assembly/properties";
import { Pattern, PatternKind, Rule, Source } from "./config";

const SOURCE_ADDRESS = new PropertyPath(["source", "address"]);

/** One instance, reset for every request (callbacks never overlap within a VM). */
export class RequestInfo {
  headers: HeaderMap = requestHeaders;
  private path: string | null = null;
  private pathNoQuery: string | null = null;
  private method: string | null = null;
  private cookie: string | null = null;
  private cookieRead: bool = false;
  private address: string | null = null;
  private addressRead: bool = false;
  private ip: IpAddress | null = null;
  private ipParsed: bool = false;

  reset(headers: HeaderMap): RequestInfo {
    this.headers = headers;
    this.path = null;
    this.pathNoQuery = null;
    this.method = null;
    this.cookie = null;
    this.cookieRead = false;
    this.address = null;
    this.addressRead = false;
    this.ip = null;
    this.ipParsed = false;
    return this;
  }

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
    const known = this.pathNoQuery;
    if (known != null) return known;
    const full = this.fullPath();
    const q = full.indexOf("?");
    const p = q < 0 ? full : full.substring(0, q);
    this.pathNoQuery = p;
    return p;
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

  /** clientIp() parsed, once per request; null when absent or not an IP address (e.g. a unix socket). */
  clientAddress(): IpAddress | null {
    if (!this.ipParsed) {
      this.ipParsed = true;
      const a = this.clientIp();
      this.ip = a == null ? null : IpAddress.parse(a);
    }
    return this.ip;
  }
}

/** Does the key `value` of `req` match the pattern? CIDR patterns exist only for client_ip keys. */
export function patternMatches(p: Pattern, value: string, req: RequestInfo): bool {
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
