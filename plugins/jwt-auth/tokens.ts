// Finding the tokens of a request in every configured source (headers, then query parameters,
// then cookies) and removing one once verified (`keep_token: false`).

import { HeaderMap } from "../../assembly/headers";
import { isOws } from "../../assembly/lib/ascii";
import { findCookie, removeCookie } from "../../assembly/lib/cookie";
import { queryParamAt, removeQueryParam } from "../../assembly/lib/query";
import { RequestView } from "../../assembly/request-view";
import { SourceKind, TokenSource } from "./config";

/** The tokens of one request, in source order. Reused across requests. */
export class FoundTokens {
  count: i32 = 0;
  /** The request has more than MAX_TOKENS token values (empty ones included). */
  tooMany: bool = false;
  tokens: string[] = [];
  sources: TokenSource[] = [];

  add(token: string, source: TokenSource): void {
    if (this.count < this.tokens.length) {
      unchecked((this.tokens[this.count] = token));
      unchecked((this.sources[this.count] = source));
    } else {
      this.tokens.push(token);
      this.sources.push(source);
    }
    this.count++;
  }
}

/** More tokens than this in one request are refused (each costs a signature check). */
export const MAX_TOKENS: i32 = 4;

/**
 * Every token of the request: each configured header, and every value of each configured query
 * parameter and cookie (an upstream may read another value than the first, so all are checked).
 * Empty values are no token, but count towards MAX_TOKENS (the scan stays short).
 */
export function findTokens(sources: TokenSource[], headers: HeaderMap, view: RequestView, out: FoundTokens): void {
  out.count = 0;
  out.tooMany = false;
  let values = 0;
  for (let i = 0; i < sources.length && !out.tooMany; i++) {
    const source = unchecked(sources[i]);
    if (source.kind == SourceKind.Header) {
      const value = headers.get(source.name);
      if (value == null) continue;
      if (++values > MAX_TOKENS) out.tooMany = true;
      else addToken(afterPrefix(value, source.prefix), source, out);
      continue;
    }
    const text = source.kind == SourceKind.Param ? view.path() : view.cookieHeader();
    if (text == null) continue;
    for (let k = 0; ; k++) {
      const value = source.kind == SourceKind.Param ? queryParamAt(text, source.name, k) : findCookie(text, source.name, k);
      if (value == null) break;
      if (++values > MAX_TOKENS) {
        out.tooMany = true;
        break;
      }
      addToken(value, source, out);
    }
  }
}

function addToken(token: string | null, source: TokenSource, out: FoundTokens): void {
  if (token != null && token.length > 0) out.add(token, source);
}

/** The value after `prefix` (ASCII case ignored: "bearer x" is a Bearer token) and spaces; null without the prefix. */
function afterPrefix(value: string, prefix: string): string | null {
  const n = prefix.length;
  if (value.length < n) return null;
  for (let i = 0; i < n; i++) {
    if (lower(value.charCodeAt(i)) != lower(prefix.charCodeAt(i))) return null;
  }
  let s = n;
  let e = value.length;
  while (s < e && isOws(<u32>value.charCodeAt(s))) s++;
  while (e > s && isOws(<u32>value.charCodeAt(e - 1))) e--;
  return s == 0 && e == value.length ? value : value.substring(s, e);
}

// @ts-ignore: decorator
@inline function lower(c: i32): i32 { return c >= 0x41 && c <= 0x5a ? c | 0x20 : c; }

/**
 * Removes the token's source from the request (the header, the query parameter, the cookie). Reads
 * :path afresh and the cookies through the view that removals update: an earlier removal may have
 * rewritten them.
 */
export function removeToken(source: TokenSource, headers: HeaderMap, view: RequestView): void {
  if (source.kind == SourceKind.Header) {
    headers.remove(source.name);
  } else if (source.kind == SourceKind.Param) {
    const path = headers.get(":path");
    if (path != null) headers.set(":path", removeQueryParam(path, source.name));
  } else {
    const cookies = view.cookieHeader();
    if (cookies != null) view.setCookieHeader(removeCookie(cookies, source.name));
  }
}
