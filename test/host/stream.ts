// One HTTP stream through the plugin, modelled on Envoy's filter manager with a single Wasm filter
// (source/extensions/common/wasm/context.cc decodeHeaders/decodeData/... and cpp-host ContextBase::on*):
//  - the plugin's context is created lazily, right before its first callback (Context::onCreate);
//  - Envoy only lends the plugin a header map / body while it processes that part (or while the stream is
//    stopped there): afterwards reads answer BAD_ARGUMENT (value) or an empty map (pairs);
//  - StopIteration from on_*_headers becomes StopAllIterationAndWatermark: body and trailers that arrive
//    meanwhile are held back and delivered when the plugin calls proxy_continue_stream;
//  - proxy_continue_stream / proxy_send_local_response / proxy_close_stream take effect after the callback;
//  - a local reply runs through the plugin's own response callbacks (unless the response already started);
//  - completion order is Envoy 1.40's: proxy_on_log, then proxy_on_done, then proxy_on_delete.
import {
  FilterDataStatus,
  FilterHeadersStatus,
  FilterTrailersStatus,
  LogLevel,
  MapType,
  NOT_CALLED,
  StreamType,
  WasmResult,
} from "./abi.ts";
import { UsageError } from "./errors.ts";
import type { BufferRef } from "./hostcalls.ts";
import { constBuffer } from "./hostcalls.ts";
import { fromUtf8, HeaderMap, utf8, type BytePair, type HeadersInit, type HeaderText, type Pair } from "./pairs.ts";
import { PropertyStore, type PropertyPath, type PropertyValue } from "./properties.ts";
import type { WasmVm } from "./vm.ts";

export type Body = string | Uint8Array;
export type PropertiesInit = Record<string, PropertyValue> | [PropertyPath, PropertyValue][];

export interface UpstreamResponse {
  /** default 200 */
  status?: number;
  headers?: HeadersInit;
  body?: Body;
  trailers?: HeadersInit;
}

export interface StreamOptions {
  /** per-stream property overrides (e.g. { "xds.route_name": "r1" }) */
  properties?: PropertiesInit;
  /** when set, the emulated upstream answers with this as soon as the whole request was forwarded */
  upstream?: UpstreamResponse;
  /** run complete() (log/done/delete) as soon as the response was fully forwarded */
  autoComplete?: boolean;
  /** add :method GET, :scheme http, :authority localhost, :path / when absent (default true) */
  defaultPseudoHeaders?: boolean;
  /** value of the request.protocol property (default HTTP/1.1) */
  protocol?: string;
}

export interface LocalResponse {
  status: number;
  /** response code details, whitespace replaced by '_' like Envoy */
  details: string;
  body: Uint8Array;
  bodyText: string;
  /** the additional headers the plugin passed (as text; headerBytes: byte for byte) */
  headers: Pair[];
  headerBytes: BytePair[];
  /** gRPC status the plugin passed; undefined for -1 or any value outside 0..16 (Envoy sends none) */
  grpcStatus: number | undefined;
  rawGrpcStatus: number;
  /** true when sent after the response started: Envoy sends it directly, bypassing the filter callbacks */
  direct: boolean;
}

export interface QueuedLocalResponse {
  status: number;
  details: string;
  body: Uint8Array;
  headers: BytePair[];
  grpcStatus: number;
}

export interface CallbackRecord {
  callback: string;
  raw: number;
  /** Envoy's status after conversion */
  status: number;
}

type Phase = "headers" | "body" | "trailers";

/** State of one direction (request = decode, response = encode) of the filter. */
class Direction {
  started = false;
  headers = new HeaderMap();
  trailers: HeaderMap | null = null;
  headersLive = false;
  bodyLive = false;
  trailersLive = false;
  /** body the plugin currently sees (request_body_buffer_ / buffered data) */
  buffer: Uint8Array = new Uint8Array(0);
  buffering = false;
  stoppedAt: Phase | null = null;
  stopAll = false;
  pendingBody: Uint8Array | null = null;
  pendingTrailers: HeaderMap | null = null;
  endSeen = false;
  headersForwarded = false;
  trailersForwarded = false;
  forwarded: Uint8Array[] = [];
  ended = false;
  terminated = false;

