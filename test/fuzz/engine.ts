// The fuzzing engine: drives one plugin's dist/<plugin>.wasm through the emulator (test/host) with
// random and mutated requests and mutated configurations, and checks the invariants every plugin
// must keep (see INVARIANTS). Deterministic for a seed: case i draws from its own generator
// Rng(seed, plugin, i), so a run of N cases is a prefix of a run of more, and a violation names
// the seed and the case index that reproduce it.
import { readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { HostCallError, ProxyWasmHost, UsageError, VmFailedError, WasmTrapError, isValidHeaderValue, type HttpStream, type PendingGrpcCall, type PropertyValue } from "../host/index.ts";
import { baggageMembers, memberHasKey } from "../scenarios/header-bytes.ts";
import { Rng } from "./rng.ts";
import { bin, envoyAdmissible, sendable, text, toInit, type RawHeader } from "./bytes.ts";
import { configStrings, mutateConfig } from "./config-mutate.ts";
import { knownIssue } from "./known.ts";
import { applyResolution, grpcFault, isPending, recordResolution, resolutionLabel, restoreResolution, type GrpcAnswerContext, type GrpcOutcome, type GrpcResolution, type RecordedResolution } from "./grpc.ts";

export type { GrpcAnswerContext, GrpcOutcome, GrpcResolution } from "./grpc.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export const INVARIANTS = [
  "no trap: no callback traps or misuses the ABI, on any request or configuration (the VM never fails)",
  "every header value the plugin writes is one Envoy accepts (no NUL, CR, LF, other C0 controls but HTAB, DEL): a request header Envoy's router refuses is its 503, a response or local-reply header is checked the same way; names it adds are lower-case HTTP tokens",
  "every request completes (no stream left paused, also once each of its gRPC calls was answered, failed, timed out, or its client went away) with a status the plugin can give (plugin-specific)",
  "linear memory of every long-lived VM is flat after warm-up: not one 64 KiB page more at the end; and never above 64 MiB (1,024 pages) per VM, warm-up included (no request, however big, may need that much)",
  "baggage members the plugin does not own reach the upstream unchanged, byte for byte and in order (cut only beyond the W3C limits of 8192 bytes / 64 members); so do request headers it does not own",
  "a configuration is accepted, or rejected with an `invalid configuration:` log naming a field (or the JSON position); proxy_validate_configuration agrees with on_configure",
  "plugin-specific outputs hold (tags from the configured lanes, 200/429 from the limiter, jwt-auth: identity headers only from a token node:crypto verifies)",
] as const;

export interface RequestCase {
  /** index into the plugin's hosts (ignored for configuration cases) */
  host: number;
  /** names lower-case, values byte strings; made Envoy-admissible by the engine */
  headers: RawHeader[];
  properties?: Record<string, PropertyValue>;
  /** the clock advances this much before the request */
  advanceMs?: number;
  /** worker index (default: round robin) */
  vm?: number;
  /** headers of the upstream's 200 (default none) */
  response?: RawHeader[];
}

export interface CheckContext {
  c: RequestCase;
  s: HttpStream;
  host: ProxyWasmHost;
  /** the request as sent (after envoyAdmissible) */
  sent: RawHeader[];
  /** wall clock (host.now) when the request started, after the case's advanceMs */
  at: number;
  /** the gRPC calls this request made, in order, and how each ended (empty when none) */
  grpc: GrpcOutcome[];
  /** the client went away while a call was pending (the stream completed without a status) */
  clientGone: boolean;
}

export interface HostSpec {
  name: string;
  config: string;
  workers?: number;
  clusters?: string[];
  /** baggage keys the plugin may write under this configuration; null: not a baggage plugin */
  ownedBaggageKeys: string[] | null;
  /** request headers the plugin may change under this configuration (":path" included if it may);
   *  every other header reaches the upstream byte for byte. Undefined: not checked */
  ownedHeaders?: string[];
  /** plugin-specific oracle: a message when the outcome is wrong */
  check?(ctx: CheckContext): string | null;
  /** after the request: answer http calls etc. (jwt-auth's remote JWKS) */
  drive?(host: ProxyWasmHost, s: HttpStream, r: Rng): void;
}

