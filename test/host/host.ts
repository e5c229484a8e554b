// The emulated Envoy process: one plugin module, N worker VMs, and what they share (shared data, queues,
// metrics, clock, properties, upstream clusters for http calls, logs).
import { readFileSync } from "node:fs";
import { ABI_010_ONLY, ENV_IMPORTS, MODULE_EXPORTS, sameSignature, sigToString, WASI_IMPORTS, WASI_MODULES, WasmResult } from "./abi.ts";
import { computeAttribute } from "./attributes.ts";
import { HostError, LoadError, UsageError } from "./errors.ts";
import { EnvoyGrpcMessages, stripDetails, trailersOnlyMetadata } from "./grpc.ts";
import { formatLog, formatLogs, levelOf, matchLogs, type LogEntry } from "./logs.ts";
import type { LogLevelName } from "./abi.ts";
import { MetricsRegistry, type Metric } from "./metrics.ts";
import { fromUtf8, HeaderMap, utf8, type BytePair, type HeadersInit, type Pair } from "./pairs.ts";
import { PropertyStore, type PropertyPath, type PropertyValue } from "./properties.ts";
import { SharedData, SharedQueues } from "./shared-data.ts";
import { toBytes, type Body, type HttpStream, type PropertiesInit, type StreamOptions, type UpstreamResponse } from "./stream.ts";
import { readModuleInfo, type ModuleInfo } from "./wasm-binary.ts";
import { type Context, type GrpcEvent, WasmVm } from "./vm.ts";

export type TrapPolicy = "throw" | "fail_closed" | "fail_open";

export interface HostOptions {
  /** path to the .wasm, its bytes, or a compiled module */
  wasm: string | Uint8Array | ArrayBuffer | WebAssembly.Module;
  /** plugin configuration (buffer type 7 during proxy_on_configure); objects are JSON-encoded */
  pluginConfig?: string | Uint8Array | object;
  /** VM configuration (buffer type 6) */
  vmConfig?: string | Uint8Array;
  /** worker VMs (Envoy --concurrency); default 2 */
  workers?: number;
  /** vm_id (shared data / queue namespace, plugin_vm_id); default "" */
  vmId?: string;
  /** root_id (plugin_root_id); default "" */
  rootId?: string;
  /** plugin name (plugin_name); default "plugin" */
  pluginName?: string;
  /** level of Envoy's `wasm` logger: what proxy_get_log_level returns and what gets captured; default "info" */
  logLevel?: LogLevelName | number;
  /** clusters proxy_http_call and proxy_grpc_call may target (http: others get BAD_ARGUMENT) */
  clusters?: string[];
  /** of those, clusters without a healthy endpoint: calls to them fail at once with INTERNAL_FAILURE */
  unhealthyClusters?: string[];
  /** properties for every stream, e.g. { "xds.route_name": "r1" } or [[["a.b","c"], value]] */
  properties?: PropertiesInit;
  /** wall clock at start, ms since epoch (default 2026-03-02T09:00:00Z) */
  startTime?: number | Date;
  /** seed of the deterministic WASI random_get */
  randomSeed?: number;
  /** VmConfig.environment_variables (WASI environ) */
  env?: Record<string, string>;
  /**
   * What a trap does. "throw" (default): the call throws WasmTrapError and the VM stays failed (later
   * calls throw VmFailedError). "fail_closed"/"fail_open": Envoy's failure_policy, streams get 503
   * wasm_fail_stream or skip the filter.
   */
  onTrap?: TrapPolicy;
  /** PluginConfig.allow_on_headers_stop_iteration (default false: StopIteration => StopAllIterationAndWatermark) */
  allowOnHeadersStopIteration?: boolean;
  /** advanceTime() times out http calls whose timeout elapsed with Envoy's 504 response (default true) */
  autoTimeoutHttpCalls?: boolean;
  /** advanceTime() times out gRPC calls whose timeout elapsed (on_grpc_close 14; default true) */
  autoTimeoutGrpcCalls?: boolean;
  /** run an extra throw-away VM through start + configure first, like Envoy's config canary (default false) */
  canary?: boolean;
  /** print every captured log line to stderr (default: env WASM_HOST_ECHO_LOGS) */
  echoLogs?: boolean;
  /** record every host call in vm.trace */
  trace?: boolean;
}

interface ResolvedOptions {
  workers: number;
  randomSeed: number;
  env: Record<string, string>;
  onTrap: TrapPolicy;
  allowOnHeadersStopIteration: boolean;
  autoTimeoutHttpCalls: boolean;
  autoTimeoutGrpcCalls: boolean;
  canary: boolean;
  echoLogs: boolean;
  trace: boolean;
  pluginName: string;
}

export interface StartResult {
  ok: boolean;
  reason?: string;
  logs: LogEntry[];
}

export interface PendingHttpCall {
  vm: number;
  token: number;
  /** the root context that owns the call (proxy_on_http_call_response gets this id) */
  rootContextId: number;
  /** the (effective) context that made the call, e.g. the stream */
  contextId: number;
  cluster: string;
  headers: Pair[];
  headerMap: HeaderMap;
  method?: string;
  path?: string;
  authority?: string;
  body: Uint8Array;
  bodyText: string;
  trailers: Pair[];
  timeoutMs: number;
  issuedAt: number;
  /** monotonic ms at which Envoy times it out (null: no timeout) */
  deadline: number | null;
}

