// Lease mode: instead of one call per request, a request that finds no lease asks the Rate Limit
// Service for `tokens` hits at once (the descriptor's hits_addend); the tokens it does not use are
// kept in proxy shared data and spent by later requests of any worker of this Envoy, with
// compare-and-swap, until the RLS window ends.
//
// Why it never admits more than the limit: every token was counted by RLS in the window it is spent
// in (a lease is used until one second before the window end RLS reports, which RLS rounds up to
// whole seconds).
// What it costs: tokens left at the end of a window are lost, and a refill RLS rejects still counts.
// To bound that:
// * one refill at a time per Envoy: a request that finds another refill in flight makes an exact call
//   (one hit) instead of asking for `tokens` more (concurrent refills would each be counted);
// * a lease stops ("exact", one call per request again) once RLS reports fewer than
//   replicas x tokens remaining;
// * tokens already leased are spent even after a refill was refused.
// Once RLS says OVER_LIMIT and no leased token is left, the descriptor is over for the rest of the
// window (RLS's counter only grows within a window): requests are rejected here, without a call.
//
// Shared-data value (32 bytes): u32 tokens left, u32 state (0 leasing, 1 exact, 2 over), u64 window
// end in ms (wall clock; 0 unknown), u32 limit, u32 window seconds (for x-ratelimit-* on local
// rejections), u64 end of the refill in flight in ms (0 none).

import { Status } from "../../assembly/enums";
import { getShared, setShared, SharedValue } from "../../assembly/shared-data";
import { nowMillis } from "../../assembly/time";
import { Rule } from "./config";
import { DescriptorStatus, RlsCode } from "./rls-proto";

const VALUE_SIZE: i32 = 32;
const CAS_ROUNDS: i32 = 16;
/** A lease is used until this long before the window end RLS reported (its whole seconds are rounded up). */
const MARGIN_MS: u64 = 1000;

export enum LeaseState { Leasing = 0, Exact = 1, Over = 2 }

/** What take() found. */
export enum Take { Token, Call, Over }

const read = new SharedValue();
const buf = new ArrayBuffer(VALUE_SIZE);

/** The fields of a lease value, read from shared data (an absent or foreign value reads as empty). */
class LeaseValue {
  tokens: u64 = 0;
  state: u32 = LeaseState.Leasing;
  end: u64 = 0;
  limit: u32 = 0;
  unitSeconds: u32 = 0;
  refillUntil: u64 = 0;

  load(found: bool, value: ArrayBuffer): LeaseValue {
    const v = changetype<usize>(value);
    const ok = found && value.byteLength == VALUE_SIZE;
    this.tokens = ok ? <u64>load<u32>(v) : 0;
    this.state = ok ? load<u32>(v, 4) : LeaseState.Leasing;
    this.end = ok ? load<u64>(v, 8) : 0;
    this.limit = ok ? load<u32>(v, 16) : 0;
    this.unitSeconds = ok ? load<u32>(v, 20) : 0;
    this.refillUntil = ok ? load<u64>(v, 24) : 0;
    return this;
  }

  /** Whether the window is known and not within a second of its end. */
  current(now: u64): bool { return this.end > now + MARGIN_MS; }

  /** Starts over for a new window (its end unknown until RLS says). */
  clear(): void {
    this.tokens = 0;
    this.state = LeaseState.Leasing;
    this.end = 0;
  }

  write(cas: u32): Status {
    const p = changetype<usize>(buf);
    store<u32>(p, this.tokens > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>this.tokens);
    store<u32>(p, this.state, 4);
    store<u64>(p, this.end, 8);
    store<u32>(p, this.limit, 16);
    store<u32>(p, this.unitSeconds, 20);
    store<u64>(p, this.refillUntil, 24);
    return setShared(this.key, buf, cas);
  }

  key: string = "";
}

const value = new LeaseValue();

export class Lease {
  /** Set by take() when it says Call: the hits to ask for, the lease size (this request refills) or 1. */
  refillTokens: u64 = 1;
  /** Set by take() when it says Over: the descriptor's limit, window and seconds to its end. */
  limit: u64 = 0;
  unitSeconds: u64 = 0;
  resetSeconds: u64 = 0;

  constructor(public key: string, public size: u32, public replicas: u32) {}

  /**
   * Takes one leased token, or says why not: Call (refillTokens says for how many hits) or Over.
   * `claimMs`: how long a refill this request claims may stay in flight (its call's timeout).
   */
  take(claimMs: u64): Take {
    value.key = this.key;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const v = value.load(read.found, read.value);
      const now = nowMillis();
      if (!v.current(now)) v.clear();
      if (v.tokens > 0) {
        v.tokens--;
        const s = v.write(read.cas);
        if (s == Status.Ok) return Take.Token;
        if (s == Status.CasMismatch) continue;
        break;
      }
      if (v.state == LeaseState.Over) {
        this.limit = <u64>v.limit;
        this.unitSeconds = <u64>v.unitSeconds;
        this.resetSeconds = (v.end - now + 999) / 1000;
        return Take.Over;
      }
      if (v.state == LeaseState.Exact || v.refillUntil > now) break; // exact, or another request refills
      v.refillUntil = now + claimMs;
      const s = v.write(read.found ? read.cas : 0);
      if (s == Status.Ok) {
        this.refillTokens = this.size;
        return Take.Call;
      }
      if (s != Status.CasMismatch) break;
    }
    this.refillTokens = 1; // exact, a refill in flight, contention or a shared-data error: one exact call is always safe
    return Take.Call;
  }

  /**
   * Stores what a call asking for `hits` hits got: the tokens this request does not use (all of them
   * when another descriptor rejected it), the state and the window; ends this request's refill.
   */
  settle(status: DescriptorStatus, hits: u64, admitted: bool): void {
    const refilled = hits == <u64>this.size;
    // A window is never longer than the limit's unit: a longer (or overflowing) reset from a broken RLS
    // would keep the descriptor over, or its tokens alive, for good (shared data outlives the VM).
    const reset = min<u64>(status.resetSeconds, status.unitSeconds);
    const over = status.code == RlsCode.OverLimit;
    const gained: u64 = over || hits == 0 ? 0 : admitted ? hits - 1 : hits;
    const state: u32 = over ? LeaseState.Over : status.remaining < <u64>this.replicas * <u64>this.size ? LeaseState.Exact : LeaseState.Leasing;
    value.key = this.key;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const v = value.load(read.found, read.value);
      const now = nowMillis();
      if (refilled) v.refillUntil = 0;
      if (reset > 0) {
        if (!v.current(now)) v.clear();
        v.tokens += gained;
        v.state = max<u32>(v.state, state);
        v.end = now + reset * 1000;
        v.limit = <u32>min<u64>(status.requestsPerUnit, u32.MAX_VALUE);
        v.unitSeconds = <u32>min<u64>(status.unitSeconds, u32.MAX_VALUE);
      } else if (!refilled) {
        return; // RLS has no limit for it: nothing to lease
      }
      if (v.write(read.found ? read.cas : 0) != Status.CasMismatch) return;
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
