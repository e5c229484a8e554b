// One VM instance = one Envoy worker thread's copy of the plugin (proxy-wasm-cpp-host WasmBase + ContextBase).
import {
  ALLOC_ALLOWED,
  CALLOUT_INCREMENT,
  FilterDataStatus,
  FilterHeadersStatus,
  FilterTrailersStatus,
  LogLevel,
  START_ALLOWED,
  WasmResult,
} from "./abi.ts";
import { HostCallError, HostError, VmFailedError, WasmTrapError } from "./errors.ts";
import { createEnvImports } from "./hostcalls.ts";
import type { ProxyWasmHost } from "./host.ts";
import { levelName, type LogEntry, type LogSource } from "./logs.ts";
import { GuestMemory } from "./memory.ts";
import { VmMetrics } from "./metrics.ts";
import type { HeaderMap } from "./pairs.ts";
import { HttpStream, type StreamOptions } from "./stream.ts";
import { createWasiImports } from "./wasi.ts";


/** One recorded host call or callback (see HostOptions.trace; scripts/bench/floor.ts replays them). */
export interface TraceEntry {
  context: number;
  name: string;
  args: unknown[];
  result: unknown;
  /** import module of a host call ("env" when absent) */
  module?: string;
  /** true for a callback into the plugin (outermost only); its `result` is what the plugin returned */
  callback?: boolean;
  /** bytes the plugin passed by pointer, in argument order (see INPUT_SPANS in hostcalls.ts) */
  inputs?: Uint8Array[];
  /** a u32 the host wrote for the plugin (proxy_define_metric's id) */
  out?: number;
}

export interface HttpCallResponseData {
  headers: HeaderMap;
  body: Uint8Array;
  trailers: HeaderMap;
}

/** A root (plugin) context: owns ticks, http and gRPC callouts and the plugin configuration. */
export interface RootContext {
  kind: "root";
  id: number;
  pluginConfig: Uint8Array;
  tickPeriodMs: number;
  nextTickAt: number | null;
  httpCallResponse: HttpCallResponseData | null;
  /** buffer 5 during proxy_on_grpc_receive */
  grpcReceiveBuffer: Uint8Array | null;
  /** map 4 during proxy_on_grpc_receive_initial_metadata */
  grpcInitialMetadata: HeaderMap | null;
  /** map 5 during proxy_on_grpc_receive_trailing_metadata */
  grpcTrailingMetadata: HeaderMap | null;
  statusCode: number;
  statusMessage: string;
  /** on_done returned false: waiting for proxy_done */
  pendingDone: boolean;
  deleted: boolean;
}
export interface VmContext {
  kind: "vm";
  id: 0;
  statusCode: number;
  statusMessage: string;
}
export interface StreamContext {
  kind: "stream";
  id: number;
  rootId: number;
  stream: HttpStream;
  statusCode: number;
  statusMessage: string;
}
export type Context = RootContext | VmContext | StreamContext;

export interface VmFailure {
  callback: string;
  contextId: number;
  message: string;
  logs: LogEntry[];
}

export interface CallResult {
  /** value the plugin returned (u32), undefined for void callbacks or missing exports */
  raw: number | undefined;
  /** Envoy's view after conversion (e.g. StopIteration -> StopAllIterationAndWatermark) */
  status: number | undefined;
  missing: boolean;
  trapped: boolean;
}

export type StatusKind = "headers" | "data" | "trailers" | "bool" | "void";

/** What the upstream of a gRPC callout delivers to the plugin. */
export type GrpcEvent =
  | { type: "initial"; metadata: HeaderMap }
  | { type: "receive"; message: Uint8Array }
  | { type: "trailing"; metadata: HeaderMap }
  | { type: "close"; status: number; message: string };

const GRPC_CALLBACKS = {
  initial: "proxy_on_grpc_receive_initial_metadata",
  receive: "proxy_on_grpc_receive",
  trailing: "proxy_on_grpc_receive_trailing_metadata",
  close: "proxy_on_grpc_close",
} as const;

export interface VmStartResult {
  ok: boolean;
  reason?: string;
}

const RECENT_LOGS = 200;