export interface HttpCallResponse {
  /** default 200 (ignored when headers contain :status) */
  status?: number;
  headers?: HeadersInit;
  body?: Body;
  trailers?: HeadersInit;
}

/** A gRPC call (proxy_grpc_call) or stream (proxy_grpc_stream) waiting for its upstream. */
export interface PendingGrpcCall {
  kind: "call" | "stream";
  vm: number;
  token: number;
  /** the root context that owns it (every gRPC callback gets this id) */
  rootContextId: number;
  /** the (effective) context that made it, e.g. the stream */
  contextId: number;
  cluster: string;
  /** e.g. "envoy.service.ratelimit.v3.RateLimitService" */
  serviceName: string;
  method: string;
  /** the `service` bytes the plugin passed (a serialized GrpcService or a bare cluster name) */
  service: Uint8Array;
  /** initial metadata the plugin passed */
  initialMetadata: BytePair[];
  /** the request headers Envoy sends upstream (Envoy's own around the plugin's metadata) */
  requestHeaders: HeaderMap;
  /** a call: its request message (bare protobuf, no gRPC frame); a stream: the last message sent */
  message: Uint8Array;
  /** a call: [message]; a stream: every proxy_grpc_send so far */
  messages: Uint8Array[];
  /** a stream: end_stream was sent or proxy_grpc_close called */
  localClosed: boolean;
  /** cancelled by the plugin (proxy_grpc_cancel, proxy_grpc_close of a call) or with its root context */
  cancelled: boolean;
  /** a call's timeout_ms (0: none); 0 for streams */
  timeoutMs: number;
  issuedAt: number;
  /** monotonic ms at which Envoy times the call out (null: never) */
  deadline: number | null;
}

/** Internal state of a callout, as Envoy's grpc_call_request_ / grpc_stream_ maps hold it. */
interface GrpcCallout extends PendingGrpcCall {
  /** no more answers: a call answered or failed, a stream closed by its upstream */
  settled: boolean;
  remoteClosed: boolean;
}

export interface GrpcStreamResponse {
  /** default :status 200, content-type application/grpc */
  initialMetadata?: HeadersInit;
  messages?: Body[];
  /** default grpc-status <status> */
  trailingMetadata?: HeadersInit;
  /** default 0 */
  status?: number;
  /** what proxy_get_status says in on_grpc_close; default EnvoyGrpcMessages.fromUpstream() */
  message?: string;
}

export type ForeignFunction = (
  args: Uint8Array,
  info: { vm: number; contextId: number },
) => Uint8Array | string | { status: number; result?: Uint8Array };

export interface RequestOptions extends StreamOptions {
  headers?: HeadersInit;
  body?: Body;
  trailers?: HeadersInit;
  /** the upstream's answer once the request went through (default 200, no body); false: no answer */
  response?: UpstreamResponse | false;
  /** worker index; default round robin */
  vm?: number;
}

const DEFAULT_START = Date.UTC(2026, 2, 2, 9, 0, 0);
const DEFAULT_GRPC_HEADERS: Array<[string, string]> = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];
const MONOTONIC_BASE_NS = 3_600_000_000_000n; // the "machine" has been up for an hour

function bytesOf(v: string | Uint8Array | object | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v === "string") return utf8(v);
  return utf8(JSON.stringify(v));
}

function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

export class ProxyWasmHost {
  readonly options: ResolvedOptions;
  readonly module: WebAssembly.Module;
  readonly moduleInfo: ModuleInfo;
  readonly vmId: string;
  readonly rootId: string;
  readonly vmConfig: Uint8Array;
  pluginConfig: Uint8Array;

  readonly sharedData = new SharedData();
  readonly sharedQueues = new SharedQueues();
  readonly metricsRegistry = new MetricsRegistry();
  readonly properties = new PropertyStore();
  readonly clusters: Set<string>;
  readonly unhealthyClusters: Set<string>;
  readonly foreignFunctions = new Map<string, ForeignFunction>();
  /** captured logs at or above the log level, all VMs, in order */
  readonly logs: LogEntry[] = [];
  vms: WasmVm[] = [];
  logLevelValue: number;

  private readonly startTime: number;
  private elapsedMs = 0;
  private wallOffsetMs = 0;
  private httpCalls: PendingHttpCall[] = [];
  private grpcCallouts: GrpcCallout[] = [];
  private tasks: (() => void)[] = [];
  private draining = false;
  private rr = 0;
  private started = false;