  constructor(readonly name: "request" | "response") {}

  forwardedBody(): Uint8Array {
    return concat(this.forwarded);
  }
}

export class HttpStream {
  readonly vm: WasmVm;
  readonly id: number;
  readonly rootContextId: number;
  /** filter state written by proxy_set_property (Envoy: "wasm.<path>") */
  readonly filterState = new Map<string, Uint8Array>();
  readonly properties = new PropertyStore();
  readonly history: CallbackRecord[] = [];
  readonly startTime: number;
  readonly protocol: string;

  created = false;
  completed = false;
  /** proxy_continue_stream was called on this stream */
  resumed = false;
  resumeCount = 0;
  /** proxy_close_stream (or a fail-closed reset) reset the stream */
  closed = false;
  localResponse: LocalResponse | undefined;
  responseCodeDetails: string | undefined;
  /** times the plugin modified request headers (ABI 0.2.1 clears the route cache each time) */
  routeCacheClears = 0;
  /** Envoy's end_of_stream_ for the current callback */
  endOfStream = false;
  accessLogPhase = false;
  upstream: UpstreamResponse | undefined;
  autoComplete: boolean;

  private readonly req = new Direction("request");
  private readonly resp = new Direction("response");
  private readonly defaultPseudo: boolean;
  private pendingLocal = false;
  private delivering = false;
  private failureReplySent = false;

  constructor(vm: WasmVm, id: number, rootContextId: number, options: StreamOptions = {}) {
    this.vm = vm;
    this.id = id;
    this.rootContextId = rootContextId;
    this.startTime = vm.host.now;
    this.protocol = options.protocol ?? "HTTP/1.1";
    this.upstream = options.upstream;
    this.autoComplete = options.autoComplete ?? false;
    this.defaultPseudo = options.defaultPseudoHeaders ?? true;
    if (options.properties) {
      const entries = Array.isArray(options.properties) ? options.properties : Object.entries(options.properties);
      for (const [path, value] of entries) this.properties.set(path, value);
    }
  }

  // ----- inspection -------------------------------------------------------------------------------------

  /** current request headers (after the plugin's changes); names lower-cased */
  get requestHeaderMap(): HeaderMap {
    return this.req.headers;
  }
  get responseHeaderMap(): HeaderMap {
    return this.resp.headers;
  }
  get requestTrailerMap(): HeaderMap | null {
    return this.req.trailers;
  }
  get responseTrailerMap(): HeaderMap | null {
    return this.resp.trailers;
  }
  /** first value of a request header as text (UTF-8 decoded, lossy); the upstream's view */
  requestHeader(name: string): string | undefined {
    return this.req.headers.get(name);
  }
  /** first value of a request header byte for byte */
  requestHeaderBytes(name: HeaderText): Uint8Array | undefined {
    return this.req.headers.getBytes(name);
  }
  responseHeader(name: string): string | undefined {
    return this.resp.headers.get(name);
  }
  responseHeaderBytes(name: HeaderText): Uint8Array | undefined {
    return this.resp.headers.getBytes(name);
  }
  /** request body bytes the plugin let through to the upstream */
  get forwardedRequestBody(): Uint8Array {
    return this.req.forwardedBody();
  }
  get forwardedRequestBodyText(): string {
    return fromUtf8(this.req.forwardedBody());
  }
  get forwardedResponseBody(): Uint8Array {
    return this.resp.forwardedBody();
  }
  get forwardedResponseBodyText(): string {
    return fromUtf8(this.resp.forwardedBody());
  }
  /** the request headers went past the plugin (the upstream saw them) */
  get requestHeadersForwarded(): boolean {
    return this.req.headersForwarded;
  }
  /** the whole request went past the plugin */
  get requestForwarded(): boolean {
    return this.req.ended;
  }
  get responseForwarded(): boolean {
    return this.resp.ended;
  }
  /** the plugin currently holds the request (or response) */
  get paused(): boolean {
    return this.req.stoppedAt !== null || this.resp.stoppedAt !== null;
  }
  get requestPausedAt(): Phase | null {
    return this.req.stoppedAt;
  }
  get responsePausedAt(): Phase | null {
    return this.resp.stoppedAt;
  }
  /** final status the client gets (local reply or upstream), if known */
  get status(): number | undefined {
    if (this.localResponse) return this.localResponse.status;
    const s = this.resp.headers.get(":status");
    return s === undefined ? undefined : Number(s);
  }
  /** last Envoy-converted status returned by a callback */
  get lastStatus(): number | undefined {
    return this.history.at(-1)?.status;
  }

