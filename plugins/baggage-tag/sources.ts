// Where a tag can come from, in the order a rule lists them:
//   baggage      W3C `baggage` (all header instances, comma-joined by Envoy)
//   jaeger       `uberctx-<key>` (percent-encoded value)
//   opentracing  `ot-baggage-<key>` (raw value)
//   skywalking   `sw8-correlation` (base64(key):base64(value) pairs)

import { HeaderMap } from "../../assembly/headers";
import { BaggageLookup, findBaggageValue, findSw8CorrelationValue, percentDecode } from "../../assembly/lib/baggage";
import { readRequestBaggage } from "../../assembly/request_baggage";
import { Source, TagRule } from "./config";

/** The request's whole W3C baggage, read at most once per request (one instance, reset per request). */
export class BaggageHeader {
  private value: string | null = null;
  private loaded: bool = false;

  reset(): void { this.value = null; this.loaded = false; }

  get(headers: HeaderMap): string | null {
    if (!this.loaded) {
      this.loaded = true;
      this.value = readRequestBaggage(headers);
    }
    return this.value;
  }

  /** Remembers a rewritten header so later rules see it. */
  replace(value: string): void { this.value = value; this.loaded = true; }
}

/** Result of looking a rule's key up in one source. */
export class Found {
  value: string = "";
  present: bool = false;
  malformed: i32 = 0;
}

const lookup = new BaggageLookup();

/** Looks `rule.baggageKey` up in one source. */
export function readSource(source: Source, rule: TagRule, headers: HeaderMap, baggage: BaggageHeader, out: Found): void {
  out.present = false;
  out.value = "";
  if (source == Source.Baggage) {
    const header = baggage.get(headers);
    if (header == null) return;
    findBaggageValue(header, rule.baggageKey, lookup);
    out.malformed += lookup.malformed;
    if (lookup.found) { out.present = true; out.value = lookup.value; }
  } else if (source == Source.Jaeger) {
    const raw = headers.get(rule.jaegerHeader);
    if (raw == null) return;
    const decoded = percentDecode(raw.trim());
    out.present = true;
    // An undecodable value is present but empty, so validation rejects (and counts) it.
    out.value = decoded == null ? "" : decoded;
  } else if (source == Source.OpenTracing) {
    const raw = headers.get(rule.openTracingHeader);
    if (raw == null) return;
    out.present = true;
    out.value = raw.trim();
  } else {
    const header = headers.get("sw8-correlation");
    if (header == null) return;
    findSw8CorrelationValue(header, rule.baggageKey, lookup);
    out.malformed += lookup.malformed;
    if (lookup.found) { out.present = true; out.value = lookup.value; }
  }
}
