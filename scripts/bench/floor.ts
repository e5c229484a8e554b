// The host-call floor of a plugin on one request: a module generated from the plugin's own host-call
// trace (the emulator records it) that makes exactly the same host calls, with the same bytes, from
// the same exported callbacks, and does nothing else. What the plugin costs above its floor is the
// AssemblyScript and SDK work; the floor itself is what any Wasm filter making those calls pays.
//
// Replay rules: inputs (keys, values, property paths, metric names) come from a data segment; out
// parameters point at scratch slots; values the host returns are put in a bump heap that is never
// freed (the plugin frees them: part of its cost, not the floor's); metrics are defined in
// on_configure and incremented by their new ids; shared-data writes are unconditional (cas 0);
// callbacks return what the plugin's returned.
//
// gRPC calls (proxy_grpc_call): the emulator answers the traced call with the request's `grpcAnswer`,
// and the floor replays both halves: the stream callback makes the call and notes which context made
// it under its token (a table at OWNERS, token mod 1024), and proxy_on_grpc_receive / _close (on the
// root context) switch to that context (proxy_set_effective_context) and read as many bytes of the
// answer as Envoy says it has. Other callouts (http calls, gRPC streams) are not replayed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";
import { ProxyWasmHost, readModuleInfo, type Signature } from "../../test/host/index.ts";
import { INPUT_SPANS as SPANS } from "../../test/host/hostcalls.ts";
import type { TraceEntry } from "../../test/host/vm.ts";
import { REPO_ROOT } from "../../test/envoy/envoy.ts";

/** Out-parameter positions of host calls (the host writes there): replayed as scratch slots. */
const OUT_ARGS: Record<string, number[]> = {
  proxy_get_log_level: [0],
  proxy_get_current_time_nanoseconds: [0],
  proxy_get_buffer_bytes: [3, 4],
  proxy_get_buffer_status: [1, 2],
  proxy_get_header_map_size: [1],
  proxy_get_header_map_pairs: [1, 2],
  proxy_get_header_map_value: [3, 4],
  proxy_get_status: [0, 1, 2],
  proxy_get_shared_data: [2, 3, 4],
  proxy_define_metric: [3],
  proxy_get_metric: [1],
  proxy_get_property: [2, 3],
  proxy_call_foreign_function: [4, 5],
  proxy_grpc_call: [11],
  clock_time_get: [2],
};
const SLOTS = 16; // scratch out-slots at 16, 24, 32, ...
const DATA = 1024;
const HEAP = 65536;
const OWNERS = HEAP - 4096; // gRPC token -> context id: 1024 u32 slots below the heap

export interface FloorRequest {
  plugin: string;
  config: object;
  headers: [string, string][];
  path?: string;
  /** wasm to trace (default dist/<plugin>.wasm) */
  wasm?: string;
  /** a header that takes a new value on every request (e.g. a new token: the trace of a cache miss) */
  rotate?: { header: string; next(): string };
  /** status the traced request must get (default 200): a floor of a denial would measure the wrong job */
  status?: number;
  /** the answer (bare protobuf) the emulator gives every gRPC call the plugin makes, to a cluster in `clusters` */
  grpcAnswer?: Uint8Array;
  clusters?: string[];
}

export interface Floor {
  wasm: Uint8Array;
  wat: string;
  /** host calls replayed per request, by callback */
  calls: Record<string, string[]>;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => "\\" + x.toString(16).padStart(2, "0")).join("");