  setProperty(path: PropertyPath, value: PropertyValue): void {
    this.properties.set(path, value);
  }

  // ----- request ----------------------------------------------------------------------------------------

  /** decodeHeaders: returns what proxy_on_request_headers returned (NOT_CALLED if Envoy would not call it). */
  requestHeaders(headers: HeadersInit, options: { endOfStream?: boolean } = {}): number {
    const d = this.req;
    if (d.started) throw new UsageError(`stream ${this.id}: request headers already sent`);
    this.assertOpen("request headers");
    const map = new HeaderMap(headers);
    const refused = map.firstInvalidValue();
    if (refused !== undefined) {
      // Envoy's codec answers 400 for these bytes (measured on 1.40): no filter ever sees them.
      throw new UsageError(`stream ${this.id}: request header ${refused} has a byte Envoy's codec refuses (NUL, CR, LF, other C0 controls but HTAB, DEL)`);
    }
    d.started = true;
    d.headers = map;
    // Envoy's codecs hand filters one `cookie` header: repeated Cookie lines are joined with "; ".
    // (byte for byte: a value that is not UTF-8 stays as it came)
    const cookies = d.headers.getAllBytes("cookie");
    if (cookies.length > 1) d.headers.set("cookie", concat(cookies.flatMap((c, i) => (i ? [COOKIE_SEPARATOR, c] : [c]))));
    if (this.defaultPseudo) {
      if (!d.headers.has(":method")) d.headers.add(":method", "GET");
      if (!d.headers.has(":scheme")) d.headers.add(":scheme", "http");
      if (!d.headers.has(":authority")) d.headers.add(":authority", "localhost");
      if (!d.headers.has(":path")) d.headers.add(":path", "/");
    }
    const eos = options.endOfStream ?? false;
    if (eos) d.endSeen = true;
    const raw = this.runHeaders(d, eos);
    this.afterProgress();
    return raw;
  }

  /** decodeData. endOfStream defaults to true. */
  requestBody(body: Body, endOfStream = true): number {
    return this.body(this.req, "request body", body, endOfStream);
  }

  /** decodeTrailers (implies end of stream). */
  requestTrailers(trailers: HeadersInit): number {
    return this.trailers(this.req, "request trailers", trailers);
  }

  // Data and trailers for either direction: held back while the plugin stopped all iteration at
  // headers (delivered on continue_stream), skipped once the direction was terminated.
  private body(d: Direction, what: string, body: Body, endOfStream: boolean): number {
    this.assertDirection(d, what);
    if (endOfStream) d.endSeen = true;
    const data = toBytes(body);
    let raw: number;
    if (d.terminated) raw = NOT_CALLED;
    else if (d.stoppedAt === "headers" && d.stopAll) {
      d.pendingBody = concat([d.pendingBody ?? new Uint8Array(0), data]);
      raw = NOT_CALLED;
    } else raw = this.runBody(d, data, endOfStream);
    this.afterProgress();
    return raw;
  }

  private trailers(d: Direction, what: string, trailers: HeadersInit): number {
    this.assertDirection(d, what);
    d.endSeen = true;
    const map = new HeaderMap(trailers);
    let raw: number;
    if (d.terminated) raw = NOT_CALLED;
    else if (d.stoppedAt === "headers" && d.stopAll) {
      d.pendingTrailers = map;
      raw = NOT_CALLED;
    } else {
      d.trailers = map;
      raw = this.runTrailers(d);
    }
    this.afterProgress();
    return raw;
  }

