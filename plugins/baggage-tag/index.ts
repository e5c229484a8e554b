// baggage-tag: copies a traffic tag (default x-mse-tag) from tracing baggage into
// a request header, so Envoy routes the request into its lane. See README.md.

import { Action } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { HeaderMap } from "../../assembly/headers";
import { appendBaggageMember, BaggageLookup, findBaggageValue } from "../../assembly/lib/baggage";
import { registerFilter } from "../../assembly/plugin";
import { RequestView } from "../../assembly/request-view";
import { Config, parseConfig, Source, TagRule } from "./config";
import { metrics } from "./metrics";
import { findTag, TagLookup } from "./sources";

class BaggageTag extends HttpFilter<Config> {
  /** Results of one rule's lookup, reused: a VM runs one callback at a time and nothing is kept across callbacks. */
  private static readonly lookup: TagLookup = new TagLookup();

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    const view = this.request;
    let malformed = 0;
    for (let i = 0; i < this.config.rules.length; i++) {
      malformed += applyRule(unchecked(this.config.rules[i]), headers, view, BaggageTag.lookup);
    }
    if (malformed > 0) metrics().malformed.increment();
    return Action.Continue;
  }
}

/** Sets the rule's header (and baggage member); returns the malformed baggage members it skipped. */
function applyRule(rule: TagRule, headers: HeaderMap, view: RequestView, lookup: TagLookup): i32 {
  const m = metrics();
  let tag: string | null = null;
  let inBaggage = false;
  lookup.reset();
  const existing: string | null = rule.overrideHeader ? null : headers.get(rule.header);
  if (existing != null) {
    m.kept.increment();
    if (rule.accepts(existing)) tag = existing;
  } else {
    findTag(rule, view, lookup);
    if (lookup.rejected > 0) m.rejected.increment(lookup.rejected);
    tag = lookup.tag;
    if (tag == null) {
      m.absent.increment();
      if (rule.defaultValue.length > 0) tag = rule.defaultValue;
    } else {
      m.tagged.increment();
      inBaggage = lookup.source == Source.Baggage;
    }
    if (tag != null) headers.set(rule.header, tag);
  }
  if (tag != null && rule.propagateToBaggage && !inBaggage && propagate(rule, tag, view, lookup.scratch)) {
    m.propagated.increment();
  }
  return lookup.malformed;
}

/** Adds `key=tag` to the outgoing baggage unless it carries the key or would exceed the W3C limits. */
function propagate(rule: TagRule, tag: string, view: RequestView, scratch: BaggageLookup): bool {
  const current = view.baggage();
  if (current != null) {
    findBaggageValue(current, rule.baggageKey, scratch);
    if (scratch.found) return false;
  }
  const updated = appendBaggageMember(current == null ? "" : current, rule.baggageKey, tag);
  if (updated == null) return false; // would exceed the W3C size limits: leave baggage as it is
  return view.setBaggage(updated); // false: a value Envoy would refuse, not written
}

export * from "../../assembly/exports";
export { proxy_on_request_headers } from "../../assembly/stream-exports";
registerFilter<Config>("baggage-tag", parseConfig, (config: Config): HttpFilter<Config> => new BaggageTag(config));