  constructor(opts: HostOptions) {
    this.options = {
      workers: opts.workers ?? 2,
      randomSeed: opts.randomSeed ?? 42,
      env: opts.env ?? {},
      onTrap: opts.onTrap ?? "throw",
      allowOnHeadersStopIteration: opts.allowOnHeadersStopIteration ?? false,
      autoTimeoutHttpCalls: opts.autoTimeoutHttpCalls ?? true,
      autoTimeoutGrpcCalls: opts.autoTimeoutGrpcCalls ?? true,
      canary: opts.canary ?? false,
      echoLogs: opts.echoLogs ?? !!process.env.WASM_HOST_ECHO_LOGS,
      trace: opts.trace ?? false,
      pluginName: opts.pluginName ?? "plugin",
    };
    if (!Number.isInteger(this.options.workers) || this.options.workers < 1) throw new UsageError("workers must be >= 1");
    this.vmId = opts.vmId ?? "";
    this.rootId = opts.rootId ?? "";
    this.vmConfig = bytesOf(opts.vmConfig);
    this.pluginConfig = bytesOf(opts.pluginConfig);
    this.logLevelValue = levelOf(opts.logLevel, 2);
    this.clusters = new Set([...(opts.clusters ?? []), ...(opts.unhealthyClusters ?? [])]);
    this.unhealthyClusters = new Set(opts.unhealthyClusters ?? []);
    this.startTime = opts.startTime instanceof Date ? opts.startTime.getTime() : (opts.startTime ?? DEFAULT_START);
    // Envoy always knows the connection; tests override these per host or per stream.
    this.properties.set("source.address", "127.0.0.1:40001");
    this.properties.set("source.port", 40001);
    this.properties.set("destination.address", "127.0.0.1:10000");
    this.properties.set("destination.port", 10000);
    if (opts.properties) {
      const entries = Array.isArray(opts.properties) ? opts.properties : Object.entries(opts.properties);
      for (const [p, v] of entries) this.properties.set(p, v);
    }

    let bytes: Uint8Array | null = null;
    if (opts.wasm instanceof WebAssembly.Module) {
      this.module = opts.wasm;
    } else {
      bytes = typeof opts.wasm === "string" ? new Uint8Array(readFileSync(opts.wasm)) : new Uint8Array(opts.wasm);
      try {
        this.module = new WebAssembly.Module(bytes);
      } catch (e) {
        throw new LoadError(`invalid wasm module: ${(e as Error).message}`);
      }
    }
    this.moduleInfo = bytes ? readModuleInfo(bytes) : moduleInfoFromJs(this.module);
    validateModule(this.moduleInfo);
  }

  /** new + start(); throws HostError with the logs when the plugin rejects its configuration. */
  static create(opts: HostOptions): ProxyWasmHost {
    const host = new ProxyWasmHost(opts);
    const r = host.start();
    if (!r.ok) throw new HostError(`plugin failed to start: ${r.reason}`, r.logs);
    return host;
  }

  /**
   * Start every worker like Envoy: `_initialize` (+`main`) or `_start`, then a root context with
   * proxy_on_context_create(root, 0), proxy_on_vm_start(root, vm_config_size), proxy_on_configure(root, size).
   * A false from on_vm_start/on_configure is reported as { ok: false } (Envoy rejects the config).
   */
  start(): StartResult {
    if (this.started) throw new UsageError("host already started");
    this.started = true;
    if (this.options.canary) {
      const canary = new WasmVm(this, -1, this.module);
      canary.startVm();
      const r = canary.startRoot(this.pluginConfig);
      if (!r.ok) return { ok: false, reason: `canary VM: ${r.reason}`, logs: [...this.logs] };
    }
    for (let i = 0; i < this.options.workers; i++) {
      const vm = new WasmVm(this, i, this.module);
      this.vms.push(vm);
      vm.startVm();
      const r = vm.startRoot(this.pluginConfig);
      if (!r.ok) return { ok: false, reason: r.reason, logs: [...this.logs] };
    }
    return { ok: true, logs: [...this.logs] };
  }

  /** New plugin configuration on the same VMs: a new root context per VM, the old one gets on_done/on_delete. */
  reconfigure(pluginConfig: string | Uint8Array | object): StartResult {
    const config = bytesOf(pluginConfig);
    for (const vm of this.vms) {
      const old = vm.rootContextId;
      const r = vm.startRoot(config);
      if (!r.ok) return { ok: false, reason: r.reason, logs: [...this.logs] };
      vm.shutdownRoot(old);
    }
    this.pluginConfig = config;
    return { ok: true, logs: [...this.logs] };
  }

  /** proxy_validate_configuration on one VM's current root: true when the plugin accepts `pluginConfig`. */
  validateConfiguration(pluginConfig: string | Uint8Array | object, vm = 0): boolean {
    const r = this.vm(vm).validateConfiguration(bytesOf(pluginConfig));
    if (r.missing) throw new UsageError("the module does not export proxy_validate_configuration");
    return r.raw !== 0;
  }

  /** Envoy shutting the plugin down: on_done (and on_delete, or wait for proxy_done) on each root context. */
  shutdown(): void {
    for (const vm of this.vms) if (!vm.failed) vm.shutdownRoot(vm.rootContextId);
  }

  vm(index: number): WasmVm {
    const vm = this.vms[index];
    if (!vm) throw new UsageError(`no VM ${index} (workers: ${this.vms.length})`);
    return vm;
  }

