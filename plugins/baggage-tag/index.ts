// baggage-tag: copies a traffic tag (default x-mse-tag) from tracing baggage into
// a request header, so Envoy routes the request into its lane. See README.md.

import { Action } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { HeaderMap } from "../../assembly/headers";
import { appendBaggageMember, findBaggageValue, BaggageLookup } from "../../assembly/lib/baggage";
import { registerFilter } from "../../assembly/plugin";
import { Config, parseConfig, Source, TagRule } from "./config";
import { metrics } from "./metrics";
import { BaggageHeader, Found, readSource } from "./sources";

const found = new Found();
const lookup = new BaggageLookup();
const requestBaggage = new BaggageHeader();

class BaggageTag extends HttpFilter<Config> {
  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    requestBaggage.reset();
    found.malformed = 0;
    for (let i = 0; i < this.config.rules.length; i++) {
      applyRule(unchecked(this.config.rules[i]), headers, requestBaggage);
    }
    if (found.malformed > 0) metrics().malformed.increment();
    return Action.Continue;
  }
}

function applyRule(rule: TagRule, headers: HeaderMap, baggage: BaggageHeader): void {
  const m = metrics();
  let tag: string | null = null;
  tagFromBaggage = false;
  const existing: string | null = rule.overrideHeader ? null : headers.get(rule.header);
  if (existing != null) {
    m.kept.increment();
    if (rule.accepts(existing)) tag = existing;
  } else {
    tag = findTag(rule, headers, baggage);
    if (tag == null) {
      m.absent.increment();
      if (rule.defaultValue.length > 0) tag = rule.defaultValue;
    } else {
      m.tagged.increment();
    }
    if (tag != null) headers.set(rule.header, tag);
  }
  if (tag != null && rule.propagateToBaggage && !tagFromBaggage) propagate(rule, tag, headers, baggage);
}

/** The first valid value among the rule's sources; invalid ones are counted and skipped. */
function findTag(rule: TagRule, headers: HeaderMap, baggage: BaggageHeader): string | null {
  const m = metrics();
  let tag: string | null = null;
  for (let s = 0; s < rule.sources.length && tag == null; s++) {
    readSource(unchecked(rule.sources[s]), rule, headers, baggage, found);
    if (!found.present) continue;
    if (rule.accepts(found.value)) {
      tag = found.value;
      tagFromBaggage = unchecked(rule.sources[s]) == Source.Baggage;
    } else {
      m.rejected.increment();
    }
  }
  return tag;
}

/** The last tag found came from W3C baggage, so the baggage already carries the key. */
let tagFromBaggage = false;

/** Adds `key=tag` to the outgoing baggage when it does not carry the key yet. */
function propagate(rule: TagRule, tag: string, headers: HeaderMap, baggage: BaggageHeader): void {
  const current = baggage.get(headers);
  if (current != null) {
    findBaggageValue(current, rule.baggageKey, lookup);
    if (lookup.found) return;
  }
  const updated = appendBaggageMember(current == null ? "" : current, rule.baggageKey, tag);
  if (updated == null) return; // would exceed the W3C size limits: leave baggage as it is
  if (!headers.set("baggage", updated)) return; // a value Envoy would refuse: not written
  baggage.replace(updated);
  metrics().propagated.increment();
}

export * from "../../assembly/exports";
registerFilter<Config>("baggage-tag", parseConfig, (config: Config): HttpFilter<Config> => new BaggageTag(config));
