// Lanes: which tenants (and client addresses) a lane takes, decided per request in O(1) in the
// size of the tenant lists. See README.md "Lanes".

import { Cidr } from "../../assembly/lib/cidr";
import { stickyBucket } from "../../assembly/lib/sticky";
import { Counter } from "../../assembly/metrics";
import { RequestView } from "../../assembly/request-view";

/** Why a request got (or did not get) its lane; also the `by=` of the debug header. */
export enum Reason { None, Tenants, Prefix, Percentage, Source, Cookie, Default, NoTenant, NoLane }

const REASON_NAMES = ["", "tenants", "prefix", "percentage", "source", "cookie", "default", "no-tenant", "no-lane"];

export function reasonName(r: Reason): string {
  return unchecked(REASON_NAMES[<i32>r]);
}

/**
 * Tenant prefixes as a set per prefix length: a tenant of length L is checked with one substring
 * and one Set lookup per distinct prefix length <= L, however many prefixes there are.
 */
export class PrefixSet {
  prefixes: Set<string> = new Set<string>();
  /** Distinct prefix lengths, ascending. */
  lengths: Array<i32> = new Array<i32>();

  add(prefix: string): void {
    if (this.prefixes.has(prefix)) return;
    this.prefixes.add(prefix);
    const n = prefix.length;
    if (this.lengths.includes(n)) return;
    // Kept ascending: insert before the first longer length.
    let at = 0;
    while (at < this.lengths.length && unchecked(this.lengths[at]) < n) at++;
    this.lengths.push(n);
    for (let i = this.lengths.length - 1; i > at; i--) unchecked(this.lengths[i] = this.lengths[i - 1]);
    unchecked(this.lengths[at] = n);
  }

  get size(): i32 { return this.prefixes.size; }

  matches(tenant: string): bool {
    const n = tenant.length;
    for (let i = 0; i < this.lengths.length; i++) {
      const len = unchecked(this.lengths[i]);
      if (len > n) return false;
      if (this.prefixes.has(len == n ? tenant : tenant.substring(0, len))) return true;
    }
    return false;
  }
}

export class Lane {
  tag: string = "";
  tenants: Set<string> = new Set<string>();
  prefixes: PrefixSet = new PrefixSet();
  /** Sticky share of tenants, 0-100; -1 when the lane has none. */
  percentage: i32 = -1;
  cidrs: Array<Cidr> = new Array<Cidr>();
  /** The lane lists tenants, prefixes or a percentage: requests without a tenant never match it. */
  byTenant: bool = false;
  /** Set-Cookie values for this lane's sticky cookie (built at configure time). */
  setCookie: string = "";
  /** wasmcustom.tenant_gray.lane.<tag>, attached when the configuration is activated. */
  counter: Counter | null = null;
}

/** The lane matchLane chose, and why. Reused across requests: fill it with matchLane. */
export class LaneMatch {
  lane: Lane | null = null;
  reason: Reason = Reason.None;
  /** The tenant's sticky bucket once computed (-1: not yet), so lanes share one hash. */
  private bucket: i32 = -1;

  reset(): void {
    this.lane = null;
    this.reason = Reason.None;
    this.bucket = -1;
  }

  stickyBucket(tenant: string): i32 {
    if (this.bucket < 0) this.bucket = stickyBucket(tenant);
    return this.bucket;
  }
}

/**
 * Fills `out` with the first lane the request (with `tenant`, or none) belongs to, or no lane and
 * the reason why not. Client ranges test Envoy's downstream remote address (the peer, or the client
 * from X-Forwarded-For when the connection manager trusts it), never a header parsed here.
 */
export function matchLane(lanes: Array<Lane>, tenant: string | null, view: RequestView, out: LaneMatch): void {
  out.reset();
  for (let i = 0; i < lanes.length; i++) {
    const lane = unchecked(lanes[i]);
    let reason = Reason.Source;
    if (lane.byTenant) {
      if (tenant == null) continue;
      reason = tenantReason(lane, tenant, out);
      if (reason == Reason.None) continue;
    }
    if (lane.cidrs.length > 0 && !inAnyRange(lane.cidrs, view)) continue;
    out.lane = lane;
    out.reason = reason;
    return;
  }
  out.reason = tenant == null ? Reason.NoTenant : Reason.NoLane;
}

function tenantReason(lane: Lane, tenant: string, match: LaneMatch): Reason {
  if (lane.tenants.size > 0 && lane.tenants.has(tenant)) return Reason.Tenants;
  if (lane.prefixes.size > 0 && lane.prefixes.matches(tenant)) return Reason.Prefix;
  if (lane.percentage > 0) {
    if (lane.percentage >= 100) return Reason.Percentage;
    if (match.stickyBucket(tenant) < lane.percentage) return Reason.Percentage;
  }
  return Reason.None;
}

function inAnyRange(cidrs: Array<Cidr>, view: RequestView): bool {
  const addr = view.clientAddress();
  if (addr == null) return false;
  for (let i = 0; i < cidrs.length; i++) {
    if (unchecked(cidrs[i]).containsAddress(addr)) return true;
  }
  return false;
}