  private nextVm(): WasmVm {
    if (!this.vms.length) throw new UsageError("host not started");
    const vm = this.vms[this.rr % this.vms.length];
    this.rr++;
    return vm;
  }

  // ----- streams ----------------------------------------------------------------------------------------

  /** A new stream on the next worker (round robin). */
  newHttpStream(options: StreamOptions = {}): HttpStream {
    return this.nextVm().newHttpStream(options);
  }

  /**
   * One whole request: headers (+ body, trailers); once the plugin lets it through, the upstream answers
   * with `response` (default 200) and the stream completes. If the plugin pauses (e.g. waiting for an
   * http call), the returned stream continues when it resumes.
   */
  request(o: RequestOptions = {}): HttpStream {
    const vm = o.vm !== undefined ? this.vm(o.vm) : this.nextVm();
    const s = vm.newHttpStream({
      ...o,
      upstream: o.response === false ? undefined : (o.response ?? o.upstream ?? {}),
      autoComplete: o.autoComplete ?? true,
    });
    const hasBody = o.body !== undefined;
    const hasTrailers = o.trailers !== undefined;
    s.requestHeaders(o.headers ?? {}, { endOfStream: !hasBody && !hasTrailers });
    const open = () => !s.completed && !s.closed && !s.localResponse;
    if (hasBody && open()) s.requestBody(o.body!, !hasTrailers);
    if (hasTrailers && open()) s.requestTrailers(o.trailers!);
    return s;
  }

  // ----- clock ------------------------------------------------------------------------------------------

  /** wall clock, ms since epoch (proxy_get_current_time_nanoseconds, WASI REALTIME) */
  get now(): number {
    return this.startTime + this.wallOffsetMs + this.elapsedMs;
  }
  /** monotonic ms since the host started (timers) */
  get monoMs(): number {
    return this.elapsedMs;
  }
  realtimeNs(): bigint {
    return msToNs(this.now);
  }
  monotonicNs(): bigint {
    return MONOTONIC_BASE_NS + msToNs(this.elapsedMs);
  }
  /** Jump the wall clock only (NTP step): no ticks fire, monotonic time is unchanged. */
  setWallClock(ms: number | Date): void {
    const target = ms instanceof Date ? ms.getTime() : ms;
    this.wallOffsetMs = target - this.startTime - this.elapsedMs;
  }

  /**
   * Let time pass: fires proxy_on_tick on every VM whose period elapsed (once per elapsed period, each at
   * its due time) and times out http and gRPC calls, in time order.
   */
  advanceTime(ms: number): void {
    if (ms < 0) throw new UsageError("time only moves forward");
    const target = this.elapsedMs + ms;
    for (;;) {
      let best: { at: number; run: () => void } | null = null;
      for (const vm of this.vms) {
        if (vm.failed) continue;
        const root = vm.contexts.get(vm.rootContextId);
        if (!root || root.kind !== "root" || root.nextTickAt === null) continue;
        if (root.nextTickAt <= target && (!best || root.nextTickAt < best.at)) {
          const at = root.nextTickAt;
          best = { at, run: () => vm.tick(at) };
        }
      }
      if (this.options.autoTimeoutHttpCalls) {
        for (const call of this.httpCalls) {
          if (call.deadline !== null && call.deadline <= target && (!best || call.deadline < best.at)) {
            best = { at: call.deadline, run: () => this.timeoutHttpCall(call) };
          }
        }
      }
      if (this.options.autoTimeoutGrpcCalls) {
        for (const call of this.grpcCallouts) {
          if (!call.settled && call.deadline !== null && call.deadline <= target && (!best || call.deadline < best.at)) {
            best = { at: call.deadline, run: () => this.timeoutGrpcCall(call) };
          }
        }
      }
      if (!best) break;
      this.elapsedMs = Math.max(this.elapsedMs, best.at);
      best.run();
    }
    this.elapsedMs = target;
  }

  // ----- http calls -------------------------------------------------------------------------------------

  registerHttpCall(c: {
    vm: number;
    token: number;
    rootContextId: number;
    contextId: number;
    cluster: string;
    headerMap: HeaderMap;
    body: Uint8Array;
    trailers: HeaderMap;
    timeoutMs: number;
  }): void {
    this.httpCalls.push({
      vm: c.vm,
      token: c.token,
      rootContextId: c.rootContextId,
      contextId: c.contextId,
      cluster: c.cluster,
      headers: c.headerMap.pairs(),
      headerMap: c.headerMap,
      method: c.headerMap.get(":method"),
      path: c.headerMap.get(":path"),
      authority: c.headerMap.get(":authority"),
      body: c.body,
      bodyText: fromUtf8(c.body),
      trailers: c.trailers.pairs(),
      timeoutMs: c.timeoutMs,
      issuedAt: this.elapsedMs,
      deadline: c.timeoutMs > 0 && c.vm >= 0 ? this.elapsedMs + c.timeoutMs : null,
    });
  }

  /** http calls waiting for an answer (oldest first) */
  pendingHttpCalls(filter: { vm?: number; cluster?: string } = {}): PendingHttpCall[] {
    return this.httpCalls.filter(
      (c) => (filter.vm === undefined || c.vm === filter.vm) && (filter.cluster === undefined || c.cluster === filter.cluster),
    );
  }

