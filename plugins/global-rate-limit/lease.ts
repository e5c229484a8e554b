// Lease mode: instead of one call per request, a request that finds no lease asks the Rate Limit
// Service for `tokens` hits at once (the descriptor's hits_addend); the tokens it does not use are
// kept in proxy shared data and spent by later requests of any worker of this Envoy, with
// compare-and-swap, until the RLS window ends.
//
// Why it never admits more than the limit: every token was counted by RLS in the window it is spent
// in (a lease expires a second before RLS's reported reset, which RLS rounds up to whole seconds).
// What it costs: tokens left at the end of a window are lost, and a refill RLS rejects still counts.
// To bound that, a lease stops ("exact" until the window ends, one call per request again) once RLS
// reports fewer than replicas x tokens remaining: at most replicas x (tokens - 1) go unused per window.
//
// Shared-data value (16 bytes): u32 tokens left, u32 exact (0/1), u64 window end in ms (wall clock).

import { Status } from "../../assembly/enums";
import { getShared, setShared, SharedValue } from "../../assembly/shared-data";
import { nowMillis } from "../../assembly/time";
import { Rule } from "./config";
import { DescriptorStatus, RlsCode } from "./rls-proto";

const VALUE_SIZE: i32 = 16;
const CAS_ROUNDS: i32 = 16;

const read = new SharedValue();
const buf = new ArrayBuffer(VALUE_SIZE);

export class Lease {
  /** Set by a failed take(): hits the call should ask for, the lease size or 1 while exact (read it at once). */
  refillTokens: u64 = 1;

  constructor(public key: string, public size: u32, public replicas: u32) {}

  /** Takes one leased token; false when the request must call RLS (refillTokens says for how many). */
  take(): bool {
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const now = nowMillis();
      if (!read.found || read.value.byteLength != VALUE_SIZE || load<u64>(changetype<usize>(read.value), 8) <= now) {
        this.refillTokens = this.size;
        return false;
      }
      const v = changetype<usize>(read.value);
      const tokens = load<u32>(v);
      if (tokens == 0) {
        this.refillTokens = load<u32>(v, 4) != 0 ? 1 : this.size;
        return false;
      }
      store<u32>(v, tokens - 1);
      const s = setShared(this.key, read.value, read.cas);
      if (s == Status.Ok) return true;
      if (s != Status.CasMismatch) break;
    }
    this.refillTokens = 1; // contention or a shared-data error: one exact call is always safe
    return false;
  }

  /**
   * Stores what a call asking for `hits` hits got: the tokens this request does not use (all of them
   * when another descriptor rejected it), until the window ends.
   */
  settle(status: DescriptorStatus, hits: u64, admitted: bool): void {
    const ok = status.code == RlsCode.Ok;
    const reset = status.resetSeconds;
    // RLS reports whole seconds, rounded up: a lease must not outlive the window its tokens were counted in.
    if (reset <= 1) return;
    const end = nowMillis() + (reset - 1) * 1000;
    const gained: u64 = !ok || hits == 0 ? 0 : admitted ? hits - 1 : hits;
    const exact = !ok || status.remaining < <u64>this.replicas * <u64>this.size;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      getShared(this.key, read);
      const p = changetype<usize>(buf);
      let tokens: u64 = gained;
      let wasExact = false;
      if (read.found && read.value.byteLength == VALUE_SIZE && load<u64>(changetype<usize>(read.value), 8) > nowMillis()) {
        const v = changetype<usize>(read.value);
        tokens += <u64>load<u32>(v);
        wasExact = load<u32>(v, 4) != 0;
      }
      store<u32>(p, tokens > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>tokens);
      store<u32>(p, exact || wasExact ? 1 : 0, 4);
      store<u64>(p, end, 8);
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
