// Counters per rule in Envoy's /stats as wasmcustom.local_rate_limit.<rule>.<name>. Rules with
// the same name (e.g. in several Higress `_rules_` entries) share their counters.

import { Counter } from "../../assembly/metrics";

export class RuleMetrics {
  /** The rule took a token: the request may pass (other rules may still reject it). */
  allowed: Counter;
  /** The rule had no token: the request was rejected. */
  limited: Counter;
  /** The key table had no free or idle slot for the value: it evicted the value whose bucket was nearest to full. */
  overflow: Counter;
  /** Compare-and-swap retries ran out under contention: on_contention decided. */
  contention: Counter;
  /** Shared data failed unexpectedly: the rule let the request through. */
  error: Counter;

  constructor(rule: string) {
    const p = "local_rate_limit." + rule + ".";
    this.allowed = new Counter(p + "allowed");
    this.limited = new Counter(p + "limited");
    this.overflow = new Counter(p + "overflow");
    this.contention = new Counter(p + "contention");
    this.error = new Counter(p + "error");
  }
}

const byName = new Map<string, RuleMetrics>();

/** Defined on first use (host calls are not allowed while the module starts), once per rule name. */
export function ruleMetrics(rule: string): RuleMetrics {
  if (byName.has(rule)) return byName.get(rule);
  const m = new RuleMetrics(rule);
  byName.set(rule, m);
  return m;
}