  private takeCall(ref: PendingHttpCall | number, vm?: number): PendingHttpCall {
    const matches = this.httpCalls.filter((c) =>
      typeof ref === "number" ? c.token === ref && (vm === undefined || c.vm === vm) : c.vm === ref.vm && c.token === ref.token,
    );
    if (matches.length === 0) {
      const pending = this.httpCalls.map((c) => `vm${c.vm}:${c.token}`).join(", ") || "none";
      throw new UsageError(`no pending http call ${typeof ref === "number" ? ref : `vm${ref.vm}:${ref.token}`} (pending: ${pending})`);
    }
    if (matches.length > 1) {
      throw new UsageError(`http call token ${ref} is pending on several VMs (tokens are per VM): pass the call object or a vm index`);
    }
    this.httpCalls = this.httpCalls.filter((c) => c !== matches[0]);
    return matches[0];
  }

  /** The upstream answers: proxy_on_http_call_response(ROOT context id, token, headers, body size, trailers). */
  respondHttpCall(ref: PendingHttpCall | number, response: HttpCallResponse = {}, vm?: number): void {
    const call = this.takeCall(ref, vm);
    const headers = new HeaderMap(response.headers);
    if (!headers.has(":status")) headers.add(":status", String(response.status ?? 200));
    this.vm(call.vm).deliverHttpCallResponse(call.rootContextId, call.token, {
      headers,
      body: toBytes(response.body),
      trailers: new HeaderMap(response.trailers),
    });
  }

  /** Reset / connection failure: Envoy calls back with 0 headers, 0 body, 0 trailers (proxy_get_status: 11 "reset"). */
  failHttpCall(ref: PendingHttpCall | number, vm?: number): void {
    const call = this.takeCall(ref, vm);
    this.vm(call.vm).deliverHttpCallResponse(call.rootContextId, call.token, null);
  }

  /** Timeout: Envoy's async client answers with its local reply 504 "upstream request timeout". */
  timeoutHttpCall(ref: PendingHttpCall | number, vm?: number): void {
    const call = this.takeCall(ref, vm);
    const body = utf8("upstream request timeout");
    this.vm(call.vm).deliverHttpCallResponse(call.rootContextId, call.token, {
      headers: new HeaderMap([
        [":status", "504"],
        ["content-length", String(body.length)],
        ["content-type", "text/plain"],
      ]),
      body,
      trailers: new HeaderMap(),
    });
  }

  // ----- gRPC calls and streams ---------------------------------------------------------------------------

  /** Used by proxy_grpc_call / proxy_grpc_stream once Envoy's async client took the callout. */
  registerGrpcCallout(
    c: Omit<PendingGrpcCall, "message" | "messages" | "localClosed" | "cancelled" | "issuedAt" | "deadline"> & { message: Uint8Array | null },
  ): PendingGrpcCall {
    const call = c.kind === "call";
    const callout: GrpcCallout = {
      ...c,
      message: c.message ?? new Uint8Array(0),
      messages: c.message ? [c.message] : [],
      localClosed: false,
      cancelled: false,
      timeoutMs: call ? c.timeoutMs : 0,
      issuedAt: this.elapsedMs,
      deadline: call && c.timeoutMs > 0 && c.vm >= 0 ? this.elapsedMs + c.timeoutMs : null,
      settled: false,
      remoteClosed: false,
    };
    this.grpcCallouts.push(callout);
    return callout;
  }

  /** The callout `token` of this root context, as long as Envoy still holds it. */
  findGrpcCallout(vm: number, rootContextId: number, token: number): PendingGrpcCall | undefined {
    return this.grpcCallouts.find((c) => c.vm === vm && c.rootContextId === rootContextId && c.token === token);
  }

  /** proxy_grpc_send */
  grpcStreamSent(ref: PendingGrpcCall, message: Uint8Array, endStream: boolean): void {
    const c = ref as GrpcCallout;
    c.messages.push(message);
    c.message = message;
    if (endStream) c.localClosed = true;
  }

  /** proxy_grpc_close on a stream: half-close; Envoy forgets the stream once both sides closed. */
  grpcStreamLocalClose(ref: PendingGrpcCall): void {
    const c = ref as GrpcCallout;
    c.localClosed = true;
    if (c.remoteClosed) this.eraseGrpc(c);
  }

  /** proxy_grpc_cancel (and proxy_grpc_close of a call): no callback follows. */
  cancelGrpcCallout(ref: PendingGrpcCall): void {
    const c = ref as GrpcCallout;
    if (!c.settled) c.cancelled = true;
    c.settled = true;
    this.eraseGrpc(c);
  }

  /** A root context goes away: Envoy's ~Context cancels what it still owns. */
  cancelGrpcCallouts(vm: number, rootContextId: number): void {
    for (const c of this.grpcCallouts.filter((x) => x.vm === vm && x.rootContextId === rootContextId)) this.cancelGrpcCallout(c);
  }