export interface ConfigSeed {
  name: string;
  config: unknown;
}

export interface RequestContext {
  /** the host the request goes to, or null for a mutated configuration (any shape of request) */
  host: HostSpec | null;
  hostIndex: number;
  /** warm-up: the biggest request of this shape */
  shape?: string;
}

export interface PluginFuzzer {
  name: string;
  /** async preparation (jwt-auth mints its tokens) */
  init?(seed: number): Promise<void>;
  hosts(): HostSpec[];
  configSeeds(): ConfigSeed[];
  /** request shapes of the warm-up: each sent at its biggest, back to back (answerGrpc sees the shape too: a
   *  shape may be one of the biggest answers) */
  shapes: string[];
  request(r: Rng, ctx: RequestContext): RequestCase;
  /** statuses a request may end with under a host's configuration */
  statusOk(status: number, ctx: CheckContext, spec: HostSpec | null): boolean;
  /** per warm-up: requests that must have been seen before memory is measured (e.g. every token of a pool on every VM) */
  warmupRequests?(spec: HostSpec, hostIndex: number): RequestCase[];
  /** after a request under a mutated configuration: answer its http calls (default: none answered, the clock runs out their timeouts) */
  driveMutated?(host: ProxyWasmHost, s: HttpStream, r: Rng): void;
  /** share of cases that are mutated configurations (default 0.03) */
  configShare?: number;
  /**
   * How a pending gRPC call of the request just sent ends (test/fuzz/grpc.ts): an answer, a failure, a
   * timeout, the client going away. Asked once per call after every request (and its `drive`), until no
   * call is pending; `spec` null under a mutated configuration. Default: grpcFault with empty answer bytes.
   */
  answerGrpc?(r: Rng, call: PendingGrpcCall, ctx: GrpcAnswerContext & { spec: HostSpec | null }): GrpcResolution;
}

export interface Violation {
  plugin: string;
  seed: number;
  phase: "warm-up" | "case";
  index: number;
  kind: string;
  message: string;
  host?: string;
  /** the whole configuration (text; bytes that are not UTF-8 as \u0080-\u00ff when configBytes) */
  config?: string;
  configBytes?: boolean;
  /** id of a known, reported issue this violation is an instance of (test/fuzz/known.ts) */
  known?: string;
  request?: { headers: RawHeader[]; properties?: Record<string, PropertyValue>; advanceMs?: number; vm?: number; response?: RawHeader[]; grpc?: RecordedResolution[] };
}

export interface PluginResult {
  plugin: string;
  seed: number;
  cases: number;
  requests: number;
  passed: number;
  denied: number;
  configs: number;
  configsAccepted: number;
  traps: number;
  violations: Violation[];
  violationCount: number;
  /** violations that are instances of a known issue (test/fuzz/known.ts) */
  knownCount: number;
  /** pages summed over the long-lived VMs, after warm-up and at the end */
  pagesWarm: number;
  pagesEnd: number;
  vms: number;
  elapsedMs: number;
  warmupMs: number;
  /** requests of the warm-up (not in requests/passed/denied) */
  warmupRequests: number;
  statuses: Record<number, number>;
  /** gRPC calls of the cases by how they ended (resolutionLabel) */
  grpc: Record<string, number>;
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** random cases in the warm-up, after the shapes (default 1000) */
  warmup?: number;
  /** requests per shape, host and worker in the warm-up (default 80: over one collection period, assembly/gc.ts) */
  shapeRequests?: number;
  /** stop after this many violations (default 20) */
  maxViolations?: number;
  /** run only this case index (after the warm-up) */
  only?: number;
  /** another build of the plugin (default dist/<plugin>.wasm), e.g. one with a name section */
  module?: WebAssembly.Module;
  /** replay one violation file instead: its configuration (or its host's) on fresh VMs, its request, every check */
  replay?: Violation;
  progress?: (done: number, total: number, r: PluginResult) => void;
}

