// tenant-gray: finds the tenant of a request and sends gray-listed tenants, or a sticky share of
// them, into a lane by setting the tag header (default x-mse-tag) that routes match on; the tag
// also goes into W3C baggage so every service on the call chain keeps the lane. See README.md.

import { Action } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { HeaderMap } from "../../assembly/headers";
import { findCookie } from "../../assembly/lib/cookie";
import { Counter } from "../../assembly/metrics";
import { registerFilter } from "../../assembly/plugin";
import { BaggageLookup } from "../../assembly/lib/baggage";
import { activateConfig, Config, isValidTag, parseConfig } from "./config";
import { LaneMatch, matchLane, Reason, reasonName } from "./lanes";
import { metrics } from "./metrics";
import { Propagated, propagateTag } from "./propagation";
import { findTenant, TenantLookup } from "./tenant";
import { applyTrafficTag, TagOutcome } from "./traffic-tag";

class TenantGray extends HttpFilter<Config> {
  // Results of one request-headers callback, reused: a VM runs one callback at a time and nothing
  // here is kept across callbacks.
  private static readonly tenant: TenantLookup = new TenantLookup();
  private static readonly match: LaneMatch = new LaneMatch();
  private static readonly outcome: TagOutcome = new TagOutcome();
  private static readonly baggage: BaggageLookup = new BaggageLookup();

  /** Response work decided on the request path ("" = none). */
  private debugValue: string = "";
  private setCookie: string = "";

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    const c = this.config;
    const m = metrics();
    const view = this.request;
    const trafficTag = c.trafficTag;
    if (trafficTag != null) {
      const outcome = TenantGray.outcome;
      applyTrafficTag(trafficTag, view, outcome);
      const group = outcome.applied;
      if (group != null) increment(group.counter);
      else if (outcome.keptExisting) m.kept.increment();
      else m.untagged.increment();
      return Action.Continue;
    }

    const existing = headers.get(c.tagHeader);
    if (existing != null && existing.length > 0 && !c.overrideTag) {
      // An earlier hop (or the client) chose the lane and this gateway is told to respect it.
      m.kept.increment();
      const valid = isValidTag(existing);
      if (c.propagateToBaggage && valid) countPropagation(propagateTag(view, c.baggageKey, existing, false, TenantGray.baggage));
      if (c.debugHeader.length > 0) this.debugValue = (valid ? existing : "?") + ";by=header";
      return Action.Continue;
    }

    const found = TenantGray.tenant;
    findTenant(c.sources, view, c.maxTenantLength, found);
    const tenant = found.tenant;
    if (found.rejected > 0) m.invalidTenant.increment();
    if (tenant == null) m.noTenant.increment();
    const match = TenantGray.match;
    matchLane(c.lanes, tenant, view, match);
    const lane = match.lane;
    let reason = match.reason;
    let tag: string | null = null;
    let counter: Counter | null = null;
    if (lane != null) {
      tag = lane.tag;
      counter = lane.counter;
    }

    const sticky = c.stickyCookie;
    if (sticky != null) {
      const cookies = view.cookieHeader();
      const current: string | null = cookies == null ? null : findCookie(cookies, sticky.name);
      if (lane != null) {
        // A lane chosen for the tenant is remembered; one chosen by address alone is not.
        if (lane.byTenant && current != lane.tag) this.setCookie = lane.setCookie;
      } else if (tenant == null && current != null && c.laneCounters.has(current)) {
        tag = current;
        counter = c.laneCounters.get(current);
        reason = Reason.Cookie;
      } else if (current != null) {
        this.setCookie = sticky.clear; // the tenant left its lane, or the cookie names no lane
      }
    }
    if (tag == null && c.defaultTag.length > 0) {
      tag = c.defaultTag;
      counter = c.defaultCounter;
      reason = Reason.Default;
    }

    if (tag != null) {
      // Set even when the first value already is the tag: a repeated header (`gray` + `blue`) must go.
      headers.set(c.tagHeader, tag);
      increment(counter);
    } else {
      m.untagged.increment();
      if (existing != null) {
        headers.remove(c.tagHeader); // override: the client does not choose its lane
        m.removed.increment();
      }
    }
    if (c.propagateToBaggage && (tag != null || c.overrideTag)) {
      countPropagation(propagateTag(view, c.baggageKey, tag, true, TenantGray.baggage));
    }
    if (c.debugHeader.length > 0) this.debugValue = (tag != null ? tag : "base") + ";by=" + reasonName(reason);
    return Action.Continue;
  }

  onResponseHeaders(headers: HeaderMap, endOfStream: bool): Action {
    if (this.debugValue.length > 0) headers.set(this.config.debugHeader, this.debugValue);
    if (this.setCookie.length > 0) {
      headers.add("set-cookie", this.setCookie);
      metrics().cookieSet.increment();
    }
    return Action.Continue;
  }
}

/** Per-tag counters are attached at configure time (null only for a tag the configuration rejected). */
function increment(counter: Counter | null): void {
  if (counter != null) counter.increment();
}

function countPropagation(result: Propagated): void {
  if (result == Propagated.Added || result == Propagated.Replaced) metrics().propagated.increment();
}

export * from "../../assembly/exports";
export { proxy_on_request_headers, proxy_on_response_headers } from "../../assembly/stream-exports";
registerFilter<Config>("tenant-gray", parseConfig, (config: Config): HttpFilter<Config> => new TenantGray(config), activateConfig);