/** mulberry32: small deterministic PRNG for WASI random_get. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export class WasmVm {
  readonly index: number;
  readonly host: ProxyWasmHost;
  readonly instance: WebAssembly.Instance;
  readonly memory: GuestMemory;
  /** raw exports, for low-level tests */
  readonly exports: Record<string, any>;
  readonly metrics: VmMetrics;
  readonly contexts = new Map<number, Context>();
  /** WASI proc_exit codes the plugin reported (Envoy only logs them) */
  readonly procExits: number[] = [];
  /** recent log lines of every level (logs below the host log level included), for failure messages */
  readonly recentLogs: LogEntry[] = [];
  /** host calls (and the outermost callbacks, callback: true) recorded when the host was created with { trace: true } */
  readonly trace: TraceEntry[] = [];

  rootContextId = 0;
  failure: VmFailure | null = null;
  /** how many times the host called the guest allocator */
  allocations = 0;
  /** maximum memory pages observed */
  peakPages = 0;

  currentContextId = 0;
  effectiveContextId = 0;
  /** plugin configuration visible through buffer type 7 (Envoy's temp_plugin_) */
  tempPluginConfig: Uint8Array | null = null;
  /** foreign-function call data (buffer type 8) */
  callData: Uint8Array = new Uint8Array(0);
  stopNextIteration = false;
  /** cpp-host WasmBase::next_http_call_id_ / next_grpc_call_id_ / next_grpc_stream_id_ (one set per VM) */
  nextHttpCallToken = 0;
  nextGrpcCallToken = 1;
  nextGrpcStreamToken = 2;

  private nextContextId = 1;
  private depth = 0;
  private afterCall: (() => void)[] = [];
  private restriction: { allowed: Set<string>; reason: string } | null = null;
  private readonly random: () => number;
  private readonly mallocFn: (size: number) => number;

  constructor(host: ProxyWasmHost, index: number, module: WebAssembly.Module) {
    this.host = host;
    this.index = index;
    this.random = prng(host.options.randomSeed + index * 7919);
    this.metrics = new VmMetrics(host.metricsRegistry);
    this.contexts.set(0, { kind: "vm", id: 0, statusCode: 0, statusMessage: "" });
    let memoryRef: GuestMemory | null = null;
    const self = this;
    const wasiVm = {
      get memory() {
        return memoryRef!;
      },
      log: (level: number, message: string, source: LogSource) => this.log(level, message, source),
      realtimeNs: () => host.realtimeNs(),
      monotonicNs: () => host.monotonicNs(),
      randomBytes: (n: number) => this.randomBytes(n),
      env: Object.entries(host.options.env),
      procExit: (code: number) => this.procExits.push(code),
      enter: (name: string) => self.enter(name),
      record: host.options.trace
        ? (name: string, args: unknown[], result: unknown) => self.trace.push({ context: self.activeContext().id, name, args, result, module: "wasi_snapshot_preview1" })
        : undefined,
    };
    const wasi = createWasiImports(wasiVm);
    const imports: WebAssembly.Imports = {
      env: createEnvImports(this),
      wasi_snapshot_preview1: wasi,
      wasi_unstable: wasi,
    };
    this.instance = new WebAssembly.Instance(module, imports);
    this.exports = this.instance.exports as Record<string, any>;
    const mem = this.exports.memory;
    if (!(mem instanceof WebAssembly.Memory)) throw new HostError("module does not export its memory");
    memoryRef = new GuestMemory(mem);
    this.memory = memoryRef;
    this.mallocFn = (this.exports.malloc ?? this.exports.proxy_on_memory_allocate) as (size: number) => number;
    this.peakPages = this.memory.pages;
  }

  // ----- inspection -------------------------------------------------------------------------------------

  /** current linear memory size in 64 KiB pages */
  get memoryPages(): number {
    return this.memory.pages;
  }
  get failed(): boolean {
    return this.failure !== null;
  }
  get root(): RootContext {
    const c = this.contexts.get(this.rootContextId);
    if (!c || c.kind !== "root") throw new HostError(`VM ${this.index} has no root context`);
    return c;
  }
  get tickPeriodMs(): number {
    return this.root.tickPeriodMs;
  }
  /** logs of this VM that passed the host log level */
  get logs(): LogEntry[] {
    return this.host.logs.filter((e) => e.vm === this.index);
  }

  newHttpStream(options: StreamOptions = {}): HttpStream {
    this.assertUsable();
    const id = this.allocContextId();
    const stream = new HttpStream(this, id, this.rootContextId, options);
    this.contexts.set(id, { kind: "stream", id, rootId: this.rootContextId, stream, statusCode: 0, statusMessage: "" });
    return stream;
  }

  // ----- lifecycle (WasmBase::startVm, ContextBase::onStart/onConfigure) -----------------------------------

  /** `_initialize` (+ `main`) or `_start`, with Envoy's restricted host-call set. */
  startVm(): void {
    const run = (name: string, args: number[]) => {
      if (typeof this.exports[name] !== "function") return false;
      this.restriction = { allowed: START_ALLOWED, reason: `during ${name} (Envoy's startVm allows only logging, clocks, random, args, environ)` };
      try {
        this.invoke(0, name, args);
      } finally {
        this.restriction = null;
      }
      return true;
    };
    if (run("_initialize", [])) run("main", [0, 0]);
    else run("_start", []);
  }

  /** Create a root context (on_context_create + on_vm_start) and configure it (on_configure). */
  startRoot(pluginConfig: Uint8Array): VmStartResult {
    const id = this.allocContextId();
    const root: RootContext = {
      kind: "root",
      id,
      pluginConfig,
      tickPeriodMs: 0,
      nextTickAt: null,
      httpCallResponse: null,
      grpcReceiveBuffer: null,
      grpcInitialMetadata: null,
      grpcTrailingMetadata: null,
      statusCode: 0,
      statusMessage: "",
      pendingDone: false,
      deleted: false,
    };
    this.contexts.set(id, root);
    const previousRoot = this.rootContextId;
    this.rootContextId = id;
    this.tempPluginConfig = pluginConfig;
    try {
      this.callback(id, "proxy_on_context_create", [id, 0], "void");
    } finally {
      this.tempPluginConfig = null;
    }
    const started = this.callback(id, "proxy_on_vm_start", [id, this.host.vmConfig.length], "bool");
    if (!started.missing && started.raw === 0) {
      this.rootContextId = previousRoot || id;
      return { ok: false, reason: `proxy_on_vm_start(${id}) returned false on VM ${this.index}` };
    }
    this.tempPluginConfig = pluginConfig;
    let configured: CallResult;
    try {
      configured = this.callback(id, "proxy_on_configure", [id, pluginConfig.length], "bool");
    } finally {
      this.tempPluginConfig = null;
    }
    if (!configured.missing && configured.raw === 0) {
      this.rootContextId = previousRoot || id;
      return { ok: false, reason: `proxy_on_configure(${id}) returned false on VM ${this.index}: plugin configuration rejected` };
    }
    return { ok: true };
  }

  /**
   * proxy_validate_configuration(root, size) on the current root context, as cpp-host's
   * Context::validateConfiguration calls it: the configuration is buffer 7 during the call. Envoy
   * itself does not call it today; hosts and tools that do expect no side effects.
   */
  validateConfiguration(pluginConfig: Uint8Array): CallResult {
    const id = this.rootContextId;
    this.tempPluginConfig = pluginConfig;
    try {
      return this.callback(id, "proxy_validate_configuration", [id, pluginConfig.length], "bool");
    } finally {
      this.tempPluginConfig = null;
    }
  }

  /** Shut a root context down like WasmBase::startShutdown: on_done, then on_delete unless it asked to wait. */
  shutdownRoot(id: number): void {
    const root = this.contexts.get(id);
    if (!root || root.kind !== "root" || root.deleted) return;
    if (this.failure) return;
    const done = this.callback(id, "proxy_on_done", [id], "bool");
    if (done.missing || done.raw !== 0) this.deleteRoot(root);
    else root.pendingDone = true;
  }

  /** proxy_done from a root context waiting after on_done returned false. */
  rootDone(root: RootContext): number {
    if (!root.pendingDone) return WasmResult.NotFound;
    root.pendingDone = false;
    this.afterCall.push(() => this.deleteRoot(root));
    return WasmResult.Ok;
  }

  private deleteRoot(root: RootContext): void {
    root.deleted = true;
    root.nextTickAt = null;
    // ~Context cancels the gRPC calls and streams the root context still owns
    this.host.cancelGrpcCallouts(this.index, root.id);
    this.callback(root.id, "proxy_on_delete", [root.id], "void");
    this.contexts.delete(root.id);
  }

  // ----- timers & callouts --------------------------------------------------------------------------------

  /** proxy_on_tick for the current root context, due at monotonic time `at` (called by the host clock). */
  tick(at: number): void {
    const root = this.root;
    this.callback(root.id, "proxy_on_tick", [root.id], "void");
    root.nextTickAt = root.tickPeriodMs > 0 ? at + root.tickPeriodMs : null;
  }

  setTickPeriod(root: RootContext, periodMs: number): void {
    root.tickPeriodMs = periodMs;
    root.nextTickAt = periodMs > 0 ? this.host.monoMs + periodMs : null;
  }

  allocHttpCallToken(): number {
    this.nextHttpCallToken = (this.nextHttpCallToken + CALLOUT_INCREMENT) >>> 0;
    return this.nextHttpCallToken;
  }

  /** Context::onHttpCallSuccess / onHttpCallFailure: the callback runs on the ROOT context that made the call. */
  deliverHttpCallResponse(rootId: number, token: number, response: HttpCallResponseData | null): void {
    const root = this.contexts.get(rootId);
    if (!root || root.kind !== "root") {
      this.log(LogLevel.warn, `http call ${token}: root context ${rootId} no longer exists, response dropped`, "host");
      return;
    }
    if (this.failure) {
      if (this.host.options.onTrap === "throw") throw this.failedError("proxy_on_http_call_response");
      return;
    }
    if (response) {
      root.httpCallResponse = response;
      this.afterCall.push(() => {
        root.httpCallResponse = null;
      });
    } else {
      root.statusCode = WasmResult.BrokenConnection;
      root.statusMessage = "reset";
      this.afterCall.push(() => {
        root.statusMessage = "";
      });
    }
    const args = response
      ? [rootId, token, response.headers.size, response.body.length, response.trailers.size]
      : [rootId, token, 0, 0, 0];
    this.callback(rootId, "proxy_on_http_call_response", args, "void");
  }

  allocGrpcCallToken(): number {
    this.nextGrpcCallToken = (this.nextGrpcCallToken + CALLOUT_INCREMENT) >>> 0;
    return this.nextGrpcCallToken;
  }

  allocGrpcStreamToken(): number {
    this.nextGrpcStreamToken = (this.nextGrpcStreamToken + CALLOUT_INCREMENT) >>> 0;
    return this.nextGrpcStreamToken;
  }

  /**
   * Context::onGrpcReceiveWrapper / onGrpcCloseWrapper / onGrpcReceive{Initial,Trailing}MetadataWrapper:
   * the callback runs on the ROOT context that made the call. `cleanup` (Envoy erasing the callout) runs
   * after the callback, so proxy_grpc_cancel/close still find the token inside it.
   */
  deliverGrpc(rootId: number, token: number, event: GrpcEvent, cleanup?: () => void): void {
    const root = this.contexts.get(rootId);
    if (!root || root.kind !== "root") {
      this.log(LogLevel.warn, `gRPC callout ${token}: root context ${rootId} no longer exists, ${event.type} dropped`, "host");
      cleanup?.();
      return;
    }
    if (this.failure) {
      cleanup?.();
      if (this.host.options.onTrap === "throw") throw this.failedError(GRPC_CALLBACKS[event.type]);
      return;
    }
    const name = GRPC_CALLBACKS[event.type];
    if (typeof this.exports[name] !== "function") {
      cleanup?.();
      return;
    }
    switch (event.type) {
      case "receive":
        root.grpcReceiveBuffer = event.message;
        this.afterCall.push(() => {
          root.grpcReceiveBuffer = null;
          cleanup?.();
        });
        this.callback(rootId, name, [rootId, token, event.message.length], "void");
        break;
      case "close":
        root.statusCode = event.status >>> 0;
        root.statusMessage = event.message;
        this.afterCall.push(() => {
          root.statusMessage = "";
          cleanup?.();
        });
        this.callback(rootId, name, [rootId, token, event.status >>> 0], "void");
        break;
      case "initial":
      case "trailing": {
        const slot = event.type === "initial" ? "grpcInitialMetadata" : "grpcTrailingMetadata";
        root[slot] = event.metadata;
        if (cleanup) this.afterCall.push(cleanup);
        try {
          this.callback(rootId, name, [rootId, token, event.metadata.size], "void");
        } finally {
          root[slot] = null;
        }
        break;
      }
    }
  }

  deliverQueueReady(rootId: number, token: number): void {
    if (this.failure || !this.contexts.has(rootId)) return;
    this.callback(rootId, "proxy_on_queue_ready", [rootId, token], "void");
  }

  defer(action: () => void): void {
    this.afterCall.push(action);
  }

  // ----- calling into the guest ---------------------------------------------------------------------------

  /**
   * Run one callback the way cpp-host does: current context set, effective context cleared, the status
   * converted while the "local reply sent" flag is still up, then the deferred after-VM-call actions.
   */
  callback(
    contextId: number,
    name: string,
    args: (number | bigint)[],
    kind: StatusKind,
    /** sees the result before the deferred actions run (e.g. to record it in order) */
    onResult?: (raw: number | undefined, status: number | undefined) => void,
  ): CallResult {
    if (this.failure) {
      if (this.host.options.onTrap === "throw") throw this.failedError(name);
      return { raw: undefined, status: undefined, missing: false, trapped: true };
    }
    if (typeof this.exports[name] !== "function") {
      return { raw: undefined, status: undefined, missing: true, trapped: false };
    }
    const outer = this.depth === 0;
    let raw: number | undefined;
    try {
      const r = this.invoke(contextId, name, args);
      raw = typeof r === "number" ? r >>> 0 : undefined;
    } catch (e) {
      this.afterCall = [];
      this.stopNextIteration = false;
      if (e instanceof WasmTrapError && this.host.options.onTrap !== "throw") {
        return { raw: undefined, status: undefined, missing: false, trapped: true };
      }
      throw e;
    }
    const status = raw === undefined ? undefined : convertStatus(kind, raw, this.stopNextIteration, this.host.options.allowOnHeadersStopIteration);
    this.stopNextIteration = false;
    onResult?.(raw, status);
    if (outer) this.runAfterCallActions();
    return { raw, status, missing: false, trapped: false };
  }

  private runAfterCallActions(): void {
    while (this.afterCall.length) {
      const action = this.afterCall.shift()!;
      action();
    }
    if (this.depth === 0) this.host.drainTasks();
  }

  /** Raw guest call with context bookkeeping and trap capture. */
  invoke(contextId: number, name: string, args: (number | bigint)[]): unknown {
    const fn = this.exports[name] as (...a: unknown[]) => unknown;
    const savedCurrent = this.currentContextId;
    const savedEffective = this.effectiveContextId;
    const traced: TraceEntry | undefined = this.host.options.trace && this.depth === 0 ? { context: contextId, name, args, result: undefined, callback: true } : undefined;
    if (traced) this.trace.push(traced);
    this.currentContextId = contextId;
    this.effectiveContextId = 0;
    this.depth++;
    try {
      const result = fn(...args);
      if (traced) traced.result = result;
      return result;
    } catch (e) {
      throw this.fail(name, contextId, e);
    } finally {
      this.depth--;
      this.currentContextId = savedCurrent;
      this.effectiveContextId = savedEffective;
      this.notePages();
    }
  }

  /** Mark the VM failed (like Envoy on a trap) and build the error to surface. */
  private fail(callback: string, contextId: number, e: unknown): Error {
    if (this.failure) return e instanceof Error ? e : new Error(String(e)); // already failed deeper down
    let message: string;
    if (e instanceof HostError) message = e.message.split("\n--- recent plugin logs ---")[0];
    else if (e instanceof WebAssembly.RuntimeError) message = `${e.message}\n${trimStack(e.stack)}`;
    else if (e instanceof Error) message = `${e.name}: ${e.message}\n${trimStack(e.stack)}`;
    else message = String(e);
    const logs = this.recentLogs.slice(-30);
    this.failure = { callback, contextId, message, logs };
    this.log(LogLevel.critical, `VM failed in ${callback}(context ${contextId}): ${message.split("\n")[0]}`, "host");
    if (e instanceof HostCallError) return e;
    return new WasmTrapError(this.index, callback, contextId, message, logs);
  }

  failedError(callback: string): VmFailedError {
    const f = this.failure!;
    return new VmFailedError(
      `VM ${this.index} already failed (in ${f.callback}, context ${f.contextId}: ${f.message.split("\n")[0]}); ` +
        `Envoy keeps it dead, so ${callback} cannot run`,
      f.logs,
    );
  }

  assertUsable(): void {
    if (this.failure && this.host.options.onTrap === "throw") throw this.failedError("a new stream");
  }

  private notePages(): void {
    const p = this.memory?.pages ?? 0;
    if (p > this.peakPages) this.peakPages = p;
  }

  // ----- memory helpers used by host calls ----------------------------------------------------------------

  /** WasmBase::allocMemory: the guest's malloc (or proxy_on_memory_allocate), called on the VM context. */
  alloc(size: number): number {
    const saved = this.restriction;
    this.restriction = { allowed: ALLOC_ALLOWED, reason: "while the host runs the guest allocator" };
    let ptr: number;
    try {
      ptr = (this.invoke(0, this.exports.malloc ? "malloc" : "proxy_on_memory_allocate", [size]) as number) >>> 0;
    } finally {
      this.restriction = saved;
    }
    this.allocations++;
    if (ptr === 0 || !this.memory.inBounds(ptr, size)) return 0;
    return ptr;
  }

  /** WasmBase::copyToPointerSize: empty data => ptr 0, size 0, allocator NOT called. */
  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): number {
    let ptr = 0;
    if (data.length > 0) {
      ptr = this.alloc(data.length);
      if (ptr === 0) return WasmResult.InvalidMemoryAccess;
      this.memory.write(ptr, data);
    }
    if (!this.memory.writeU32(ptrPtr, ptr)) return WasmResult.InvalidMemoryAccess;
    if (!this.memory.writeU32(sizePtr, data.length)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }

  /** Throws if a host call is not allowed right now (restricted during start / allocation). */
  enter(name: string): void {
    if (this.restriction && !this.restriction.allowed.has(name)) {
      throw new HostCallError(
        `host call ${name} is not allowed ${this.restriction.reason}; Envoy fails the VM`,
        this.recentLogs.slice(-10),
      );
    }
  }

  // ----- contexts ---------------------------------------------------------------------------------------

  allocContextId(): number {
    while (this.contexts.has(this.nextContextId)) this.nextContextId++;
    return this.nextContextId++;
  }

  /** ContextOrEffectiveContext */
  activeContext(): Context {
    if (this.effectiveContextId !== 0) {
      const c = this.contexts.get(this.effectiveContextId);
      if (c) return c;
    }
    return this.contexts.get(this.currentContextId) ?? this.contexts.get(0)!;
  }

  rootOf(ctx: Context): RootContext | null {
    if (ctx.kind === "root") return ctx;
    const id = ctx.kind === "stream" ? ctx.rootId : this.rootContextId;
    const r = this.contexts.get(id);
    return r && r.kind === "root" ? r : null;
  }

  removeContext(id: number): void {
    this.contexts.delete(id);
  }

  // ----- misc -------------------------------------------------------------------------------------------

  log(level: number, message: string, source: LogSource): void {
    const entry: LogEntry = {
      vm: this.index,
      level,
      levelName: levelName(level),
      message,
      contextId: this.effectiveContextId || this.currentContextId,
      source,
      time: this.host.now,
    };
    this.recentLogs.push(entry);
    if (this.recentLogs.length > RECENT_LOGS) this.recentLogs.shift();
    this.host.addLog(entry);
  }

  randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.random();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

function trimStack(stack: string | undefined): string {
  if (!stack) return "";
  return stack
    .split("\n")
    .slice(1)
    .filter((l) => l.includes("wasm"))
    .slice(0, 12)
    .join("\n");
}

/** ContextBase::convertVmCallResultTo*Status */
export function convertStatus(kind: StatusKind, raw: number, stopNext: boolean, allowStopIteration: boolean): number {
  switch (kind) {
    case "headers":
      if (stopNext || raw > FilterHeadersStatus.StopAllIterationAndWatermark) {
        return FilterHeadersStatus.StopAllIterationAndWatermark;
      }
      if (raw === FilterHeadersStatus.StopIteration && !allowStopIteration) {
        return FilterHeadersStatus.StopAllIterationAndWatermark;
      }
      if (raw === FilterHeadersStatus.ContinueAndEndStream) return FilterHeadersStatus.Continue;
      return raw;
    case "data":
      if (stopNext || raw > FilterDataStatus.StopIterationNoBuffer) return FilterDataStatus.StopIterationNoBuffer;
      return raw;
    case "trailers":
      if (stopNext || raw > FilterTrailersStatus.StopIteration) return FilterTrailersStatus.StopIteration;
      return raw;
    default:
      return raw;
  }
}
