// Lease mode: instead of one call per request, a request that finds no lease asks the Rate Limit
// Service for `tokens` hits at once (the descriptor's hits_addend); the tokens it does not use are
// kept in proxy shared data and spent by later requests of any worker of this Envoy, with
// compare-and-swap, until the RLS window ends.
//
// Why it never admits more than the limit: every token was counted by RLS in the window it is spent
// in (a lease is used until one second before the window end RLS reports, which RLS rounds up to
// whole seconds).
// What it costs: tokens left at the end of a window are lost, and a refill RLS rejects still counts.
// To bound that, a lease stops ("exact", one call per request again) once RLS reports fewer than
// replicas x tokens remaining: at most replicas x (tokens - 1) go unused per window.
// Once RLS says OVER_LIMIT, the descriptor is over for the rest of the window (RLS's counter only
// grows within a window): later requests are rejected here, without a call, until then.
//
// Shared-data value (24 bytes): u32 tokens left, u32 state (0 leasing, 1 exact, 2 over), u64 window
// end in ms (wall clock), u32 limit, u32 window seconds (for x-ratelimit-* on local rejections).

import { Status } from "../../assembly/enums";
import { getShared, setShared, SharedValue } from "../../assembly/shared-data";
import { nowMillis } from "../../assembly/time";
import { Rule } from "./config";
import { DescriptorStatus, RlsCode } from "./rls-proto";

const VALUE_SIZE: i32 = 24;
/** A lease is used until this long before the window end RLS reported (its whole seconds are rounded up). */
const MARGIN_MS: u64 = 1000;

export enum LeaseState { Leasing = 0, Exact = 1, Over = 2 }

/** What take() found. */
export enum Take { Token, Call, Over }
const CAS_ROUNDS: i32 = 16;

const read = new SharedValue();
const buf = new ArrayBuffer(VALUE_SIZE);

export class Lease {
  /** Set by take() when it says Call: the hits to ask for, the lease size or 1 while exact. */
  refillTokens: u64 = 1;
  /** Set by take() when it says Over: the descriptor's limit, window and seconds to its end. */
  limit: u64 = 0;
  unitSeconds: u64 = 0;
  resetSeconds: u64 = 0;

  constructor(public key: string, public size: u32, public replicas: u32) {}

  /** Takes one leased token, or says why not: Call (refillTokens says for how many hits) or Over. */
  take(): Take {
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const now = nowMillis();
      const v = changetype<usize>(read.value);
      if (!read.found || read.value.byteLength != VALUE_SIZE || load<u64>(v, 8) <= now + MARGIN_MS) {
        this.refillTokens = this.size;
        return Take.Call;
      }
      const state = load<u32>(v, 4);
      if (state == LeaseState.Over) {
        this.limit = <u64>load<u32>(v, 16);
        this.unitSeconds = <u64>load<u32>(v, 20);
        this.resetSeconds = (load<u64>(v, 8) - now + 999) / 1000;
        return Take.Over;
      }
      const tokens = load<u32>(v);
      if (tokens == 0) {
        this.refillTokens = state == LeaseState.Exact ? 1 : this.size;
        return Take.Call;
      }
      store<u32>(v, tokens - 1);
      const s = setShared(this.key, read.value, read.cas);
      if (s == Status.Ok) return Take.Token;
      if (s != Status.CasMismatch) break;
    }
    this.refillTokens = 1; // contention or a shared-data error: one exact call is always safe
    return Take.Call;
  }

  /**
   * Stores what a call asking for `hits` hits got: the tokens this request does not use (all of them
   * when another descriptor rejected it), the state, and the window end.
   */
  settle(status: DescriptorStatus, hits: u64, admitted: bool): void {
    // A window is never longer than the limit's unit: a longer (or overflowing) reset from a broken RLS
    // would keep the descriptor over, or its tokens alive, for good (shared data outlives the VM).
    const reset = min<u64>(status.resetSeconds, status.unitSeconds);
    if (reset == 0) return;
    const end = nowMillis() + reset * 1000;
    const over = status.code == RlsCode.OverLimit;
    const gained: u64 = over || hits == 0 ? 0 : admitted ? hits - 1 : hits;
    const state = over ? LeaseState.Over : status.remaining < <u64>this.replicas * <u64>this.size ? LeaseState.Exact : LeaseState.Leasing;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const p = changetype<usize>(buf);
      let tokens: u64 = gained;
      let was: u32 = LeaseState.Leasing;
      const v = changetype<usize>(read.value);
      if (read.found && read.value.byteLength == VALUE_SIZE && load<u64>(v, 8) > nowMillis()) {
        tokens += <u64>load<u32>(v);
        was = load<u32>(v, 4);
      }
      store<u32>(p, over ? 0 : tokens > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>tokens);
      store<u32>(p, max<u32>(was, state), 4);
      store<u64>(p, end, 8);
      store<u32>(p, <u32>min<u64>(status.requestsPerUnit, u32.MAX_VALUE), 16);
      store<u32>(p, <u32>min<u64>(status.unitSeconds, u32.MAX_VALUE), 20);
      const s = setShared(this.key, buf, read.found ? read.cas : 0);
      if (s != Status.CasMismatch) return;
    }
  }
}

/** Leases by shared-data key, kept per VM (their keys are bounded: constants and consumers). */
const leases = new Map<string, Lease>();

/** The lease of `rule` for these entry values. */
export function leaseFor(rule: Rule, values: Array<string>): Lease {
  const key = rule.leasePrefix + values.join("\x1f");
  if (leases.has(key)) return leases.get(key);
  const l = rule.lease!;
  const lease = new Lease(key, l.tokens, l.replicas);
  leases.set(key, lease);
  return lease;
}