  // ----- response ---------------------------------------------------------------------------------------

  /** encodeHeaders; ":status: 200" is added when absent. */
  responseHeaders(headers: HeadersInit = {}, options: { endOfStream?: boolean } = {}): number {
    const d = this.resp;
    if (this.localResponse) throw new UsageError(`stream ${this.id}: already answered by a local response (${this.localResponse.status})`);
    if (d.started) throw new UsageError(`stream ${this.id}: response headers already sent`);
    this.assertOpen("response headers");
    if (!this.req.headersForwarded) {
      throw new UsageError(
        `stream ${this.id}: the upstream cannot respond, the plugin has not let the request headers through ` +
          `(request paused at ${this.req.stoppedAt ?? "nothing"})`,
      );
    }
    d.started = true;
    d.headers = new HeaderMap(headers);
    if (!d.headers.has(":status")) d.headers.add(":status", "200");
    this.responseCodeDetails ??= "via_upstream";
    const eos = options.endOfStream ?? false;
    if (eos) d.endSeen = true;
    const raw = this.runHeaders(d, eos);
    this.afterProgress();
    return raw;
  }

  responseBody(body: Body, endOfStream = true): number {
    return this.body(this.resp, "response body", body, endOfStream);
  }

  responseTrailers(trailers: HeadersInit): number {
    return this.trailers(this.resp, "response trailers", trailers);
  }

  /** End of stream: proxy_on_log (access-log phase: final headers readable), proxy_on_done, proxy_on_delete. */
  complete(): void {
    if (this.completed) throw new UsageError(`stream ${this.id} already completed`);
    this.completed = true;
    const vm = this.vm;
    if (vm.failed) {
      vm.removeContext(this.id);
      if (vm.host.options.onTrap === "throw") throw vm.failedError(`completion of stream ${this.id}`);
      return;
    }
    this.ensureCreated();
    for (const d of [this.req, this.resp]) {
      d.headersLive = d.bodyLive = d.trailersLive = false;
      d.buffering = false;
    }
    this.accessLogPhase = true;
    try {
      vm.callback(this.id, "proxy_on_log", [this.id], "void");
    } finally {
      this.accessLogPhase = false;
    }
    vm.callback(this.id, "proxy_on_done", [this.id], "bool");
    vm.callback(this.id, "proxy_on_delete", [this.id], "void");
    vm.removeContext(this.id);
  }

  // ----- used by host calls -----------------------------------------------------------------------------

  /** Context::getMap: the maps Envoy currently lends the plugin (mutable). */
  getMap(type: number): HeaderMap | null {
    switch (type) {
      case MapType.RequestHeaders:
        return this.req.headersLive ? this.req.headers : null;
      case MapType.RequestTrailers:
        return this.trailersFor(this.req);
      case MapType.ResponseHeaders:
        return this.resp.headersLive ? this.resp.headers : null;
      case MapType.ResponseTrailers:
        return this.trailersFor(this.resp);
      default:
        return null;
    }
  }

  /** Context::getConstMap for the stream's own maps (the access-log phase sees the final maps). */
  getConstMap(type: number): HeaderMap | null {
    if (this.accessLogPhase) {
      switch (type) {
        case MapType.RequestHeaders:
          return this.req.started ? this.req.headers : null;
        case MapType.ResponseHeaders:
          return this.resp.started ? this.resp.headers : null;
        case MapType.ResponseTrailers:
          return this.resp.trailers;
        default:
          return null;
      }
    }
    switch (type) {
      case MapType.RequestHeaders:
        return this.req.headersLive ? this.req.headers : null;
      case MapType.RequestTrailers:
        return this.req.trailersLive ? this.req.trailers : null;
      case MapType.ResponseHeaders:
        return this.resp.headersLive ? this.resp.headers : null;
      case MapType.ResponseTrailers:
        return this.resp.trailersLive ? this.resp.trailers : null;
      default:
        return null;
    }
  }

