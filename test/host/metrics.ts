// Metrics registry: one per host (process) keyed by name, like Envoy stats ("wasmcustom.<name>").
// Each VM has its own metric ids (type in the low 2 bits, stepping by 4) that map to the shared stat.
import { METRIC_TYPE_MASK, MetricType, WasmResult } from "./abi.ts";

export type MetricKind = "counter" | "gauge" | "histogram";
const KIND_BY_TYPE: MetricKind[] = ["counter", "gauge", "histogram"];
const U64 = (1n << 64n) - 1n;

export interface Metric {
  name: string;
  kind: MetricKind;
  /** counter/gauge value (u64 like Envoy) */
  value: bigint;
  /** histogram samples */
  samples: bigint[];
}

export class MetricsRegistry {
  private byName = new Map<string, Metric>();

  /** Envoy's scope returns the existing stat for a repeated name; a name used with two types is a plugin bug. */
  define(type: number, name: string): Metric {
    const kind = KIND_BY_TYPE[type];
    let m = this.byName.get(name);
    if (m && m.kind !== kind) {
      throw new Error(`metric "${name}" defined as ${kind} but already exists as ${m.kind}`);
    }
    if (!m) {
      m = { name, kind, value: 0n, samples: [] };
      this.byName.set(name, m);
    }
    return m;
  }

  get(name: string): Metric | undefined {
    return this.byName.get(name) ?? this.byName.get(name.replace(/^wasmcustom\./, ""));
  }

  all(): Metric[] {
    return [...this.byName.values()];
  }
}

/** Per-VM id table (cpp-host WasmBase next_*_metric_id_). */
export class VmMetrics {
  private ids = new Map<number, Metric>();
  private next = [MetricType.Counter, MetricType.Gauge, MetricType.Histogram] as number[];

  constructor(private registry: MetricsRegistry) {}

  define(type: number, name: string): number {
    const metric = this.registry.define(type, name);
    this.next[type] += 4;
    const id = this.next[type];
    this.ids.set(id, metric);
    return id;
  }

  increment(id: number, offset: bigint): number {
    const type = id & METRIC_TYPE_MASK;
    if (type >= MetricType.Histogram) return WasmResult.BadArgument;
    const m = this.ids.get(id);
    if (!m) return WasmResult.NotFound;
    if (type === MetricType.Counter) {
      if (offset <= 0n) return WasmResult.BadArgument;
      m.value = (m.value + offset) & U64;
    } else {
      m.value = (m.value + offset) & U64; // gauge add/sub, wrapping like Envoy's u64
    }
    return WasmResult.Ok;
  }

  record(id: number, value: bigint): number {
    const m = this.ids.get(id);
    if (!m) return WasmResult.NotFound;
    const v = BigInt.asUintN(64, value);
    if (m.kind === "counter") m.value = (m.value + v) & U64;
    else if (m.kind === "gauge") m.value = v;
    else m.samples.push(v);
    return WasmResult.Ok;
  }

  get(id: number): { status: number; value?: bigint } {
    const type = id & METRIC_TYPE_MASK;
    if (type >= MetricType.Histogram) return { status: WasmResult.BadArgument };
    const m = this.ids.get(id);
    if (!m) return { status: WasmResult.NotFound };
    return { status: WasmResult.Ok, value: m.value };
  }
}
