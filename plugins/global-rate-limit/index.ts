// global-rate-limit: one limit across every gateway replica, counted by the Rate Limit Service
// (envoyproxy/ratelimit, backed by Redis) through a proxy-wasm gRPC call per request. See README.md.

import { Action, NO_GRPC_STATUS } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { GrpcResponse, GrpcStatus } from "../../assembly/grpc-call";
import { HeaderMap, requestHeaders } from "../../assembly/headers";
import { log } from "../../assembly/log";
import { nowMillis } from "../../assembly/time";
import { HeaderPair } from "../../assembly/pairs";
import { registerFilter } from "../../assembly/plugin";
import { escapedBytesAsPercent } from "../../assembly/lib/bytes-text";
import { ProtoWriter } from "../../assembly/lib/protobuf";
import { Config, parseConfig, Rule } from "./config";
import { Lease, leaseFor, Take } from "./lease";
import { metrics, RuleMetrics, ruleMetrics } from "./metrics";
import { DescriptorStatus, MAX_ANSWER_BYTES, RLS_METHOD, RLS_SERVICE, RlsAnswer, RlsCode, writeDescriptor } from "./rls-proto";

const RATELIMITED = new HeaderPair("x-envoy-ratelimited", "true");

/** Per-callback scratch, reused: a VM runs one callback at a time. */
const writer = new ProtoWriter(512);
const answer = new RlsAnswer();
const values = new Array<string>();
const overStatus = new DescriptorStatus();

function activateConfig(config: Config): void {
  metrics();
  for (let i = 0; i < config.rules.length; i++) {
    const rule = unchecked(config.rules[i]);
    rule.metrics = ruleMetrics(rule.name);
  }
  const higress = config.higress;
  if (higress != null) higress.metrics = ruleMetrics(higress.ruleName);
}

/** The entries of `rule` for this request into `values`; false when one is missing (the rule does not apply). */
function entryValues(rule: Rule, filter: GlobalRateLimit): bool {
  values.length = 0;
  for (let i = 0; i < rule.entries.length; i++) {
    const e = unchecked(rule.entries[i]);
    if (e.source.source == 0) {
      values.push(e.constant);
      continue;
    }
    const v = e.source.valueOf(filter.request);
    if (v == null) return false;
    // RLS (Go) refuses a descriptor that is not UTF-8: such a value would fail the call and pass unlimited.
    values.push(escapedBytesAsPercent(v));
  }
  return true;
}

/** A descriptor in a pending call: its rule's metrics, and the lease it refills with `hits` hits. */
class Sent {
  constructor(public metrics: RuleMetrics, public lease: Lease | null, public hits: u64) {}
}