  /** request headers as the CEL `request` attribute sees them (null when Envoy no longer holds them) */
  activationRequestHeaders(): HeaderMap | null {
    if (this.req.headersLive || (this.accessLogPhase && this.req.started)) return this.req.headers;
    return null;
  }
  activationResponseHeaders(): HeaderMap | null {
    if (this.resp.headersLive || (this.accessLogPhase && this.resp.started)) return this.resp.headers;
    return null;
  }

  getBody(type: number): BufferRef {
    const d = type === 0 ? this.req : this.resp;
    if (!d.bodyLive && !d.buffering) return constBuffer(new Uint8Array(0));
    return {
      get size() {
        return d.buffer.length;
      },
      slice: (s, e) => d.buffer.slice(s, e),
      copyFrom: (start, length, data) => {
        // Envoy Buffer::copyFrom on a mutable body: start 0 drains `length` bytes then prepends,
        // start >= size appends, anything else is BAD_ARGUMENT.
        if (start === 0) {
          d.buffer = concat([data, d.buffer.slice(Math.min(length, d.buffer.length))]);
          return WasmResult.Ok;
        }
        if (start >= d.buffer.length) {
          d.buffer = concat([d.buffer, data]);
          return WasmResult.Ok;
        }
        return WasmResult.BadArgument;
      },
    };
  }

  onHeadersModified(type: number): void {
    if (type === MapType.RequestHeaders) this.routeCacheClears++;
  }

  /** proxy_continue_stream: Envoy forgets the request maps at once and continues after the callback. */
  continueStream(type: number): void {
    this.req.headersLive = this.req.bodyLive = this.req.trailersLive = false;
    this.resumed = true;
    this.resumeCount++;
    const d = type === StreamType.Request ? this.req : this.resp;
    this.vm.defer(() => this.resume(d));
  }

  closeStream(type: number): void {
    this.responseCodeDetails ??= "wasm_close_stream";
    this.vm.defer(() => this.reset(type === StreamType.Request ? "request" : "response"));
  }

  queueLocalResponse(lr: QueuedLocalResponse): void {
    if (this.pendingLocal || this.localResponse) {
      this.vm.log(LogLevel.warn, `stream ${this.id}: proxy_send_local_response called again; Envoy ignores or resets`, "host");
      return;
    }
    this.pendingLocal = true;
    this.vm.defer(() => this.sendLocalReply(lr));
  }

  // ----- internals --------------------------------------------------------------------------------------

  private trailersFor(d: Direction): HeaderMap | null {
    if (d.trailersLive) return d.trailers;
    // Envoy adds trailers when asked during the last body chunk (addDecodedTrailers / addEncodedTrailers)
    if (d.bodyLive && this.endOfStream && !d.trailers) {
      d.trailers = new HeaderMap();
      d.trailersLive = true;
      return d.trailers;
    }
    return null;
  }

  private names(d: Direction): Record<Phase, string> {
    return d === this.req
      ? { headers: "proxy_on_request_headers", body: "proxy_on_request_body", trailers: "proxy_on_request_trailers" }
      : { headers: "proxy_on_response_headers", body: "proxy_on_response_body", trailers: "proxy_on_response_trailers" };
  }

