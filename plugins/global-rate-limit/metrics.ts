// Counters in Envoy's /stats as wasmcustom.global_rate_limit.<name> (the names of Envoy's native
// ratelimit filter where there is one) and wasmcustom.global_rate_limit.<rule>.<name> per rule.

import { Counter } from "../../assembly/metrics";

export class Metrics {
  /** Calls made to the Rate Limit Service. */
  calls: Counter = new Counter("global_rate_limit.calls");
  /** RLS answered OK: the request went on. */
  ok: Counter = new Counter("global_rate_limit.ok");
  /** RLS answered OVER_LIMIT: the request was rejected. */
  overLimit: Counter = new Counter("global_rate_limit.over_limit");
  /** The call failed, timed out, was refused, or the answer was not a RateLimitResponse. */
  error: Counter = new Counter("global_rate_limit.error");
  /** After an error, failure_mode_deny false let the request through. */
  failureModeAllowed: Counter = new Counter("global_rate_limit.failure_mode_allowed");
  /** After an error, failure_mode_deny true rejected the request. */
  failureModeDenied: Counter = new Counter("global_rate_limit.failure_mode_denied");
}

export class RuleMetrics {
  /** This rule's descriptor was over its limit. */
  overLimit: Counter;
  /** Requests this rule admitted from its lease, without a call. */
  leaseHit: Counter;
  constructor(rule: string) {
    this.overLimit = new Counter("global_rate_limit." + rule + ".over_limit");
    this.leaseHit = new Counter("global_rate_limit." + rule + ".lease_hit");
  }
}

let shared: Metrics | null = null;
const byRule = new Map<string, RuleMetrics>();

/** Defined on first use (host calls are not allowed while the module starts). */
export function metrics(): Metrics {
  let m = shared;
  if (m == null) {
    m = new Metrics();
    shared = m;
  }
  return m;
}

export function ruleMetrics(rule: string): RuleMetrics {
  if (byRule.has(rule)) return byRule.get(rule);
  const m = new RuleMetrics(rule);
  byRule.set(rule, m);
  return m;
}