  private eraseGrpc(c: GrpcCallout): void {
    this.grpcCallouts = this.grpcCallouts.filter((x) => x !== c);
  }

  /** gRPC calls and streams waiting for their upstream (oldest first); `service` is the service name */
  pendingGrpcCalls(filter: { vm?: number; cluster?: string; service?: string; method?: string; kind?: "call" | "stream" } = {}): PendingGrpcCall[] {
    return this.grpcCallouts.filter(
      (c) =>
        !c.settled &&
        (filter.vm === undefined || c.vm === filter.vm) &&
        (filter.cluster === undefined || c.cluster === filter.cluster) &&
        (filter.service === undefined || c.serviceName === filter.service) &&
        (filter.method === undefined || c.method === filter.method) &&
        (filter.kind === undefined || c.kind === filter.kind),
    );
  }

  private findGrpc(ref: PendingGrpcCall | number, vm: number | undefined, what: string, kind?: "call" | "stream"): GrpcCallout {
    const matches = this.grpcCallouts.filter(
      (c) =>
        !c.settled &&
        (typeof ref === "number" ? c.token === ref && (vm === undefined || c.vm === vm) : c.vm === ref.vm && c.token === ref.token),
    );
    if (matches.length === 0) {
      const pending = this.pendingGrpcCalls().map((c) => `vm${c.vm}:${c.token}`).join(", ") || "none";
      const name = typeof ref === "number" ? ref : `vm${ref.vm}:${ref.token}`;
      const cancelled = typeof ref === "object" && ref.cancelled ? " (the plugin cancelled it)" : "";
      throw new UsageError(`${what}: no pending gRPC call ${name}${cancelled} (pending: ${pending})`);
    }
    if (matches.length > 1) {
      throw new UsageError(`${what}: gRPC token ${ref} is pending on several VMs (tokens are per VM): pass the call object or a vm index`);
    }
    const c = matches[0];
    if (kind && c.kind !== kind) {
      throw new UsageError(
        kind === "call"
          ? `${what}: ${c.token} is a gRPC stream: use receiveGrpcInitialMetadata / receiveGrpcMessage / receiveGrpcTrailingMetadata / closeGrpcCall or respondGrpcStream`
          : `${what}: ${c.token} is a gRPC call (proxy_grpc_call): Envoy delivers no metadata for calls; use respondGrpcCall`,
      );
    }
    return c;
  }

  private deliverGrpc(c: GrpcCallout, event: GrpcEvent, cleanup?: () => void): void {
    this.vm(c.vm).deliverGrpc(c.rootContextId, c.token, event, cleanup);
  }

  /** The upstream answered a call: proxy_on_grpc_receive(ROOT context id, token, size); buffer 5 is `message`. */
  respondGrpcCall(ref: PendingGrpcCall | number, message: Body = "", vm?: number): void {
    const c = this.findGrpc(ref, vm, "respondGrpcCall", "call");
    c.settled = true;
    this.deliverGrpc(c, { type: "receive", message: toBytes(message) }, () => this.eraseGrpc(c));
  }

  /**
   * The call fails with `status`: proxy_on_grpc_close(ROOT context id, token, status), proxy_get_status gives
   * `message` verbatim. Default message: EnvoyGrpcMessages.connectionRefused for 14, else "via_upstream" (an
   * upstream answer without grpc-message); an upstream's "slow down" reads "slow down{via_upstream}"
   * (EnvoyGrpcMessages.fromUpstream). Status 0 is an upstream "OK" without a message: Envoy says 13, "".
   * A stream gets what Envoy gives for a trailers-only answer: empty initial metadata, the trailing metadata
   * (:status 200, content-type, grpc-status, grpc-message), then the close.
   */
  failGrpcCall(ref: PendingGrpcCall | number, status = 14, message?: string, vm?: number): void {
    const c = this.findGrpc(ref, vm, "failGrpcCall");
    const msg = message ?? (status === 14 ? EnvoyGrpcMessages.connectionRefused : EnvoyGrpcMessages.fromUpstream());
    if (c.kind === "call") {
      const [code, text] = status === 0 ? [13, ""] : [status, msg];
      this.closeGrpc(c, code, text);
      return;
    }
    this.deliverGrpc(c, { type: "initial", metadata: new HeaderMap() });
    if (!c.settled) this.deliverGrpc(c, { type: "trailing", metadata: trailersOnlyMetadata(status, stripDetails(msg)) });
    if (!c.settled) this.closeGrpc(c, status, msg);
  }

  /** timeout_ms elapsed (advanceTime does this by itself): on_grpc_close 14 "upstream request timeout{response_timeout}". */
  timeoutGrpcCall(ref: PendingGrpcCall | number, vm?: number): void {
    const c = this.findGrpc(ref, vm, "timeoutGrpcCall", "call");
    this.closeGrpc(c, 14, EnvoyGrpcMessages.timeout);
  }

  /** proxy_on_grpc_close(ROOT context id, token, status) with `message` verbatim, for a call or a stream. */
  closeGrpcCall(ref: PendingGrpcCall | number, status: number, message = "", vm?: number): void {
    this.closeGrpc(this.findGrpc(ref, vm, "closeGrpcCall"), status, message);
  }

