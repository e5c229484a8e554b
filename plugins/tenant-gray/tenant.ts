// Where the tenant of a request comes from: the configured sources in order, the first that
// yields a valid value wins. See README.md "Tenant sources" for the trust model.

import { hasControlChars } from "../../assembly/lib/ascii";
import { findCookie } from "../../assembly/lib/cookie";
import { findQueryParam, pathSegment } from "../../assembly/lib/query";
import { RequestView } from "../../assembly/request-view";

export enum SourceKind { Header, Cookie, Query, PathSegment, HostLabel, ClaimHeader }

export const SOURCE_KEYS = ["header", "cookie", "query", "path_segment", "host_label", "claim_header"];

export class TenantSource {
  constructor(public kind: SourceKind, public name: string, public index: i32) {}
}

/** What findTenant found. Reused across requests: fill it with findTenant. */
export class TenantLookup {
  /** The tenant, or null when no source yields a valid one. */
  tenant: string | null = null;
  /** Values seen but refused (too long, control characters). */
  rejected: i32 = 0;
}

/** Fills `out` from the first source, in order, that yields a valid tenant. */
export function findTenant(sources: Array<TenantSource>, view: RequestView, maxLength: i32, out: TenantLookup): void {
  out.tenant = null;
  out.rejected = 0;
  for (let i = 0; i < sources.length; i++) {
    const value = readSource(unchecked(sources[i]), view);
    if (value == null || value.length == 0) continue;
    if (!validTenant(value, maxLength)) {
      out.rejected++;
      continue;
    }
    out.tenant = value;
    return;
  }
}

function readSource(source: TenantSource, view: RequestView): string | null {
  switch (source.kind) {
    case SourceKind.Header:
    case SourceKind.ClaimHeader:
      return view.headers.get(source.name);
    case SourceKind.Cookie: {
      const header = view.cookieHeader();
      return header == null ? null : findCookie(header, source.name);
    }
    case SourceKind.Query: {
      const path = view.path();
      return path == null ? null : findQueryParam(path, source.name);
    }
    case SourceKind.PathSegment: {
      const path = view.path();
      return path == null ? null : pathSegment(path, source.index);
    }
    case SourceKind.HostLabel: {
      const host = view.hostName();
      return host == null ? null : hostLabel(host, source.index);
    }
  }
  return null;
}

/** A tenant is 1..maxLength characters without control characters (it may end up in logs). */
function validTenant(value: string, maxLength: i32): bool {
  const n = value.length;
  return n > 0 && n <= maxLength && !hasControlChars(value);
}

/**
 * DNS label `index` (0 = leftmost) of a host name; null for IP addresses, out-of-range indexes and
 * empty labels ("a..b"). A host is an IP address when it is bracketed (IPv6) or its last label is
 * a decimal number (IPv4: DNS names never end in a numeric label, and URL parsers read such hosts
 * as IPv4), which is decided without parsing the address.
 */
export function hostLabel(host: string, index: i32): string | null {
  const n = host.length;
  if (n == 0 || host.charCodeAt(0) == 0x5b) return null;
  let j = n;
  while (j > 0) {
    const c = host.charCodeAt(j - 1);
    if (c < 0x30 || c > 0x39) break;
    j--;
  }
  if (j < n && (j == 0 || host.charCodeAt(j - 1) == 0x2e)) return null; // last label is all digits
  let start = 0;
  let label = 0;
  for (let i = 0; i <= n; i++) {
    if (i == n || host.charCodeAt(i) == 0x2e) {
      if (label == index) return i > start ? host.substring(start, i) : null;
      label++;
      start = i + 1;
    }
  }
  return null;
}