  private ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.vm.callback(this.id, "proxy_on_context_create", [this.id, this.rootContextId], "void");
  }

  /**
   * One filter callback with Envoy's failure handling (CHECK_FAIL_HTTP): with onTrap "throw" a trap throws;
   * with "fail_closed" the stream gets 503 wasm_fail_stream; with "fail_open" the filter is skipped.
   */
  private call(d: Direction, phase: Phase, args: number[]): { raw: number; status: number } {
    const kind = phase === "body" ? "data" : phase;
    const stop = phase === "headers" ? FilterHeadersStatus.StopAllIterationAndWatermark : phase === "body" ? FilterDataStatus.StopIterationNoBuffer : FilterTrailersStatus.StopIteration;
    const onTrap = this.vm.host.options.onTrap;
    if (!this.vm.failed) this.ensureCreated();
    const name = this.names(d)[phase];
    let raw = NOT_CALLED;
    let status = 0;
    let trapped = this.vm.failed && onTrap !== "throw";
    if (!trapped) {
      const r = this.vm.callback(this.id, name, args, kind, (rr, st) => {
        if (rr !== undefined) this.history.push({ callback: name, raw: rr, status: st! });
      });
      if (r.trapped) trapped = true;
      else if (!r.missing) {
        raw = r.raw!;
        status = r.status!;
      }
    }
    if (trapped) {
      if (onTrap === "fail_open") return { raw: NOT_CALLED, status: 0 };
      this.failStream();
      return { raw: NOT_CALLED, status: stop };
    }
    return { raw, status };
  }

  private runHeaders(d: Direction, eos: boolean): number {
    d.headersLive = true;
    this.endOfStream = eos;
    const { raw, status } = this.call(d, "headers", [this.id, d.headers.size, eos ? 1 : 0]);
    if (d.terminated) return raw;
    if (status === FilterHeadersStatus.Continue) {
      d.headersLive = false;
      this.forwardHeaders(d);
      if (d.terminated) return raw;
    } else {
      d.stoppedAt = "headers";
      d.stopAll = status !== FilterHeadersStatus.StopIteration;
    }
    this.checkEnded(d);
    return raw;
  }

  private runBody(d: Direction, data: Uint8Array, eos: boolean): number {
    d.buffer = d.buffering ? concat([d.buffer, data]) : data;
    d.bodyLive = true;
    this.endOfStream = eos;
    const { raw, status } = this.call(d, "body", [this.id, d.buffer.length, eos ? 1 : 0]);
    if (d.terminated) return raw;
    switch (status) {
      case FilterDataStatus.Continue:
        if (d.stoppedAt === "headers") {
          this.forwardHeaders(d); // data Continue also continues headers
          if (d.terminated) return raw;
        }
        d.stoppedAt = null;
        d.forwarded.push(d.buffer);
        d.buffer = new Uint8Array(0);
        d.bodyLive = false;
        d.buffering = false;
        if (d.trailersLive && d.trailers) {
          // trailers the plugin added during the last chunk go out with it
          d.trailersLive = false;
          d.trailersForwarded = true;
        }
        break;
      case FilterDataStatus.StopIterationAndBuffer:
      case FilterDataStatus.StopIterationAndWatermark:
        d.stoppedAt = d.stoppedAt === "headers" ? "headers" : "body";
        d.buffering = true;
        break;
      default: // StopIterationNoBuffer: the filter manager keeps nothing
        d.stoppedAt = d.stoppedAt === "headers" ? "headers" : "body";
        d.buffer = new Uint8Array(0);
        d.buffering = false;
        break;
    }
    this.checkEnded(d);
    return raw;
  }

  private runTrailers(d: Direction): number {
    d.trailersLive = true;
    const { raw, status } = this.call(d, "trailers", [this.id, d.trailers!.size]);
    if (d.terminated) return raw;
    if (status === FilterTrailersStatus.Continue) {
      d.trailersLive = false;
      if (d.stoppedAt === "body") {
        d.forwarded.push(d.buffer);
        d.buffer = new Uint8Array(0);
        d.buffering = false;
        d.bodyLive = false;
      }
      d.stoppedAt = null;
      if (!d.headersForwarded) this.forwardHeaders(d);
      if (d.terminated) return raw;
      d.trailersForwarded = true;
    } else {
      d.stoppedAt = "trailers";
    }
    this.checkEnded(d);
    return raw;
  }

  /** continueDecoding / continueEncoding after the callback that asked for it. */
  private resume(d: Direction): void {
    if (d.terminated || this.completed) return;
    const at = d.stoppedAt;
    if (at === null) {
      this.vm.log(LogLevel.debug, `stream ${this.id}: proxy_continue_stream(${d.name}) while the ${d.name} is not stopped: no-op`, "host");
      return;
    }
    d.stoppedAt = null;
    d.headersLive = false;
    if (!d.headersForwarded) {
      this.forwardHeaders(d);
      if (d.terminated) return;
    }
    if (at === "body" || d.buffering) {
      d.forwarded.push(d.buffer);
      d.buffer = new Uint8Array(0);
      d.buffering = false;
      d.bodyLive = false;
    }
    if (at === "trailers") {
      d.trailersLive = false;
      d.trailersForwarded = true;
    }
    if (at === "headers" && d.pendingBody) {
      const body = d.pendingBody;
      d.pendingBody = null;
      this.runBody(d, body, d.endSeen && !d.pendingTrailers);
    }
    if (d.pendingTrailers && d.stoppedAt === null && !d.terminated) {
      d.trailers = d.pendingTrailers;
      d.pendingTrailers = null;
      this.runTrailers(d);
    }
    this.checkEnded(d);
    this.afterProgress();
  }

  /**
   * The headers go past the plugin. Request headers reach the router, which refuses a value with bytes
   * Envoy does not allow (Router::Filter::decodeHeaders, HeaderUtility::checkValidRequestHeaders): 503,
   * body "invalid header value for: <name>", details filter_removed_required_request_headers{...}, sent
   * back through the plugin's response callbacks, exactly as Envoy 1.40 answers (measured).
   */
  private forwardHeaders(d: Direction): void {
    if (d !== this.req) {
      d.headersForwarded = true;
      return;
    }
    const bad = d.headers.firstInvalidValue();
    if (bad === undefined) {
      d.headersForwarded = true;
      return;
    }
    const message = `invalid header value for: ${bad}`;
    this.sendLocalReply({
      status: 503,
      details: `filter_removed_required_request_headers{${message.replace(/\s/g, "_")}}`,
      body: utf8(message),
      headers: [],
      grpcStatus: -1,
    });
  }

  private checkEnded(d: Direction): void {
    if (d.headersForwarded && d.stoppedAt === null && !d.pendingBody && !d.pendingTrailers && d.endSeen) d.ended = true;
  }

  /** After any progress: let the emulated upstream answer, then auto-complete. */
  private afterProgress(): void {
    if (this.delivering || this.completed) return;
    this.delivering = true;
    try {
      if (this.req.ended && this.upstream && !this.resp.started && !this.localResponse && !this.closed) {
        const up = this.upstream;
        const body = up.body === undefined ? undefined : toBytes(up.body);
        const headers = new HeaderMap(up.headers);
        if (!headers.has(":status")) headers.add(":status", String(up.status ?? 200));
        this.delivering = false;
        this.responseHeaders(headers.bytePairs(), { endOfStream: !body?.length && !up.trailers });
        if (body?.length && !this.resp.terminated) this.responseBody(body, !up.trailers);
        if (up.trailers && !this.resp.terminated) this.responseTrailers(up.trailers);
        this.delivering = true;
      }
      const done = this.closed || this.resp.ended || (this.localResponse && (this.localResponse.direct || this.resp.ended || this.resp.terminated));
      if (this.autoComplete && done && !this.completed && !this.paused) this.complete();
    } finally {
      this.delivering = false;
    }
  }

  private sendLocalReply(lr: QueuedLocalResponse): void {
    this.pendingLocal = false;
    if (this.completed || this.closed) return;
    const grpc = lr.grpcStatus >= 0 && lr.grpcStatus <= 16 ? lr.grpcStatus : undefined;
    const direct = this.resp.started;
    this.localResponse = {
      status: lr.status,
      details: lr.details,
      body: lr.body,
      bodyText: fromUtf8(lr.body),
      headers: lr.headers.map(([k, v]) => [fromUtf8(k), fromUtf8(v)]),
      headerBytes: lr.headers,
      grpcStatus: grpc,
      rawGrpcStatus: lr.grpcStatus,
      direct,
    };
    this.responseCodeDetails = lr.details;
    // the request side is over: Envoy stops decoding once the local reply is under way
    this.req.terminated = true;
    this.req.stoppedAt = null;
    this.req.pendingBody = null;
    this.req.pendingTrailers = null;
    this.req.headersLive = this.req.bodyLive = this.req.trailersLive = false;
    const headers = localReplyHeaders(lr);
    if (direct) {
      // response already started: sendDirectLocalReply, no filter callbacks
      this.resp.terminated = true;
      this.resp.stoppedAt = null;
      this.resp.headers = headers;
      this.resp.forwarded = [lr.body];
      this.resp.ended = true;
      this.afterProgress();
      return;
    }
    // through the filter chain, this filter's encode callbacks included
    const d = this.resp;
    d.started = true;
    d.headers = headers;
    d.endSeen = true;
    this.runHeaders(d, lr.body.length === 0);
    if (lr.body.length > 0 && !d.terminated) {
      if (d.stoppedAt === "headers" && d.stopAll) d.pendingBody = lr.body;
      else this.runBody(d, lr.body, true);
    }
    this.checkEnded(d);
    this.afterProgress();
  }

  /** Context::failStream: 503 wasm_fail_stream, not shown to the (failed) plugin. */
  private failStream(): void {
    if (this.failureReplySent) return;
    this.failureReplySent = true;
    const body = new Uint8Array(0);
    this.localResponse = {
      status: 503,
      details: "wasm_fail_stream",
      body,
      bodyText: "",
      headers: [],
      headerBytes: [],
      grpcStatus: 14,
      rawGrpcStatus: 14,
      direct: this.resp.started,
    };
    this.responseCodeDetails = "wasm_fail_stream";
    for (const d of [this.req, this.resp]) {
      d.terminated = true;
      d.stoppedAt = null;
      d.headersLive = d.bodyLive = d.trailersLive = false;
    }
    this.resp.headers = new HeaderMap([[":status", "503"]]);
    this.resp.ended = true;
  }

  private reset(which: "request" | "response"): void {
    if (this.completed) return;
    this.closed = true;
    for (const d of [this.req, this.resp]) {
      d.terminated = true;
      d.stoppedAt = null;
      d.headersLive = d.bodyLive = d.trailersLive = false;
    }
    this.vm.log(LogLevel.debug, `stream ${this.id}: reset by proxy_close_stream(${which})`, "host");
    this.afterProgress();
  }

  private assertOpen(what: string): void {
    if (this.completed) throw new UsageError(`stream ${this.id} is completed; cannot send ${what}`);
    if (this.closed) throw new UsageError(`stream ${this.id} was reset by the plugin; cannot send ${what}`);
  }

  private assertDirection(d: Direction, what: string): void {
    this.assertOpen(what);
    if (!d.started) throw new UsageError(`stream ${this.id}: send ${d.name} headers before ${what}`);
    if (d.endSeen) throw new UsageError(`stream ${this.id}: ${d.name} already ended; cannot send ${what}`);
    if (d === this.req && this.localResponse) {
      throw new UsageError(`stream ${this.id}: already answered by a local response (${this.localResponse.status}); Envoy stops decoding`);
    }
  }
}

/** Headers of a local reply as Envoy builds them (Http::Utility::sendLocalReply). */
export function localReplyHeaders(lr: { status: number; body: Uint8Array; headers: ReadonlyArray<readonly [HeaderText, HeaderText]> }): HeaderMap {
  const h = new HeaderMap([[":status", String(lr.status)]]);
  for (const [k, v] of lr.headers) h.add(k, v);
  if (lr.body.length > 0) {
    h.set("content-length", String(lr.body.length));
    if (!h.has("content-type")) h.add("content-type", "text/plain");
  } else {
    h.remove("content-length");
    h.remove("content-type");
  }
  return h;
}

export function toBytes(b: Body | undefined): Uint8Array {
  if (b === undefined) return new Uint8Array(0);
  return typeof b === "string" ? utf8(b) : b;
}

const COOKIE_SEPARATOR = utf8("; ");

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