export async function buildFloor(req: FloorRequest): Promise<Floor> {
  const wasmPath = req.wasm ?? join(REPO_ROOT, "dist", `${req.plugin}.wasm`);
  const bytes = new Uint8Array(readFileSync(wasmPath));
  const info = readModuleInfo(bytes);
  // The wall clock is the real one: the plugin may check times in the request (token expiry).
  const host = ProxyWasmHost.create({ wasm: wasmPath, workers: 1, trace: true, pluginName: req.plugin, rootId: req.plugin, pluginConfig: req.config, startTime: Date.now(), clusters: req.clusters });
  const vm = host.vm(0);
  const send = () => {
    const rotated = req.rotate?.header.toLowerCase();
    const headers: [string, string][] = [[":path", req.path ?? "/"], ...req.headers.filter(([k]) => k.toLowerCase() !== rotated)];
    if (req.rotate) headers.push([req.rotate.header, req.rotate.next()]);
    const s = host.request({ headers });
    for (const c of host.pendingGrpcCalls()) {
      if (!req.grpcAnswer) throw new Error(`${req.plugin}: made a gRPC call, but the floor request has no grpcAnswer`);
      host.respondGrpcCall(c, req.grpcAnswer);
    }
    if ((s.status ?? 200) !== (req.status ?? 200)) throw new Error(`${req.plugin}: status ${s.status}${s.localResponse ? ` (${s.localResponse.details}: ${s.localResponse.bodyText})` : ""}`);
  };
  for (let i = 0; i < 3; i++) send(); // lazily defined metrics, first-use work
  const setup = vm.trace.splice(0);
  send();
  const request = vm.trace.splice(0);

  // Metrics: defined once in on_configure, incremented through their new ids.
  const metricGlobal = new Map<number, number>();
  const metricDefs: TraceEntry[] = [];
  for (const e of [...setup, ...request]) {
    if (e.name !== "proxy_define_metric" || e.out === undefined || metricGlobal.has(e.out)) continue;
    metricGlobal.set(e.out, metricDefs.length);
    metricDefs.push(e);
  }

  // Data segment with every input.
  const chunks: Uint8Array[] = [];
  let dataEnd = DATA;
  const place = (b: Uint8Array): number => {
    const at = dataEnd;
    chunks.push(b);
    dataEnd += b.length;
    return at;
  };

  const sigOf = new Map<string, Signature>();
  for (const imp of info.imports) if (imp.kind === "function" && imp.signature) sigOf.set(`${imp.module}.${imp.name}`, imp.signature);
  const used = new Set<string>();

  // Arguments the replay computes: the context a gRPC answer belongs to, and the answer's size.
  const owner = (token: string) => `(i32.add (i32.const ${OWNERS}) (i32.shl (i32.and ${token} (i32.const 1023)) (i32.const 2)))`;
  const grpcCallback = (cb: string) => cb === "proxy_on_grpc_receive" || cb === "proxy_on_grpc_close";

  const callText = (e: TraceEntry, cb: string): string => {
    const module = e.module ?? "env";
    if (e.name === "proxy_http_call" || e.name === "proxy_grpc_stream") throw new Error(`${req.plugin}: the floor does not replay ${e.name}`);
    const sig = sigOf.get(`${module}.${e.name}`);
    if (!sig) throw new Error(`no signature for ${module}.${e.name}`);
    used.add(`${module}.${e.name}`);
    const args = [...e.args] as (number | bigint)[];
    const fixed = new Map<number, string>();
    (SPANS[e.name] ?? []).forEach(([p, l], i) => {
      const input = e.inputs?.[i] ?? new Uint8Array(0);
      fixed.set(p, String(input.length ? place(input) : 0));
      fixed.set(l, String(input.length));
    });
    (OUT_ARGS[e.name] ?? []).forEach((p, i) => fixed.set(p, String(SLOTS + i * 8)));
    if (e.name === "proxy_set_shared_data") fixed.set(4, "0");
    if (grpcCallback(cb) && e.name === "proxy_set_effective_context") fixed.set(0, `(i32.load ${owner("(local.get 1)")})`);
    if (cb === "proxy_on_grpc_receive" && e.name === "proxy_get_buffer_bytes" && Number(args[0]) === 5) fixed.set(2, "(local.get 2)");
    if (e.name === "proxy_increment_metric" || e.name === "proxy_record_metric" || e.name === "proxy_get_metric") {
      const g = metricGlobal.get(Number(args[0]));
      if (g !== undefined) fixed.set(0, `(global.get $m${g})`);
    }
    const operands = sig.params.map((t, i) => {
      const v = fixed.get(i);
      if (v !== undefined) return v.startsWith("(") ? v : `(${t}.const ${v})`;
      return `(${t}.const ${String(args[i])})`;
    });
    const call = `(call $${module}.${e.name} ${operands.join(" ")})`;
    const text = sig.results.length ? `(drop ${call})` : call;
    // the context making a gRPC call (the stream callback's first parameter), under the call's token
    if (e.name === "proxy_grpc_call") return `${text} (i32.store ${owner(`(i32.load (i32.const ${SLOTS}))`)} (local.get 0))`;
    return text;
  };

  // Replay per callback: the first time each callback ran in the measured request.
  const bodies = new Map<string, string[]>();
  const results = new Map<string, unknown>();
  const calls: Record<string, string[]> = {};
  let current: string | null = null;
  for (const e of request) {
    if (e.callback) {
      current = bodies.has(e.name) ? null : e.name;
      if (current) {
        bodies.set(current, []);
        results.set(current, e.result);
        calls[current] = [];
      }
      continue;
    }
    if (!current) continue;
    bodies.get(current)!.push(callText(e, current));
    calls[current].push(e.name);
  }
  const configure = metricDefs.map((e, i) => {
    const text = callText(e, "proxy_on_configure").replace(/^\(drop /, "").replace(/\)$/, "");
    return `(drop ${text}) (global.set $m${i} (i32.load (i32.const ${SLOTS})))`;
  });

  const exportsText: string[] = [];
  for (const ex of info.exports) {
    if (ex.kind !== "function" || !ex.signature) continue;
    const name = ex.name;
    if (name === "proxy_on_memory_allocate" || name === "malloc") continue;
    const params = ex.signature.params.map((t) => ` (param ${t})`).join("");
    const result = ex.signature.results.length ? ` (result ${ex.signature.results[0]})` : "";
    let body = (bodies.get(name) ?? []).join("\n    ");
    if (name === "proxy_on_configure") body = configure.join("\n    ");
    const traced = results.get(name);
    const ret = !ex.signature.results.length ? ""
      : typeof traced === "number" || typeof traced === "bigint" ? `(${ex.signature.results[0]}.const ${String(traced)})`
      : /_on_(done|configure|vm_start)$|validate_configuration$/.test(name) ? "(i32.const 1)" : `(${ex.signature.results[0]}.const 0)`;
    exportsText.push(`  (func (export "${name}")${params}${result}\n    ${body}\n    ${ret})`);
  }
  const importsText = [...used].map((q) => {
    const [module, name] = q.split(".") as [string, string];
    const sig = sigOf.get(q)!;
    const params = sig.params.map((t) => ` (param ${t})`).join("");
    const result = sig.results.length ? ` (result ${sig.results[0]})` : "";
    return `  (import "${module}" "${name}" (func $${q}${params}${result}))`;
  });
  if (dataEnd > OWNERS) throw new Error("floor inputs do not fit below the heap");
  const wat = `(module
${importsText.join("\n")}
  (memory (export "memory") 4)
  (data (i32.const ${DATA}) "${hex(concat(chunks))}")
  (global $heap (mut i32) (i32.const ${HEAP}))
${metricDefs.map((_, i) => `  (global $m${i} (mut i32) (i32.const 0))`).join("\n")}
  ;; values the host returns: a bump heap over pages 1-3, wrapping (never freed, never read)
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32) (local $p i32)
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $n)) (i32.const ${4 * 65536})) (then (global.set $heap (i32.const ${HEAP}))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.get $p))
${exportsText.join("\n")}
)`;
  const wabt = await wabtInit();
  const mod = wabt.parseWat(`${req.plugin}-floor.wat`, wat);
  mod.validate();
  const wasm = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  return { wasm, wat, calls };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const plugin = process.argv[2] ?? "baggage-tag";
  const f = await buildFloor({ plugin, config: JSON.parse(process.argv[3] ?? "{}"), headers: JSON.parse(process.argv[4] ?? "[]") });
  console.log(f.wat);
  console.error(JSON.stringify(f.calls, null, 2));
}
