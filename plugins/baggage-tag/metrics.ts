// Counters in Envoy's /stats as wasmcustom.baggage_tag.<name>.

import { Counter } from "../../assembly/metrics";

export class TagMetrics {
  /** A tag from a tracing source was set as the header. */
  tagged: Counter = new Counter("baggage_tag.tagged");
  /** No source had the tag (the default, if any, was used). */
  absent: Counter = new Counter("baggage_tag.absent");
  /** A value failed validation and was ignored. */
  rejected: Counter = new Counter("baggage_tag.rejected");
  /** The client already sent the header and override is off. */
  kept: Counter = new Counter("baggage_tag.kept");
  /** The tag was added to the outgoing baggage. */
  propagated: Counter = new Counter("baggage_tag.propagated");
  /** Requests whose baggage had malformed members (skipped; the rest still parsed). */
  malformed: Counter = new Counter("baggage_tag.malformed");
}

let instance: TagMetrics | null = null;

/** Defined on first use (host calls are not allowed while the module starts). */
export function metrics(): TagMetrics {
  let m = instance;
  if (m == null) { m = new TagMetrics(); instance = m; }
  return m;
}