class GlobalRateLimit extends HttpFilter<Config> {
  /** The descriptors of this request's call, in order; null when no call is pending. */
  sent: Array<Sent> | null = null;
  /** x-ratelimit-* and RLS's response headers for the upstream's response. */
  limitStatus: DescriptorStatus | null = null;
  responseHeaders: Array<HeaderPair> | null = null;

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    const config = this.config;
    const req = this.request;
    let sent: Array<Sent> | null = null;
    writer.reset().string(1, config.domain);
    const higress = config.higress;
    if (higress != null) {
      // Higress form: one descriptor, of global_threshold or of the first rule item that applies.
      const limit = higress.pick(req, values);
      if (limit == null) return Action.Continue;
      writeDescriptor(writer, limit.keys, values, limit.requests, limit.unit, 0);
      sent = [new Sent(higress.metrics!, null, 0)];
    }
    for (let i = 0; i < config.rules.length; i++) {
      const rule = unchecked(config.rules[i]);
      if (!rule.match.matches(req) || !entryValues(rule, this)) continue;
      let lease: Lease | null = null;
      let hits: u64 = 0;
      if (rule.lease != null) {
        lease = leaseFor(rule, values);
        const took = lease.take(<u64>config.timeoutMs + 1000); // a refill claimed here lasts as long as its call can
        if (took == Take.Token) {
          rule.metrics!.leaseHit.increment();
          continue;
        }
        if (took == Take.Over) return this.rejectOver(rule, lease);
        hits = lease.refillTokens; // this request's token and the lease's, counted at once
      }
      writeDescriptor(writer, rule.keys, values, rule.requests, rule.unit, hits);
      if (sent == null) sent = new Array<Sent>();
      sent.push(new Sent(rule.metrics!, lease, hits));
    }
    if (sent == null) return Action.Continue;
    if (config.hitsAddend != 1) writer.varint(3, config.hitsAddend);
    metrics().calls.increment();
    const result = this.grpcCall(config.cluster, RLS_SERVICE, RLS_METHOD, writer.toBuffer(), config.timeoutMs);
    if (!result.ok) return this.failed("the call was refused (status " + (<i32>result.status).toString() + "): is cluster " + config.cluster + " defined?", false);
    this.sent = sent;
    return Action.Pause;
  }

  onGrpcResponse(response: GrpcResponse): void {
    const sent = this.sent;
    if (sent == null) return;
    this.sent = null;
    if (!response.ok) {
      this.failed("the call failed: gRPC status " + response.status.toString() + " " + response.statusMessage, true);
      return;
    }
    if (response.messageSize > MAX_ANSWER_BYTES) {
      this.failed("the answer has " + response.messageSize.toString() + " bytes, more than a RateLimitResponse needs", true);
      return;
    }
    if (!answer.read(response.message())) {
      this.failed("the answer is not a RateLimitResponse", true);
      return;
    }
    settleLeases(sent);
    for (let i = 0; i < answer.requestHeaders.length; i++) {
      const h = unchecked(answer.requestHeaders[i]);
      requestHeaders.add(h.name, h.value);
    }
    if (answer.code == RlsCode.OverLimit) {
      this.reject(sent);
      return;
    }
    metrics().ok.increment();
    this.keepForResponse();
    this.continueRequest();
  }

  /** Error path: counted, then failure_mode_deny decides. `paused`: the request waits for continueRequest. */
  failed(why: string, paused: bool): Action {
    const config = this.config;
    const m = metrics();
    m.error.increment();
    warnFailure(why);
    if (config.failureModeDeny) {
      m.failureModeDenied.increment();
      return this.respond(config.statusOnError, "", null, "rate_limiter_error", isGrpc() ? <i32>GrpcStatus.UNAVAILABLE : NO_GRPC_STATUS);
    }
    m.failureModeAllowed.increment();
    if (paused) this.continueRequest();
    return Action.Continue;
  }

  /** RLS said OVER_LIMIT: the rules whose descriptors were over are counted, the client gets the rejection. */
  reject(sent: Array<Sent>): void {
    let over: DescriptorStatus | null = null;
    for (let i = 0; i < sent.length; i++) {
      const s = answer.status(i);
      if (s == null || s.code != RlsCode.OverLimit) continue;
      unchecked(sent[i]).metrics.overLimit.increment();
      if (over == null || s.resetSeconds > over.resetSeconds) over = s;
    }
    this.sendRejection(over, answer.responseHeaders);
  }

  /** A leased descriptor is over its limit for the rest of RLS's window: rejected without a call. */
  rejectOver(rule: Rule, lease: Lease): Action {
    rule.metrics!.overLimit.increment();
    const s = overStatus;
    s.code = RlsCode.OverLimit;
    s.requestsPerUnit = lease.limit;
    s.unitSeconds = lease.unitSeconds;
    s.remaining = 0;
    s.resetSeconds = lease.resetSeconds;
    this.sendRejection(s, null);
    return Action.Pause;
  }

  sendRejection(over: DescriptorStatus | null, rlsHeaders: Array<HeaderPair> | null): void {
    const config = this.config;
    metrics().overLimit.increment();
    const out = config.rejectHeaders;
    out.length = config.headers.length; // the configured headers, built once; this rejection's pairs follow
    out.push(RATELIMITED);
    if (over != null) {
      if (config.rateLimitHeaders && over.requestsPerUnit > 0) pushLimitHeaders(out, over);
      out.push(new HeaderPair("retry-after", (over.resetSeconds == 0 ? 1 : over.resetSeconds).toString()));
    }
    if (rlsHeaders != null) for (let i = 0; i < rlsHeaders.length; i++) out.push(unchecked(rlsHeaders[i]));
    this.respond(config.status, config.body, out, "request_rate_limited", isGrpc() ? <i32>GrpcStatus.RESOURCE_EXHAUSTED : NO_GRPC_STATUS);
  }

  /** The descriptor with the fewest requests left, and RLS's response headers, for onResponseHeaders. */
  keepForResponse(): void {
    if (this.config.rateLimitHeaders) {
      let least: DescriptorStatus | null = null;
      for (let i = 0; i < answer.count; i++) {
        const s = unchecked(answer.statuses[i]);
        if (s.requestsPerUnit == 0) continue;
        if (least == null || s.remaining < least.remaining) least = s;
      }
      if (least != null) {
        const copy = new DescriptorStatus();
        copy.requestsPerUnit = least.requestsPerUnit;
        copy.name = least.name;
        copy.unitSeconds = least.unitSeconds;
        copy.remaining = least.remaining;
        copy.resetSeconds = least.resetSeconds;
        this.limitStatus = copy;
      }
    }
    if (answer.responseHeaders.length > 0) this.responseHeaders = answer.responseHeaders.slice(0);
  }

  onResponseHeaders(headers: HeaderMap, endOfStream: bool): Action {
    const s = this.limitStatus;
    if (s != null) {
      headers.set("x-ratelimit-limit", limitValue(s));
      headers.set("x-ratelimit-remaining", s.remaining.toString());
      headers.set("x-ratelimit-reset", s.resetSeconds.toString());
    }
    const extra = this.responseHeaders;
    if (extra != null) for (let i = 0; i < extra.length; i++) headers.add(unchecked(extra[i]).name, unchecked(extra[i]).value);
    return Action.Continue;
  }
}