  private closeGrpc(c: GrpcCallout, status: number, message: string): void {
    c.settled = true;
    c.remoteClosed = true;
    // Envoy forgets a call at once, a stream only once the plugin closed its side too
    const cleanup = () => {
      if (c.kind === "call" || c.localClosed) this.eraseGrpc(c);
    };
    this.deliverGrpc(c, { type: "close", status, message }, cleanup);
  }

  /** A stream's response headers: proxy_on_grpc_receive_initial_metadata(root, token, count); map 4. */
  receiveGrpcInitialMetadata(ref: PendingGrpcCall | number, metadata: HeadersInit = DEFAULT_GRPC_HEADERS, vm?: number): void {
    const c = this.findGrpc(ref, vm, "receiveGrpcInitialMetadata", "stream");
    this.deliverGrpc(c, { type: "initial", metadata: new HeaderMap(metadata) });
  }

  /** A stream's message: proxy_on_grpc_receive(root, token, size); buffer 5. */
  receiveGrpcMessage(ref: PendingGrpcCall | number, message: Body, vm?: number): void {
    const c = this.findGrpc(ref, vm, "receiveGrpcMessage", "stream");
    this.deliverGrpc(c, { type: "receive", message: toBytes(message) });
  }

  /** A stream's trailers: proxy_on_grpc_receive_trailing_metadata(root, token, count); map 5. */
  receiveGrpcTrailingMetadata(ref: PendingGrpcCall | number, metadata: HeadersInit, vm?: number): void {
    const c = this.findGrpc(ref, vm, "receiveGrpcTrailingMetadata", "stream");
    this.deliverGrpc(c, { type: "trailing", metadata: new HeaderMap(metadata) });
  }

  /** A whole stream answer, in Envoy's order: initial metadata, each message, trailing metadata, close. */
  respondGrpcStream(ref: PendingGrpcCall | number, r: GrpcStreamResponse = {}, vm?: number): void {
    const c = this.findGrpc(ref, vm, "respondGrpcStream", "stream");
    const status = r.status ?? 0;
    this.deliverGrpc(c, { type: "initial", metadata: new HeaderMap(r.initialMetadata ?? DEFAULT_GRPC_HEADERS) });
    for (const m of r.messages ?? []) if (!c.settled) this.deliverGrpc(c, { type: "receive", message: toBytes(m) });
    if (!c.settled) this.deliverGrpc(c, { type: "trailing", metadata: new HeaderMap(r.trailingMetadata ?? [["grpc-status", String(status)]]) });
    if (!c.settled) this.closeGrpc(c, status, r.message ?? EnvoyGrpcMessages.fromUpstream());
  }

  // ----- shared data, metrics, properties, foreign functions --------------------------------------------

  getSharedData(key: string): { value: string; bytes: Uint8Array; cas: number } | undefined {
    const v = this.sharedData.get(key);
    return v && { value: fromUtf8(v.value), bytes: v.value, cas: v.cas };
  }
  setSharedData(key: string, value: string | Uint8Array, cas = 0): number {
    return this.sharedData.set(key, toBytes(value), cas);
  }

  /** counter or gauge value (name with or without "wasmcustom."), undefined if never defined */
  metric(name: string): number | undefined {
    const m = this.metricsRegistry.get(name);
    if (!m || m.kind === "histogram") return undefined;
    return Number(m.value);
  }
  metricInfo(name: string): Metric | undefined {
    return this.metricsRegistry.get(name);
  }
  histogram(name: string): number[] {
    return (this.metricsRegistry.get(name)?.samples ?? []).map(Number);
  }
  metrics(): Record<string, number | number[]> {
    const out: Record<string, number | number[]> = {};
    for (const m of this.metricsRegistry.all()) out[m.name] = m.kind === "histogram" ? m.samples.map(Number) : Number(m.value);
    return out;
  }

  /** Property for all streams: path "a.b.c" or ["a","b","c"]; strings raw, integers 8-byte LE, maps as pairs. */
  setProperty(path: PropertyPath, value: PropertyValue): void {
    this.properties.set(path, value);
  }

  registerForeignFunction(name: string, fn: ForeignFunction): void {
    this.foreignFunctions.set(name, fn);
  }

  addCluster(...names: string[]): void {
    for (const n of names) this.clusters.add(n);
  }

  /** A known cluster loses (false) or regains (true) its healthy endpoints. */
  setClusterHealthy(name: string, healthy: boolean): void {
    this.clusters.add(name);
    if (healthy) this.unhealthyClusters.delete(name);
    else this.unhealthyClusters.add(name);
  }

  resolveProperty(vm: WasmVm, ctx: Context, tokens: string[]): { status: number; value?: Uint8Array } {
    if (tokens.length === 0) return { status: WasmResult.NotFound };
    const stream = ctx.kind === "stream" ? ctx.stream : null;
    const fromStream = stream?.properties.lookup(tokens);
    if (fromStream) return { status: WasmResult.Ok, value: fromStream };
    const fromHost = this.properties.lookup(tokens);
    if (fromHost) return { status: WasmResult.Ok, value: fromHost };
    const computed = computeAttribute(
      { pluginName: this.options.pluginName, rootId: this.rootId, vmId: this.vmId, stream },
      tokens,
    );
    if (computed) return computed;
    if (stream && tokens.length === 1) {
      const fs = stream.filterState.get(tokens[0]);
      if (fs) return { status: WasmResult.Ok, value: fs };
    }
    return { status: WasmResult.NotFound };
  }

