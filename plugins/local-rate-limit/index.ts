// local-rate-limit: token buckets per key (header, param, cookie, consumer, client IP, path) in
// proxy shared data, so every Envoy worker draws from the same bucket. See README.md.

import { Action, LogLevel, NO_GRPC_STATUS } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { HeaderMap } from "../../assembly/headers";
import { log } from "../../assembly/log";
import { HeaderPair } from "../../assembly/pairs";
import { registerFilter } from "../../assembly/plugin";
import { monotonicNanos, nowNanos } from "../../assembly/time";
import { Config, parseConfig, Rule } from "./config";
import { ruleMetrics } from "./metrics";
import { patternMatches } from "./request";
import { RequestView } from "../../assembly/request-view";
import { takeKeyed } from "./key-table";
import { ensureStorage, takeDedicated } from "./shared-store";
import { Outcome, Verdict } from "./verdict";

const GRPC_RESOURCE_EXHAUSTED: i32 = 8;
const REMAINING_ZERO = new HeaderPair("x-ratelimit-remaining", "0");

/** The configure-time warning for a key the client picks freely, with no per-client rule before it. */
function unguardedMessage(rule: Rule): string {
  return "rule " + rule.name + ": its key (" + rule.key.describe() + ") is chosen by the client, and no rule before it limits per client " +
    "(client_ip or consumer) on its requests: one client can send new values to get a fresh bucket for each and " +
    "evict other values' buckets from the key table (max_keys " + rule.maxKeys.toString() + "); put a client_ip rule before it";
}

/** Microseconds on the monotonic clock (wall clock if the host has no monotonic clock). */
function nowUs(): u64 {
  let ns = monotonicNanos();
  if (ns == 0) ns = nowNanos();
  return ns / 1000;
}

/**
 * Side effects of an accepted configuration, run once it is wholly accepted (global part and every
 * `_rules_` entry) and never when it is only validated: creates the buckets that do not exist yet
 * and attaches the rules' metrics.
 */
function activateConfig(config: Config): void {
  const now = nowUs();
  for (let i = 0; i < config.rules.length; i++) {
    const rule = unchecked(config.rules[i]);
    ensureStorage(rule, now);
    rule.metrics = ruleMetrics(rule.name);
    if (rule.deprecatedOverflow.length > 0) {
      log.warn(rule.deprecatedOverflow + " is deprecated and has no effect: when the key table is full, a new value " +
        "takes over the slot of the value whose bucket is nearest to full (rule " + rule.name + ")");
    }
    if (rule.unguarded) log.warn(unguardedMessage(rule));
    if (log.enabled(LogLevel.Debug)) {
      const l = rule.limit;
      log.debug("rule " + rule.name + ": " + (l != null ? l.toString() : "listed keys only") + ", buckets under " + rule.prefix);
    }
  }
}

/** Ceiling of microseconds in whole seconds. */
function seconds(us: u64): u64 { return (us + 999_999) / 1_000_000; }

class LocalRateLimit extends HttpFilter<Config> {
  /** The answer of one rule, reused: a VM runs one callback at a time and nothing here is kept across callbacks. */
  private static readonly verdict: Verdict = new Verdict();

  /** x-ratelimit-* for the response: the metered rule with the fewest tokens left. */
  metered: bool = false;
  limit: i64 = 0;
  remaining: u64 = 0;
  resetUs: u64 = 0;

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    const config = this.config;
    const req = this.request;
    const verdict = LocalRateLimit.verdict;
    let now: u64 = 0;
    for (let i = 0; i < config.rules.length; i++) {
      const rule = unchecked(config.rules[i]);
      if (!rule.match.matches(req)) continue;
      if (now == 0) now = nowUs();
      if (!this.apply(rule, req, now, verdict)) continue;
      const m = rule.metrics!; // set by activateConfig() for every rule of an accepted configuration
      const o = verdict.outcome;
      if (verdict.evicted) m.overflow.increment();
      if (o == Outcome.ContentionAllowed || o == Outcome.ContentionDenied) m.contention.increment();
      else if (o == Outcome.Error) m.error.increment();
      if (!verdict.allowed) {
        m.limited.increment();
        return this.reject(headers, verdict);
      }
      m.allowed.increment();
      if (verdict.metered && (!this.metered || verdict.tokens < this.remaining)) {
        this.metered = true;
        this.limit = verdict.capacity;
        this.remaining = verdict.tokens;
        this.resetUs = verdict.usUntilFull;
      }
    }
    return Action.Continue;
  }

  /** Runs one matching rule into `verdict`; false when the rule does not limit this request. */
  apply(rule: Rule, req: RequestView, now: u64, verdict: Verdict): bool {
    const config = this.config;
    verdict.reset();
    const all = rule.all;
    if (all != null) {
      takeDedicated(all, now, config, verdict);
      return true;
    }
    const value = rule.key.valueOf(req);
    if (value == null) {
      const missing = rule.missing;
      if (missing == null) return false;
      takeDedicated(missing, now, config, verdict);
      return true;
    }
    if (rule.exact.has(value)) {
      takeDedicated(rule.exact.get(value), now, config, verdict);
      return true;
    }
    for (let p = 0; p < rule.patterns.length; p++) {
      const pattern = unchecked(rule.patterns[p]);
      if (!patternMatches(pattern, value, req)) continue;
      takeKeyed(rule, value, pattern.limit, now, config, verdict);
      return true;
    }
    const limit = rule.limit;
    if (limit == null) return false;
    takeKeyed(rule, value, limit, now, config, verdict);
    return true;
  }

  reject(headers: HeaderMap, verdict: Verdict): Action {
    const config = this.config;
    const out = config.rejectHeaders;
    out.length = config.headers.length; // the configured headers, built once; this rejection's pairs follow
    if (config.rateLimitHeaders) {
      out.push(new HeaderPair("x-ratelimit-limit", verdict.capacity.toString()));
      out.push(REMAINING_ZERO);
      if (verdict.metered) out.push(new HeaderPair("x-ratelimit-reset", seconds(verdict.usUntilFull).toString()));
    }
    let retry = seconds(verdict.usUntilToken);
    if (retry == 0) retry = 1;
    out.push(new HeaderPair("retry-after", retry.toString()));
    const contentType = headers.get("content-type");
    const grpc = contentType != null && contentType.startsWith("application/grpc");
    return this.respond(config.status, config.body, out, "local_rate_limited", grpc ? GRPC_RESOURCE_EXHAUSTED : NO_GRPC_STATUS);
  }

  onResponseHeaders(headers: HeaderMap, endOfStream: bool): Action {
    if (!this.metered || !this.config.rateLimitHeaders) return Action.Continue;
    headers.set("x-ratelimit-limit", this.limit.toString());
    headers.set("x-ratelimit-remaining", this.remaining.toString());
    headers.set("x-ratelimit-reset", seconds(this.resetUs).toString());
    return Action.Continue;
  }
}

export * from "../../assembly/exports";
export { proxy_on_request_headers, proxy_on_response_headers } from "../../assembly/stream-exports";
registerFilter<Config>("local-rate-limit", parseConfig, (config: Config): HttpFilter<Config> => new LocalRateLimit(config), activateConfig);