const moduleCache = new Map<string, WebAssembly.Module>();
export function pluginModule(name: string): WebAssembly.Module {
  let m = moduleCache.get(name);
  if (!m) moduleCache.set(name, (m = new WebAssembly.Module(readFileSync(join(REPO_ROOT, "dist", `${name}.wasm`)))));
  return m;
}

const NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** Linear memory budget per VM: the biggest legitimate bursts (64 requests of 60 KiB in a row) need 32 MiB. */
export const MAX_VM_PAGES = 1024;
const PSEUDO = new Set([":method", ":path", ":authority", ":scheme", ":status", ":protocol"]);

function isTrap(e: unknown): boolean {
  return e instanceof WasmTrapError || e instanceof VmFailedError || e instanceof HostCallError;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** Header values the plugin wrote that Envoy refuses, and names that are not lower-case tokens. */
function headerProblems(where: string, pairs: [Uint8Array, Uint8Array][], before: Set<string> | null): string[] {
  const out: string[] = [];
  for (const [k, v] of pairs) {
    const name = bin(k);
    if (!isValidHeaderValue(v)) out.push(`${where} header ${JSON.stringify(name)} has a value Envoy refuses: ${JSON.stringify(bin(v).slice(0, 200))}`);
    if (before && !before.has(name) && (!NAME.test(name) || (name.startsWith(":") && !PSEUDO.has(name)))) {
      out.push(`${where} header name ${JSON.stringify(name)} is not a lower-case HTTP token`);
    }
  }
  return out;
}

/** Request headers the plugin does not own: the upstream gets exactly what was sent. Repeated Cookie
 *  lines are compared joined with "; " (the emulator joins them before any filter, as an HTTP/2
 *  codec does). Pseudo headers other than :path are the emulator's defaults: not compared. */
export function untouchedProblem(sent: RawHeader[], s: HttpStream, owned: readonly string[]): string | null {
  const before = new Map<string, string[]>();
  for (const [k, v] of sent) before.set(k, [...(before.get(k) ?? []), v]);
  const after = new Map<string, string[]>();
  for (const [k, v] of s.requestHeaderMap.bytePairs()) { const n = bin(k); after.set(n, [...(after.get(n) ?? []), bin(v)]); }
  for (const m of [before, after]) { const c = m.get("cookie"); if (c && c.length > 1) m.set("cookie", [c.join("; ")]); }
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    if (owned.includes(name) || (name.startsWith(":") && name !== ":path")) continue;
    if (name === ":path" && !before.has(":path")) continue;
    const a = before.get(name) ?? [];
    const b = after.get(name) ?? [];
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
      return `request header ${name} changed: sent ${JSON.stringify(a.map((v) => v.slice(0, 80)))}, upstream got ${JSON.stringify(b.map((v) => v.slice(0, 80)))}`;
    }
  }
  return null;
}

/** Baggage members not owned by the plugin: unchanged, in order, cut only beyond the W3C limits. */
export function baggageProblem(sent: RawHeader[], s: HttpStream, owned: readonly string[]): string | null {
  const joined = sent.filter(([k]) => k === "baggage").map(([, v]) => v).join(",");
  const own = (m: string) => owned.some((k) => memberHasKey(m, k));
  const before = baggageMembers(joined).filter((m) => !own(m));
  const after = baggageMembers(s.requestHeaderMap.getAllBytes("baggage").map(bin).join(",")).filter((m) => !own(m));
  for (let i = 0; i < after.length; i++) {
    if (after[i] !== before[i]) {
      return `baggage member ${i} changed: sent ${JSON.stringify((before[i] ?? "<none>").slice(0, 120))}, upstream got ${JSON.stringify(after[i].slice(0, 120))}`;
    }
  }
  if (after.length < before.length && joined.length <= 8192 && baggageMembers(joined).length <= 64) {
    return `baggage members dropped: sent ${before.length} not owned, upstream got ${after.length}`;
  }
  return null;
}