/** Leases refilled by this answer: store their tokens (or stop leasing near the limit). */
function settleLeases(sent: Array<Sent>): void {
  for (let i = 0; i < sent.length; i++) {
    const d = unchecked(sent[i]);
    const lease = d.lease;
    const s = answer.status(i);
    if (lease != null && s != null) lease.settle(s, d.hits, answer.code == RlsCode.Ok);
  }
}

/** Failure warnings per VM: the first, then at most one per WARN_EVERY_MS, saying how many went unlogged. */
const WARN_EVERY_MS: u64 = 10_000;
let lastWarnMs: u64 = 0;
let unlogged: i32 = 0;

function warnFailure(why: string): void {
  const now = nowMillis();
  if (lastWarnMs != 0 && now - lastWarnMs < WARN_EVERY_MS) {
    unlogged++;
    return;
  }
  const more = unlogged == 0 ? "" : " (" + unlogged.toString() + " more failures since the last warning)";
  log.warn("Rate Limit Service: " + why + more);
  lastWarnMs = now;
  unlogged = 0;
}

/** A gRPC request? Read only for a local reply (the request headers stay readable while the request waits). */
function isGrpc(): bool {
  const contentType = requestHeaders.get("content-type");
  return contentType != null && contentType.startsWith("application/grpc");
}

/** Draft-03 form, as Envoy's native ratelimit filter writes it: `10, 10;w=60;name="per-api-key"`. */
function limitValue(s: DescriptorStatus): string {
  const n = s.requestsPerUnit.toString();
  if (s.unitSeconds == 0) return n;
  const v = n + ", " + n + ";w=" + s.unitSeconds.toString();
  return s.name.length == 0 ? v : v + ";name=\"" + s.name + "\"";
}

function pushLimitHeaders(out: Array<HeaderPair>, s: DescriptorStatus): void {
  out.push(new HeaderPair("x-ratelimit-limit", limitValue(s)));
  out.push(new HeaderPair("x-ratelimit-remaining", s.remaining.toString()));
  out.push(new HeaderPair("x-ratelimit-reset", s.resetSeconds.toString()));
}

export * from "../../assembly/exports";
export * from "../../assembly/grpc-exports";
export { proxy_on_request_headers, proxy_on_response_headers } from "../../assembly/stream-exports";
registerFilter<Config>("global-rate-limit", parseConfig, (config: Config): HttpFilter<Config> => new GlobalRateLimit(config), activateConfig);
