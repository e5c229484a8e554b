// Where a tag can come from, in the order a rule lists them:
//   baggage      W3C `baggage` (all header instances, comma-joined by Envoy)
//   jaeger       `uberctx-<key>` (percent-encoded value)
//   opentracing  `ot-baggage-<key>` (raw value)
//   skywalking   `sw8-correlation` (base64(key):base64(value) pairs)

import { BaggageLookup, findBaggageValue, findSw8CorrelationValue, percentDecode } from "../../assembly/lib/baggage";
import { RequestView } from "../../assembly/request-view";
import { Source, TagRule } from "./config";

/** What findTag found for one rule. Reused across requests: fill it with findTag. */
export class TagLookup {
  /** The first valid value among the rule's sources, or null. */
  tag: string | null = null;
  /** The source `tag` came from. */
  source: Source = Source.Baggage;
  /** Values present in a source but refused by the rule. */
  rejected: i32 = 0;
  /** Malformed baggage / sw8 members skipped. */
  malformed: i32 = 0;
  /** Scratch of the baggage parsers. */
  readonly scratch: BaggageLookup = new BaggageLookup();

  reset(): void {
    this.tag = null;
    this.source = Source.Baggage;
    this.rejected = 0;
    this.malformed = 0;
  }
}

/** Fills `out` with the first value of `rule.baggageKey` its sources carry that the rule accepts. */
export function findTag(rule: TagRule, view: RequestView, out: TagLookup): void {
  out.reset();
  for (let s = 0; s < rule.sources.length; s++) {
    const source = unchecked(rule.sources[s]);
    const value = readSource(source, rule, view, out);
    if (value == null) continue;
    if (rule.accepts(value)) {
      out.tag = value;
      out.source = source;
      return;
    }
    out.rejected++;
  }
}

/**
 * The value of `rule.baggageKey` in one source, or null when the source does not carry it. An
 * undecodable Jaeger value is present but empty, so validation refuses (and counts) it.
 */
function readSource(source: Source, rule: TagRule, view: RequestView, out: TagLookup): string | null {
  const lookup = out.scratch;
  if (source == Source.Baggage) {
    const header = view.baggage();
    if (header == null) return null;
    findBaggageValue(header, rule.baggageKey, lookup);
    out.malformed += lookup.malformed;
    return lookup.found ? lookup.value : null;
  }
  if (source == Source.Jaeger) {
    const raw = view.headers.get(rule.jaegerHeader);
    if (raw == null) return null;
    const decoded = percentDecode(raw.trim());
    return decoded == null ? "" : decoded;
  }
  if (source == Source.OpenTracing) {
    const raw = view.headers.get(rule.openTracingHeader);
    return raw == null ? null : raw.trim();
  }
  const header = view.headers.get("sw8-correlation");
  if (header == null) return null;
  findSw8CorrelationValue(header, rule.baggageKey, lookup);
  out.malformed += lookup.malformed;
  return lookup.found ? lookup.value : null;
}
