// Counters in Envoy's /stats as wasmcustom.tenant_gray.<name>. Per-lane counters exist only for
// tags from the configuration (lane tags, default_tag, traffic-tag header values), never for
// values a client sent, so the number of metrics is bounded by the configuration. They are
// looked up here at configure time and kept on the Lane / Config / TagGroup that sets the tag, so
// a request increments its counter without a lookup.

import { Counter } from "../../assembly/metrics";

export class GrayMetrics {
  /** The plugin sent the request on without a tag (base lane). */
  untagged: Counter = new Counter("tenant_gray.untagged");
  /** override off and the request already had a tag: kept as it was. */
  kept: Counter = new Counter("tenant_gray.kept");
  /** No source had a tenant. */
  noTenant: Counter = new Counter("tenant_gray.no_tenant");
  /** A source had a value that is not a valid tenant (too long, control characters); skipped. */
  invalidTenant: Counter = new Counter("tenant_gray.invalid_tenant");
  /** A tag the client sent was removed (override on, no lane). */
  removed: Counter = new Counter("tenant_gray.removed");
  /** The tag was written into W3C baggage. */
  propagated: Counter = new Counter("tenant_gray.propagated");
  /** A sticky cookie was set or cleared on the response. */
  cookieSet: Counter = new Counter("tenant_gray.cookie_set");
  private lanes: Map<string, Counter> = new Map<string, Counter>();

  /**
   * Requests tagged with `tag` by the plugin: wasmcustom.tenant_gray.lane.<tag>. For configure time
   * (each tag is defined once per VM, however many configurations or rules name it).
   */
  lane(tag: string): Counter {
    if (this.lanes.has(tag)) return this.lanes.get(tag);
    const c = new Counter("tenant_gray.lane." + tag);
    this.lanes.set(tag, c);
    return c;
  }
}

let instance: GrayMetrics | null = null;

/** Defined on first use, at configure time or by the first request (not while the module starts). */
export function metrics(): GrayMetrics {
  let m = instance;
  if (m == null) { m = new GrayMetrics(); instance = m; }
  return m;
}
