// Counters, gauges and histograms. Envoy exposes them in /stats as `wasmcustom.<name>`.
// Define metrics once (at configure time); recording costs one host call.

import { MetricType, Status } from "./enums";
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "./imports";
import { outExtra, readOutU32, readOutU64, scratchA } from "./memory";

/** Sentinel id for a metric the host refused to define; recording it is a no-op. */
const NO_METRIC: u32 = u32.MAX_VALUE;

function define(type: MetricType, name: string): u32 {
  const n = scratchA.encode(name);
  if (proxy_define_metric(type, n.ptr, n.length, outExtra()) != Status.Ok) return NO_METRIC;
  return readOutU32();
}

export class Counter {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = define(MetricType.Counter, name); }
  increment(delta: i64 = 1): void { if (this.id != NO_METRIC && delta > 0) proxy_increment_metric(this.id, delta); }
  get value(): u64 { return metricValue(this.id); }
}

export class Gauge {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = define(MetricType.Gauge, name); }
  set(value: u64): void { if (this.id != NO_METRIC) proxy_record_metric(this.id, value); }
  add(delta: i64): void { if (this.id != NO_METRIC) proxy_increment_metric(this.id, delta); }
  get value(): u64 { return metricValue(this.id); }
}

export class Histogram {
  readonly id: u32;
  constructor(public readonly name: string) { this.id = define(MetricType.Histogram, name); }
  record(value: u64): void { if (this.id != NO_METRIC) proxy_record_metric(this.id, value); }
}

function metricValue(id: u32): u64 {
  if (id == NO_METRIC) return 0;
  if (proxy_get_metric(id, outExtra()) != Status.Ok) return 0;
  return readOutU64();
}