  // ----- logs -------------------------------------------------------------------------------------------

  get logLevel(): number {
    return this.logLevelValue;
  }
  set logLevel(level: LogLevelName | number) {
    this.logLevelValue = levelOf(level, 2);
  }

  addLog(entry: LogEntry): void {
    if (entry.level < this.logLevelValue) return;
    this.logs.push(entry);
    if (this.options.echoLogs) process.stderr.write(`${formatLog(entry)}\n`);
  }
  findLogs(pattern?: string | RegExp, minLevel?: LogLevelName | number): LogEntry[] {
    return matchLogs(this.logs, pattern, minLevel);
  }
  hasLog(pattern: string | RegExp, minLevel?: LogLevelName | number): boolean {
    return this.findLogs(pattern, minLevel).length > 0;
  }
  formatLogs(entries: readonly LogEntry[] = this.logs): string {
    return formatLogs(entries);
  }
  printLogs(entries: readonly LogEntry[] = this.logs): void {
    process.stderr.write(`${formatLogs(entries)}\n`);
  }
  clearLogs(): void {
    this.logs.length = 0;
  }

  // ----- misc -------------------------------------------------------------------------------------------

  memoryPages(): number[] {
    return this.vms.map((v) => v.memoryPages);
  }

  /** Work Envoy posts to a worker's dispatcher (e.g. proxy_on_queue_ready): runs after the current callback. */
  postTask(task: () => void): void {
    this.tasks.push(task);
  }
  drainTasks(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.tasks.length) this.tasks.shift()!();
    } finally {
      this.draining = false;
    }
  }
}

/** Check the module the way Envoy links it; every problem is reported at once. */
export function validateModule(info: ModuleInfo): void {
  const problems: string[] = [];
  const exportNames = new Set(info.exports.map((e) => e.name));
  if (!exportNames.has("proxy_abi_version_0_2_1")) {
    const other = ["proxy_abi_version_0_1_0", "proxy_abi_version_0_2_0", "proxy_abi_version_vNEXT"].find((n) => exportNames.has(n));
    problems.push(
      other
        ? `exports ${other}: the emulator (and this project) target ABI 0.2.1; export proxy_abi_version_0_2_1`
        : "Missing or unknown Proxy-Wasm ABI version: export proxy_abi_version_0_2_1",
    );
  }
  for (const imp of info.imports) {
    const qn = `${imp.module}.${imp.name}`;
    if (imp.kind !== "function") {
      problems.push(`missing import: ${qn} (${imp.kind} imports are not provided by Envoy)`);
      continue;
    }
    let expected;
    if (imp.module === "env") {
      expected = ENV_IMPORTS[imp.name];
      if (!expected && ABI_010_ONLY.includes(imp.name)) {
        problems.push(`missing import: ${qn} is ABI 0.1.0-only and not linked for proxy_abi_version_0_2_1 modules`);
        continue;
      }
    } else if (WASI_MODULES.includes(imp.module)) {
      expected = WASI_IMPORTS[imp.name];
    }
    if (!expected) {
      problems.push(`missing import: ${qn} (Envoy: "Failed to load Wasm module due to a missing import: ${qn}")`);
      continue;
    }
    if (imp.signature && !sameSignature(imp.signature, expected)) {
      problems.push(`bad signature for import ${qn}: module declares ${sigToString(imp.signature)}, Envoy provides ${sigToString(expected)}`);
    }
  }
  const memory = info.exports.find((e) => e.name === "memory");
  if (!memory || memory.kind !== "memory") problems.push("the module must export its memory as \"memory\"");
  if (!exportNames.has("malloc") && !exportNames.has("proxy_on_memory_allocate")) {
    problems.push("Wasm module is missing malloc function: export malloc or proxy_on_memory_allocate");
  }
  for (const exp of info.exports) {
    const expected = MODULE_EXPORTS[exp.name];
    if (!expected) continue;
    if (exp.kind !== "function") problems.push(`export ${exp.name} must be a function`);
    else if (exp.signature && !sameSignature(exp.signature, expected)) {
      problems.push(`Bad function signature for: ${exp.name}: module has ${sigToString(exp.signature)}, Envoy calls ${sigToString(expected)}`);
    }
  }
  if (problems.length) throw new LoadError(`Envoy would refuse this module:\n  - ${problems.join("\n  - ")}`);
}

function moduleInfoFromJs(module: WebAssembly.Module): ModuleInfo {
  return {
    imports: WebAssembly.Module.imports(module).map((i) => ({ module: i.module, name: i.name, kind: i.kind as any })),
    exports: WebAssembly.Module.exports(module).map((e) => ({ name: e.name, kind: e.kind as any })),
  };
}