/** Values of a response header the plugin added: the final ones less those the upstream sent. */
export function addedResponseValues(s: HttpStream, c: RequestCase, name: string): string[] {
  const upstream = (c.response ?? []).filter(([k]) => k === name).map(([, v]) => v);
  const out: string[] = [];
  for (const v of s.responseHeaderMap.getAllBytes(name).map(bin)) {
    const i = upstream.indexOf(v);
    if (i >= 0) upstream.splice(i, 1);
    else out.push(v);
  }
  return out;
}

const UPSTREAM_NAMES = ["set-cookie", "x-ratelimit-limit", "x-ratelimit-remaining", "retry-after", "x-mse-tag", "x-tenant-lane", "www-authenticate", "content-type", "baggage", "grpc-status", "x-envoy-upstream-service-time"];
/** Response headers of the upstream (values it may send: without the bytes a codec refuses). */
function upstreamHeaders(r: Rng): RawHeader[] {
  const out: RawHeader[] = [];
  for (let n = 1 + r.int(4); n > 0; n--) out.push([r.pick(UPSTREAM_NAMES), sendable(r.chance(0.5) ? r.pick(["1", "gray", "x-mse-lane=gray; Path=/", "application/grpc", "0", ""]) : text(r, 60))]);
  return out;
}

export async function runPlugin(fz: PluginFuzzer, opts: RunOptions): Promise<PluginResult> {
  const t0 = performance.now();
  const module = opts.module ?? pluginModule(fz.name);
  const seed = opts.seed >>> 0;
  const maxViolations = opts.maxViolations ?? 20;
  const res: PluginResult = {
    plugin: fz.name, seed, cases: 0, requests: 0, passed: 0, denied: 0, configs: 0, configsAccepted: 0, traps: 0,
    violations: [], violationCount: 0, knownCount: 0, pagesWarm: 0, pagesEnd: 0, vms: 0, elapsedMs: 0, warmupMs: 0, warmupRequests: 0, statuses: {}, grpc: {},
  };
  await fz.init?.(seed);
  const specs = fz.hosts();
  const seeds = fz.configSeeds();
  const allClusters = [...new Set(specs.flatMap((s) => s.clusters ?? []))];
  const makeHost = (spec: HostSpec) => ProxyWasmHost.create({
    wasm: module, workers: spec.workers ?? 2, rootId: fz.name, pluginName: fz.name, pluginConfig: spec.config, clusters: spec.clusters, randomSeed: seed,
  });
  const hosts = specs.map(makeHost);
  /** pages per VM after the warm-up; null once a host was rebuilt after a trap */
  const baseline: (number[] | null)[] = specs.map(() => null);
  const grown = new Set<string>();

  let phase: Violation["phase"] = "warm-up";
  let index = 0;
  const violate = (v: Omit<Violation, "plugin" | "seed" | "phase" | "index">) => {
    const full: Violation = { plugin: fz.name, seed, phase, index, ...v };
    full.known = knownIssue(full)?.id;
    res.violationCount++;
    if (full.known) {
      // instances of a known issue: counted, the first 3 of each kept
      const n = (knownSeen.get(full.known) ?? 0) + 1;
      knownSeen.set(full.known, n);
      res.knownCount++;
      if (n <= 3) res.violations.push(full);
    } else if (unknownCount() < maxViolations) res.violations.push(full);
  };
  const knownSeen = new Map<string, number>();
  const unknownCount = () => res.violations.filter((x) => !x.known).length;
  const requestOf = (c: RequestCase, sent: RawHeader[], grpc: GrpcOutcome[] = []) => ({
    headers: sent, properties: c.properties, advanceMs: c.advanceMs, vm: c.vm, response: c.response,
    ...(grpc.length ? { grpc: grpc.map((o) => recordResolution(o.resolution)) } : {}),
  });
  /** the case's request, and sometimes an upstream answering with headers a plugin also writes */
  const caseOf = (r: Rng, ctx: RequestContext): RequestCase => {
    const c = fz.request(r, ctx);
    if (r.chance(0.08)) c.response = upstreamHeaders(r);
    return c;
  };

  const seenCalls = new WeakSet<object>();
  /** Http calls the plugin made: headers Envoy's async client would send. */
  const callProblems = (host: ProxyWasmHost): string[] => {
    const out: string[] = [];
    for (const call of host.pendingHttpCalls()) {
      if (seenCalls.has(call)) continue;
      seenCalls.add(call);
      out.push(...headerProblems(`http call (${call.cluster})`, call.headerMap.bytePairs(), new Set()));
      for (const p of [":method", ":path", ":authority"]) if (!call.headerMap.get(p)) out.push(`http call (${call.cluster}) without ${p}`);
    }
    for (const call of host.pendingGrpcCalls()) {
      if (seenCalls.has(call)) continue;
      seenCalls.add(call);
      out.push(...headerProblems(`gRPC call (${call.cluster}) metadata`, call.initialMetadata, new Set()));
    }
    return out;
  };

  /**
   * Ends every pending gRPC call (the request's own and any other), each as the plugin's answerGrpc says
   * (or as `recorded` says, replaying a violation file). Returns the request's own calls and their ends.
   */
  const resolveGrpc = (host: ProxyWasmHost, spec: HostSpec | null, hostIndex: number, s: HttpStream, r: Rng, own: GrpcOutcome[], recorded?: RecordedResolution[], shape?: string): void => {
    for (let round = 0; round < 8; round++) {
      const calls = host.pendingGrpcCalls();
      if (calls.length === 0) break;
      for (const call of calls) {
        if (!isPending(host, call)) continue; // ended by another's resolution (the clock)
        const mine = call.vm === s.vm.index && call.contextId === s.id;
        if (call.kind === "stream") { host.failGrpcCall(call, 14); continue; } // no plugin streams yet
        const next = mine ? recorded?.shift() : undefined;
        const chosen = next ? restoreResolution(next)
          : fz.answerGrpc ? fz.answerGrpc(r, call, { host, hostIndex, stream: mine ? s : null, spec, shape })
          : grpcFault(r, new Uint8Array());
        // recorded before it is applied: a trap while applying it must name it
        const outcome: GrpcOutcome = { call, resolution: chosen };
        if (mine) own.push(outcome);
        outcome.resolution = applyResolution(host, call, chosen, mine ? s : null);
        res.grpc[resolutionLabel(outcome.resolution)] = (res.grpc[resolutionLabel(outcome.resolution)] ?? 0) + 1;
      }
    }
  };

  /** One request on a host (or on a throw-away host of a mutated configuration). */
  const runRequest = (host: ProxyWasmHost, spec: HostSpec | null, c: RequestCase, r: Rng, extra: { config?: string; owned?: string[]; hostIndex?: number; grpc?: RecordedResolution[]; shape?: string }) => {
    const sent = envoyAdmissible(c.headers);
    const where = { host: spec?.name ?? "mutated configuration", config: extra.config ?? spec?.config };
    res.requests++;
    let s: HttpStream;
    let at = 0;
    const grpc: GrpcOutcome[] = [];
    const early: string[] = [];
    const recorded = extra.grpc ? [...extra.grpc] : undefined;
    try {
      if (c.advanceMs) host.advanceTime(c.advanceMs);
      early.push(...callProblems(host));
      at = host.now;
      s = host.request({ headers: toInit(sent), properties: c.properties, vm: c.vm, response: c.response ? { headers: toInit(c.response) } : undefined });
      early.push(...callProblems(host));
      if (spec?.drive) spec.drive(host, s, r);
      else if (!spec) fz.driveMutated?.(host, s, r);
      resolveGrpc(host, spec, extra.hostIndex ?? -1, s, r, grpc, recorded, extra.shape);
      if (!spec) {
        // whatever the configured timeouts, Envoy ends every call: let the clock run them out
        for (let k = 0; k < 60 && !s.completed && host.pendingHttpCalls().length; k++) host.advanceTime(60_000);
      }
    } catch (e) {
      if (isTrap(e)) {
        res.traps++;
        violate({ kind: "trap", message: firstLine(e), ...where, request: requestOf(c, sent, grpc) });
        return false;
      }
      violate({ kind: e instanceof UsageError ? "harness (emulator usage)" : "harness", message: firstLine(e), ...where, request: requestOf(c, sent, grpc) });
      return false;
    }
    const lr = s.localResponse;
    const status = s.status ?? 0;
    res.statuses[status] = (res.statuses[status] ?? 0) + 1;
    if (lr) res.denied++;
    else if (s.requestForwarded) res.passed++;
    const problems: string[] = [...early];
    const clientGone = grpc.some((o) => o.resolution.kind === "client-gone" && s.completed && s.status === undefined);
    const ends = grpc.length ? ` after its gRPC call${grpc.length > 1 ? "s" : ""} ended (${grpc.map((o) => resolutionLabel(o.resolution)).join(", ")})` : "";
    if (!s.completed) problems.push(`the stream did not complete${ends} (request paused at ${s.requestPausedAt}, response at ${s.responsePausedAt})`);
    if (lr?.details.startsWith("filter_removed_required_request_headers")) problems.push(`Envoy's router refuses a request header the plugin wrote: 503 ${lr.bodyText}`);
    if (lr?.details === "wasm_fail_stream") problems.push("503 wasm_fail_stream");
    const sentNames = new Set(sent.map(([k]) => k));
    if (s.requestHeadersForwarded) problems.push(...headerProblems("request", s.requestHeaderMap.bytePairs(), sentNames));
    problems.push(...headerProblems("response", s.responseHeaderMap.bytePairs(), new Set([":status", "content-length", "content-type", ...(c.response ?? []).map(([k]) => k)])));
    if (lr) problems.push(...headerProblems("local reply", lr.headerBytes, new Set()));
    const ctx: CheckContext = { c, s, host, sent, at, grpc, clientGone };
    if (problems.length === 0 && !clientGone && !fz.statusOk(status, ctx, spec)) problems.push(`status ${status}${ends}${lr ? ` (local reply ${lr.details}: ${lr.bodyText.slice(0, 120)})` : ""}`);
    const owned = extra.owned ?? spec?.ownedBaggageKeys;
    if (owned && s.requestHeadersForwarded) {
      const p = baggageProblem(sent, s, owned);
      if (p) problems.push(p);
    }
    if (spec?.ownedHeaders && s.requestHeadersForwarded) {
      const p = untouchedProblem(sent, s, spec.ownedHeaders);
      if (p) problems.push(p);
    }
    if (problems.length === 0 && spec?.check) {
      const p = spec.check(ctx);
      if (p) problems.push(p);
    }
    if (problems.length) violate({ kind: "request", message: problems.join("; "), ...where, request: requestOf(c, sent, grpc) });
    if (spec) {
      const pages = host.memoryPages();
      for (let v = 0; v < pages.length; v++) {
        const id = `${spec.name}/${v}/budget`;
        if (pages[v] > MAX_VM_PAGES && !grown.has(id)) {
          grown.add(id);
          violate({ kind: "memory", message: `VM ${v} reached ${pages[v]} pages (${pages[v] / 16} MiB) of linear memory on this request (budget ${MAX_VM_PAGES} pages)`, ...where, request: requestOf(c, sent, grpc) });
        }
      }
    }
    return true;
  };

  const checkMemory = (k: number) => {
    const base = baseline[k];
    if (!base) return;
    const pages = hosts[k].memoryPages();
    for (let v = 0; v < pages.length; v++) {
      if (pages[v] > base[v] && !grown.has(`${k}/${v}`)) {
        grown.add(`${k}/${v}`);
        violate({ kind: "memory", message: `host ${specs[k].name}, VM ${v}: linear memory grew from ${base[v]} to ${pages[v]} pages after the warm-up`, host: specs[k].name });
        base[v] = pages[v];
      }
    }
  };

  const onTrapRebuild = (k: number) => {
    if (hosts[k].vms.some((vm) => vm.failed)) {
      hosts[k] = makeHost(specs[k]);
      baseline[k] = null;
    }
  };

  /** A mutated configuration: accepted (then a few requests) or rejected naming a field; never a trap. */
  const runConfig = (r: Rng) => {
    res.configs++;
    const base = r.pick(seeds);
    const config = mutateConfig(r, base.config);
    const configText = typeof config === "string" ? config : Buffer.from(config).toString("latin1");
    const where = { host: `mutated ${base.name}`, config: configText, configBytes: typeof config !== "string" };
    const h = new ProxyWasmHost({ wasm: module, workers: 1, rootId: fz.name, pluginName: fz.name, pluginConfig: config, clusters: allClusters, randomSeed: seed });
    let ok: boolean;
    try {
      const started = h.start();
      ok = started.ok;
      if (!ok) {
        const lines = started.logs.map((l) => l.message).filter((m) => m.includes("invalid configuration:"));
        const named = lines.some((m) => /invalid configuration: (not valid JSON: [\s\S]* at byte \d+|must be a JSON object|[\s\S]+?: \S)/.test(m));
        if (!named) violate({ kind: "configuration", message: `rejected without an \`invalid configuration: <field>: ...\` log: ${JSON.stringify(started.logs.map((l) => l.message)).slice(0, 400)}`, ...where });
      }
    } catch (e) {
      if (isTrap(e)) { res.traps++; violate({ kind: "trap", message: `on configure: ${firstLine(e)} (memory ${h.vms[0]?.memoryPages} pages)`, ...where }); }
      else violate({ kind: "harness", message: firstLine(e), ...where });
      return;
    }
    try {
      if (h.validateConfiguration(config) !== ok) {
        violate({ kind: "configuration", message: `proxy_validate_configuration says ${!ok} where on_configure said ${ok}`, ...where });
      }
    } catch (e) {
      if (isTrap(e)) { res.traps++; violate({ kind: "trap", message: `in proxy_validate_configuration: ${firstLine(e)}`, ...where }); return; }
      if (!(e instanceof UsageError)) throw e;
    }
    if (!ok) return;
    res.configsAccepted++;
    const owned = [...configStrings(config)].flatMap((k) => [k, k.toLowerCase()]).concat(["x-mse-tag"]);
    for (let j = 0; j < 3; j++) {
      const c = caseOf(r, { host: null, hostIndex: -1 });
      if (!runRequest(h, null, c, r, { config: configText, owned })) return;
    }
  };

  // ----- replay of a violation file: no warm-up, one configuration, one request ------------------------
  if (opts.replay) {
    const v = opts.replay;
    phase = v.phase;
    index = v.index;
    res.cases = 1;
    const config = v.configBytes ? new Uint8Array(Buffer.from(v.config ?? "", "latin1")) : (v.config ?? "");
    const k = specs.findIndex((sp) => sp.name === v.host);
    if (!v.request) {
      // a configuration case: start it again
      const h = new ProxyWasmHost({ wasm: module, workers: 1, rootId: fz.name, pluginName: fz.name, pluginConfig: config, clusters: allClusters, randomSeed: seed });
      try {
        const started = h.start();
        if (!started.ok && !started.logs.some((l) => /invalid configuration: /.test(l.message))) violate({ kind: "configuration", message: "rejected without an `invalid configuration:` log", host: v.host, config: v.config });
      } catch (e) {
        violate({ kind: isTrap(e) ? "trap" : "harness", message: `on configure: ${firstLine(e)} (memory ${h.vms[0]?.memoryPages} pages)`, host: v.host, config: v.config });
      }
    } else {
      const spec = k >= 0 ? specs[k] : null;
      const h = spec ? makeHost(spec) : ProxyWasmHost.create({ wasm: module, workers: 1, rootId: fz.name, pluginName: fz.name, pluginConfig: config, clusters: allClusters, randomSeed: seed });
      const owned = spec ? undefined : [...configStrings(config)].flatMap((x) => [x, x.toLowerCase()]).concat(["x-mse-tag"]);
      runRequest(h, spec, { host: Math.max(k, 0), headers: v.request.headers, properties: v.request.properties, advanceMs: v.request.advanceMs, vm: v.request.vm, response: v.request.response }, new Rng(seed, "replay"), { owned, hostIndex: k, grpc: v.request.grpc });
    }
    res.elapsedMs = performance.now() - t0;
    return res;
  }

  // ----- warm-up: every shape at its biggest, back to back on every worker, then random cases --------
  const shapeRequests = opts.shapeRequests ?? 80;
  for (let k = 0; k < specs.length; k++) {
    const workers = specs[k].workers ?? 2;
    for (const c of fz.warmupRequests?.(specs[k], k) ?? []) { runRequest(hosts[k], specs[k], c, new Rng(seed, "warm-pool", index), { hostIndex: k }); index++; onTrapRebuild(k); }
    for (const shape of fz.shapes) {
      for (let j = 0; j < shapeRequests * workers; j++) {
        const r = new Rng(seed, `${fz.name}/warm/${shape}/${k}`, j);
        runRequest(hosts[k], specs[k], { ...caseOf(r, { host: specs[k], hostIndex: k, shape }), host: k }, r, { hostIndex: k, shape });
        index++;
        onTrapRebuild(k);
      }
    }
  }
  const warm = opts.warmup ?? 1000;
  for (let j = 0; j < warm; j++) {
    const r = new Rng(seed, `${fz.name}/warm`, j);
    const k = r.int(specs.length);
    runRequest(hosts[k], specs[k], { ...caseOf(r, { host: specs[k], hostIndex: k }), host: k }, r, { hostIndex: k });
    index++;
    onTrapRebuild(k);
  }
  for (let k = 0; k < specs.length; k++) baseline[k] = hosts[k].memoryPages();
  res.pagesWarm = hosts.reduce((n, h) => n + h.memoryPages().reduce((a, b) => a + b, 0), 0);
  res.vms = hosts.reduce((n, h) => n + h.vms.length, 0);
  res.warmupMs = performance.now() - t0;
  res.warmupRequests = res.requests;
  res.requests = res.passed = res.denied = 0;
  res.statuses = {};
  res.grpc = {};

  // ----- the cases ------------------------------------------------------------------------------------
  phase = "case";
  const configShare = fz.configShare ?? 0.03;
  const first = opts.only ?? 0;
  const end = opts.only !== undefined ? opts.only + 1 : opts.cases;
  let lastProgress = performance.now();
  for (index = first; index < end; index++) {
    if (unknownCount() >= maxViolations) break;
    const r = new Rng(seed, fz.name, index);
    res.cases++;
    if (r.chance(configShare)) {
      runConfig(r);
    } else {
      const k = r.int(specs.length);
      runRequest(hosts[k], specs[k], { ...caseOf(r, { host: specs[k], hostIndex: k }), host: k }, r, { hostIndex: k });
      onTrapRebuild(k);
      checkMemory(k);
    }
    if (opts.progress && (index & 1023) === 0 && performance.now() - lastProgress > 10_000) {
      lastProgress = performance.now();
      res.elapsedMs = performance.now() - t0;
      opts.progress(index - first, end - first, res);
    }
  }
  for (let k = 0; k < specs.length; k++) checkMemory(k);
  res.pagesEnd = hosts.reduce((n, h) => n + h.memoryPages().reduce((a, b) => a + b, 0), 0);
  res.elapsedMs = performance.now() - t0;
  return res;
}
