// The `env.proxy_*` host functions, following proxy-wasm-cpp-host src/exports.cc and Envoy's
// source/extensions/common/wasm/context.cc. Each function resolves the current (or effective) context,
// reads guest memory with bounds checks (INVALID_MEMORY_ACCESS outside memory) and writes results through
// the guest allocator.
import {
  BUFFER_TYPE_MAX,
  BufferType,
  ENV_IMPORTS,
  LogLevel,
  MAP_TYPE_MAX,
  METRIC_TYPE_MAX,
  MapType,
  STREAM_TYPE_MAX,
  StreamType,
  WasmResult,
} from "./abi.ts";
import { HostCallError } from "./errors.ts";
import { CALLOUT_TYPE_MASK, CalloutType, EnvoyGrpcMessages, grpcRequestHeaders, parseGrpcService } from "./grpc.ts";
import { fromUtf8, HeaderMap, parsePairBytes, serializePairs, utf8 } from "./pairs.ts";
import type { Context, WasmVm } from "./vm.ts";

type Fn = (...args: any[]) => number | void;

/** A buffer as Envoy's BufferInterface sees it. */
export interface BufferRef {
  readonly size: number;
  slice(start: number, end: number): Uint8Array;
  /** Buffer::copyFrom; immutable buffers answer BAD_ARGUMENT */
  copyFrom(start: number, length: number, data: Uint8Array): number;
}

export function constBuffer(data: Uint8Array): BufferRef {
  return {
    size: data.length,
    slice: (s, e) => data.slice(s, e),
    copyFrom: () => WasmResult.BadArgument,
  };
}
const EMPTY = new Uint8Array(0);

export function createEnvImports(vm: WasmVm): Record<string, Fn> {
  const host = vm.host;
  const mem = () => vm.memory;
  const OOB = WasmResult.InvalidMemoryAccess;

  const readStr = (ptr: number, len: number): string | null => {
    const b = mem().read(ptr, len);
    return b === null ? null : fromUtf8(b);
  };
  const warn = (msg: string) => vm.log(LogLevel.warn, msg, "host");

  /** Context::getMap (mutable; request/response maps only while Envoy holds them) */
  const getMap = (ctx: Context, type: number): HeaderMap | null => {
    if (ctx.kind !== "stream") return null;
    return ctx.stream.getMap(type);
  };
  /** Context::getConstMap */
  const getConstMap = (ctx: Context, type: number): HeaderMap | null => {
    if (type === MapType.HttpCallResponseHeaders || type === MapType.HttpCallResponseTrailers) {
      const resp = vm.rootOf(ctx)?.httpCallResponse;
      if (!resp) return null;
      return type === MapType.HttpCallResponseHeaders ? resp.headers : resp.trailers;
    }
    if (type === MapType.GrpcReceiveInitialMetadata || type === MapType.GrpcReceiveTrailingMetadata) {
      // only during the metadata callbacks of a gRPC stream (the root's maps); never mutable
      const root = vm.rootOf(ctx);
      if (!root) return null;
      return type === MapType.GrpcReceiveInitialMetadata ? root.grpcInitialMetadata : root.grpcTrailingMetadata;
    }
    if (ctx.kind !== "stream") return null;
    return ctx.stream.getConstMap(type);
  };
  const getBuffer = (ctx: Context, type: number): BufferRef | null => {
    switch (type) {
      case BufferType.HttpRequestBody:
      case BufferType.HttpResponseBody:
        return ctx.kind === "stream" ? ctx.stream.getBody(type) : constBuffer(EMPTY);
      case BufferType.DownstreamData:
      case BufferType.UpstreamData:
        return constBuffer(EMPTY);
      case BufferType.GrpcReceiveBuffer:
        // the message during proxy_on_grpc_receive, an empty buffer (not NOT_FOUND) at any other time
        return constBuffer(vm.rootOf(ctx)?.grpcReceiveBuffer ?? EMPTY);
      case BufferType.HttpCallResponseBody: {
        const resp = vm.rootOf(ctx)?.httpCallResponse;
        return resp ? constBuffer(resp.body) : null;
      }
      case BufferType.VmConfiguration:
        return constBuffer(host.vmConfig);
      case BufferType.PluginConfiguration:
        return vm.tempPluginConfig ? constBuffer(vm.tempPluginConfig) : null;
      case BufferType.CallData:
        return constBuffer(vm.callData);
      default:
        return null;
    }
  };

  const impl: Record<string, Fn> = {
    // ----- logging & time -----
    proxy_log(level: number, ptr: number, len: number): number {
      if (level >>> 0 > LogLevel.critical) return WasmResult.BadArgument;
      const msg = readStr(ptr, len);
      if (msg === null) return OOB;
      vm.log(level, msg, "proxy_log");
      return WasmResult.Ok;
    },
    proxy_get_log_level(ptr: number): number {
      return mem().writeU32(ptr, host.logLevel) ? WasmResult.Ok : OOB;
    },
    proxy_get_current_time_nanoseconds(ptr: number): number {
      return mem().writeU64(ptr, host.realtimeNs()) ? WasmResult.Ok : OOB;
    },
    proxy_set_tick_period_milliseconds(period: number): number {
      const root = vm.rootOf(vm.activeContext());
      if (root) vm.setTickPeriod(root, period >>> 0);
      return WasmResult.Ok;
    },

    // ----- buffers -----
    proxy_get_buffer_bytes(type: number, start: number, length: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buf = getBuffer(vm.activeContext(), type);
      if (!buf) return WasmResult.NotFound;
      start >>>= 0;
      length >>>= 0;
      if (start > buf.size) {
        throw new HostCallError(
          `proxy_get_buffer_bytes(type ${type}, start ${start}) starts beyond the buffer (size ${buf.size}); ` +
            `Envoy computes size - start as an unsigned underflow here`,
          vm.recentLogs.slice(-10),
        );
      }
      if (start + length > buf.size) length = buf.size - start;
      // Envoy writes nothing at all (not even ptr/size) when there is nothing to copy.
      if (length > 0) return vm.copyOut(buf.slice(start, start + length), ptrPtr, sizePtr);
      return WasmResult.Ok;
    },
    proxy_set_buffer_bytes(type: number, start: number, length: number, dataPtr: number, dataLen: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buf = getBuffer(vm.activeContext(), type);
      if (!buf) return WasmResult.NotFound;
      const data = mem().read(dataPtr, dataLen);
      if (!data) return OOB;
      return buf.copyFrom(start >>> 0, length >>> 0, data);
    },
    proxy_get_buffer_status(type: number, sizePtr: number, flagsPtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buf = getBuffer(vm.activeContext(), type);
      if (!buf) return WasmResult.NotFound;
      if (!mem().writeU32(sizePtr, buf.size)) return OOB;
      if (!mem().writeU32(flagsPtr, 0)) return OOB; // Envoy never sets the end-of-stream flag here
      return WasmResult.Ok;
    },

    // ----- header maps -----
    proxy_get_header_map_size(type: number, resultPtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const map = getMap(vm.activeContext(), type); // Envoy uses the mutable getter here
      if (!map) return WasmResult.BadArgument;
      return mem().writeU32(resultPtr, map.byteSize) ? WasmResult.Ok : OOB;
    },
    proxy_get_header_map_pairs(type: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const map = getConstMap(vm.activeContext(), type);
      const pairs = map ? map.bytePairs() : [];
      return vm.copyOut(pairs.length ? serializePairs(pairs) : EMPTY, ptrPtr, sizePtr);
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = vm.activeContext();
      const data = mem().read(ptr, size);
      if (!data) return OOB;
      const map = getMap(ctx, type);
      if (!map) return WasmResult.BadArgument;
      const parsed = parsePairBytes(data);
      if (parsed.rejected) warn(`proxy_set_header_map_pairs(type ${type}): malformed map (${parsed.rejected}); Envoy silently treats it as EMPTY and clears the map`);
      map.replaceAll(parsed.pairs);
      if (ctx.kind === "stream") ctx.stream.onHeadersModified(type);
      return WasmResult.Ok;
    },
    proxy_get_header_map_value(type: number, keyPtr: number, keyLen: number, valPtrPtr: number, valSizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = vm.activeContext();
      const key = mem().read(keyPtr, keyLen);
      if (key === null) return OOB;
      const map = getConstMap(ctx, type);
      if (!map) {
        if (ctx.kind === "stream" && ctx.stream.accessLogPhase) return WasmResult.NotFound;
        return WasmResult.BadArgument;
      }
      const value = map.getBytes(key); // first value only, like Envoy
      if (value === undefined) return WasmResult.NotFound;
      return vm.copyOut(value, valPtrPtr, valSizePtr);
    },
    proxy_add_header_map_value(type: number, keyPtr: number, keyLen: number, valPtr: number, valLen: number): number {
      return mutate(type, keyPtr, keyLen, valPtr, valLen, (m, k, v) => m.add(k, v!));
    },
    proxy_replace_header_map_value(type: number, keyPtr: number, keyLen: number, valPtr: number, valLen: number): number {
      return mutate(type, keyPtr, keyLen, valPtr, valLen, (m, k, v) => m.set(k, v!));
    },
    proxy_remove_header_map_value(type: number, keyPtr: number, keyLen: number): number {
      return mutate(type, keyPtr, keyLen, -1, 0, (m, k) => m.remove(k));
    },

    // ----- stream control -----
    proxy_continue_stream(type: number): number {
      if (type >>> 0 > STREAM_TYPE_MAX) return WasmResult.BadArgument;
      if (type === StreamType.Upstream) return WasmResult.Unimplemented;
      const ctx = vm.activeContext();
      if (type === StreamType.Downstream) return WasmResult.Ok;
      if (ctx.kind === "stream") ctx.stream.continueStream(type);
      return WasmResult.Ok;
    },
    proxy_close_stream(type: number): number {
      if (type >>> 0 > STREAM_TYPE_MAX) return WasmResult.BadArgument;
      const ctx = vm.activeContext();
      if (ctx.kind === "stream" && (type === StreamType.Request || type === StreamType.Response)) {
        ctx.stream.closeStream(type);
      }
      return WasmResult.Ok;
    },
    proxy_send_local_response(
      status: number,
      detailsPtr: number,
      detailsLen: number,
      bodyPtr: number,
      bodyLen: number,
      headersPtr: number,
      headersLen: number,
      grpcStatus: number,
    ): number {
      const ctx = vm.activeContext();
      const details = readStr(detailsPtr, detailsLen);
      const body = mem().read(bodyPtr, bodyLen);
      const headerBytes = mem().read(headersPtr, headersLen);
      if (details === null || !body || !headerBytes) return OOB;
      const parsed = parsePairBytes(headerBytes);
      if (parsed.rejected) warn(`proxy_send_local_response: malformed header map (${parsed.rejected}); Envoy drops all the headers`);
      if (ctx.kind === "stream") {
        ctx.stream.queueLocalResponse({
          status: status >>> 0,
          details: details.replace(/\s/g, "_"),
          body,
          headers: parsed.pairs,
          grpcStatus: grpcStatus | 0,
        });
      } else {
        warn(`proxy_send_local_response on ${ctx.kind} context ${ctx.id}: no stream, ignored (as in Envoy)`);
      }
      vm.stopNextIteration = true;
      return WasmResult.Ok;
    },
    proxy_get_status(codePtr: number, msgPtrPtr: number, msgSizePtr: number): number {
      // Envoy 1.40 answers with the ROOT context's status whatever the current or effective context is
      // (checked on Envoy: a stream reads the code of the root's last failed callout). The code stays
      // until the next failure; the message only lasts for the callback that set it.
      const ctx = vm.activeContext();
      const status = vm.rootOf(ctx) ?? ctx;
      if (!mem().writeU32(codePtr, status.statusCode)) return OOB;
      return vm.copyOut(utf8(status.statusMessage), msgPtrPtr, msgSizePtr) === WasmResult.Ok ? WasmResult.Ok : OOB;
    },

    // ----- http calls -----
    proxy_http_call(
      upstreamPtr: number,
      upstreamLen: number,
      headersPtr: number,
      headersLen: number,
      bodyPtr: number,
      bodyLen: number,
      trailersPtr: number,
      trailersLen: number,
      timeoutMs: number,
      tokenPtr: number,
    ): number {
      const caller = vm.activeContext();
      const root = vm.rootOf(caller);
      const cluster = readStr(upstreamPtr, upstreamLen);
      const body = mem().read(bodyPtr, bodyLen);
      const headerBytes = mem().read(headersPtr, headersLen);
      const trailerBytes = mem().read(trailersPtr, trailersLen);
      if (cluster === null || !body || !headerBytes || !trailerBytes) return OOB;
      const headers = parsePairBytes(headerBytes);
      const trailers = parsePairBytes(trailerBytes);
      if (headers.rejected) warn(`proxy_http_call: malformed header map (${headers.rejected}); Envoy treats it as empty`);
      if (trailers.rejected) warn(`proxy_http_call: malformed trailer map (${trailers.rejected}); Envoy treats it as empty`);
      if (!mem().writeU32(tokenPtr, 0)) return OOB;
      if (!root) return WasmResult.BadArgument;
      if ((timeoutMs | 0) < 0) return WasmResult.BadArgument;
      if (!host.clusters.has(cluster)) {
        warn(`proxy_http_call: unknown cluster "${cluster}" => BAD_ARGUMENT (known: ${[...host.clusters].join(", ") || "none"})`);
        return WasmResult.BadArgument;
      }
      const headerMap = new HeaderMap(headers.pairs);
      if (!headerMap.has(":path") || !headerMap.has(":method") || !headerMap.has(":authority")) {
        warn(`proxy_http_call: headers must contain :method, :path and :authority => BAD_ARGUMENT`);
        return WasmResult.BadArgument;
      }
      if (body.length > 0) headerMap.set("content-length", String(body.length));
      const token = vm.allocHttpCallToken();
      if (host.unhealthyClusters.has(cluster)) {
        // Envoy's async client refuses to start: no callback follows (the token number is used up)
        warn(`proxy_http_call: no healthy upstream in "${cluster}" => INTERNAL_FAILURE`);
        return WasmResult.InternalFailure;
      }
      host.registerHttpCall({
        vm: vm.index,
        token,
        rootContextId: root.id,
        contextId: caller.id,
        cluster,
        headerMap,
        body,
        trailers: new HeaderMap(trailers.pairs),
        timeoutMs: timeoutMs >>> 0,
      });
      mem().writeU32(tokenPtr, token);
      return WasmResult.Ok;
    },
    proxy_grpc_call(
      servicePtr: number,
      serviceLen: number,
      namePtr: number,
      nameLen: number,
      methodPtr: number,
      methodLen: number,
      metadataPtr: number,
      metadataLen: number,
      messagePtr: number,
      messageLen: number,
      timeoutMs: number,
      tokenPtr: number,
    ): number {
      const message = mem().read(messagePtr, messageLen);
      if (!message) return OOB;
      return grpcOpen("call", servicePtr, serviceLen, namePtr, nameLen, methodPtr, methodLen, metadataPtr, metadataLen, message, timeoutMs >>> 0, tokenPtr);
    },
    proxy_grpc_stream(
      servicePtr: number,
      serviceLen: number,
      namePtr: number,
      nameLen: number,
      methodPtr: number,
      methodLen: number,
      metadataPtr: number,
      metadataLen: number,
      tokenPtr: number,
    ): number {
      return grpcOpen("stream", servicePtr, serviceLen, namePtr, nameLen, methodPtr, methodLen, metadataPtr, metadataLen, null, 0, tokenPtr);
    },
    proxy_grpc_send(token: number, messagePtr: number, messageLen: number, endStream: number): number {
      const message = mem().read(messagePtr, messageLen);
      if (!message) return OOB;
      token >>>= 0;
      if ((token & CALLOUT_TYPE_MASK) !== CalloutType.GrpcStream) return WasmResult.BadArgument;
      const root = vm.rootOf(vm.activeContext());
      const stream = root && host.findGrpcCallout(vm.index, root.id, token);
      if (!stream) return WasmResult.NotFound;
      if (stream.localClosed) warn(`proxy_grpc_send on gRPC stream ${token} after its end of stream: Envoy does not send it`);
      else host.grpcStreamSent(stream, message, endStream !== 0);
      return WasmResult.Ok;
    },
    proxy_grpc_cancel(token: number): number {
      return grpcEnd(token >>> 0, "cancel");
    },
    proxy_grpc_close(token: number): number {
      return grpcEnd(token >>> 0, "close");
    },

    // ----- shared data & queues -----
    proxy_get_shared_data(keyPtr: number, keyLen: number, valPtrPtr: number, valSizePtr: number, casPtr: number): number {
      const key = readStr(keyPtr, keyLen);
      if (key === null) return OOB;
      const entry = host.sharedData.get(key);
      if (!entry) return WasmResult.NotFound;
      if (vm.copyOut(entry.value, valPtrPtr, valSizePtr) !== WasmResult.Ok) return OOB;
      return mem().writeU32(casPtr, entry.cas) ? WasmResult.Ok : OOB;
    },
    proxy_set_shared_data(keyPtr: number, keyLen: number, valPtr: number, valLen: number, cas: number): number {
      const key = readStr(keyPtr, keyLen);
      const value = mem().read(valPtr, valLen);
      if (key === null || !value) return OOB;
      return host.sharedData.set(key, value, cas >>> 0);
    },
    proxy_register_shared_queue(namePtr: number, nameLen: number, tokenPtr: number): number {
      const name = readStr(namePtr, nameLen);
      if (name === null) return OOB;
      const root = vm.rootOf(vm.activeContext());
      const token = host.sharedQueues.register(host.vmId, name, { vm: vm.index, rootContextId: root?.id ?? 0 });
      return mem().writeU32(tokenPtr, token) ? WasmResult.Ok : OOB;
    },
    proxy_resolve_shared_queue(vmIdPtr: number, vmIdLen: number, namePtr: number, nameLen: number, tokenPtr: number): number {
      const vmId = readStr(vmIdPtr, vmIdLen);
      const name = readStr(namePtr, nameLen);
      if (vmId === null || name === null) return OOB;
      const token = host.sharedQueues.resolve(vmId === "" ? host.vmId : vmId, name);
      if (token === undefined) return WasmResult.NotFound;
      return mem().writeU32(tokenPtr, token) ? WasmResult.Ok : OOB;
    },
    proxy_enqueue_shared_queue(token: number, valPtr: number, valLen: number): number {
      const value = mem().read(valPtr, valLen);
      if (!value) return OOB;
      const target = host.sharedQueues.enqueue(token >>> 0, value);
      if (!target) return WasmResult.NotFound;
      // Envoy posts on_queue_ready to the registrant's thread: it runs after the current callback.
      host.postTask(() => host.vm(target.vm).deliverQueueReady(target.rootContextId, token >>> 0));
      return WasmResult.Ok;
    },
    proxy_dequeue_shared_queue(token: number, ptrPtr: number, sizePtr: number): number {
      const item = host.sharedQueues.dequeue(token >>> 0);
      if (item === undefined) return WasmResult.NotFound;
      if (item === null) return WasmResult.Empty;
      return vm.copyOut(item, ptrPtr, sizePtr);
    },

    // ----- metrics -----
    proxy_define_metric(type: number, namePtr: number, nameLen: number, idPtr: number): number {
      if (type >>> 0 > METRIC_TYPE_MAX) return WasmResult.BadArgument;
      const name = readStr(namePtr, nameLen);
      if (name === null) return OOB;
      const id = vm.metrics.define(type, name);
      return mem().writeU32(idPtr, id) ? WasmResult.Ok : OOB;
    },
    proxy_increment_metric(id: number, offset: bigint): number {
      return vm.metrics.increment(id >>> 0, BigInt.asIntN(64, offset));
    },
    proxy_record_metric(id: number, value: bigint): number {
      return vm.metrics.record(id >>> 0, value);
    },
    proxy_get_metric(id: number, resultPtr: number): number {
      const r = vm.metrics.get(id >>> 0);
      if (r.status !== WasmResult.Ok) return r.status;
      return mem().writeU64(resultPtr, r.value!) ? WasmResult.Ok : OOB;
    },

    // ----- properties -----
    proxy_get_property(pathPtr: number, pathLen: number, valPtrPtr: number, valSizePtr: number): number {
      const path = mem().read(pathPtr, pathLen);
      if (!path) return OOB;
      const r = host.resolveProperty(vm, vm.activeContext(), splitPath(fromUtf8(path)));
      if (r.status !== WasmResult.Ok) return r.status;
      return vm.copyOut(r.value!, valPtrPtr, valSizePtr) === WasmResult.Ok ? WasmResult.Ok : OOB;
    },
    proxy_set_property(pathPtr: number, pathLen: number, valPtr: number, valLen: number): number {
      const path = readStr(pathPtr, pathLen);
      const value = mem().read(valPtr, valLen);
      if (path === null || !value) return OOB;
      const ctx = vm.activeContext();
      if (ctx.kind !== "stream") return WasmResult.NotFound; // no stream info outside a stream
      ctx.stream.filterState.set(path, value);
      return WasmResult.Ok;
    },

    // ----- contexts & misc -----
    proxy_set_effective_context(id: number): number {
      if (!vm.contexts.has(id >>> 0)) return WasmResult.BadArgument;
      vm.effectiveContextId = id >>> 0;
      return WasmResult.Ok;
    },
    proxy_done(): number {
      const root = vm.rootOf(vm.activeContext());
      if (!root) return WasmResult.NotFound;
      return vm.rootDone(root);
    },
    proxy_call_foreign_function(
      namePtr: number,
      nameLen: number,
      argsPtr: number,
      argsLen: number,
      resPtrPtr: number,
      resSizePtr: number,
    ): number {
      const name = readStr(namePtr, nameLen);
      if (name === null) return OOB;
      const args = mem().read(argsPtr, argsLen);
      if (!args) return OOB;
      const fn = host.foreignFunctions.get(name);
      if (!fn) return WasmResult.NotFound;
      const out = fn(args, { vm: vm.index, contextId: vm.activeContext().id });
      const status = out instanceof Uint8Array || typeof out === "string" ? WasmResult.Ok : out.status;
      const result = out instanceof Uint8Array ? out : typeof out === "string" ? utf8(out) : (out.result ?? EMPTY);
      let ptr = 0;
      if (resPtrPtr && result.length > 0) {
        ptr = vm.alloc(result.length);
        if (!ptr) return OOB;
        mem().write(ptr, result);
      }
      if (resPtrPtr && !mem().writeU32(resPtrPtr, ptr)) return OOB;
      if (resSizePtr && !mem().writeU32(resSizePtr, result.length)) return OOB;
      return status;
    },
    pthread_equal(a: number, b: number): number {
      return a === b ? 1 : 0;
    },
    emscripten_notify_memory_growth(): void {},
  };

  /** Context::grpcCall / grpcStream */
  function grpcOpen(
    kind: "call" | "stream",
    servicePtr: number,
    serviceLen: number,
    namePtr: number,
    nameLen: number,
    methodPtr: number,
    methodLen: number,
    metadataPtr: number,
    metadataLen: number,
    message: Uint8Array | null,
    timeoutMs: number,
    tokenPtr: number,
  ): number {
    const fn = kind === "call" ? "proxy_grpc_call" : "proxy_grpc_stream";
    const service = mem().read(servicePtr, serviceLen);
    const serviceName = readStr(namePtr, nameLen);
    const method = readStr(methodPtr, methodLen);
    const metadataBytes = mem().read(metadataPtr, metadataLen);
    if (!service || serviceName === null || method === null || !metadataBytes) return OOB;
    const caller = vm.activeContext();
    const root = vm.rootOf(caller);
    if (!root) return WasmResult.BadArgument;
    const metadata = parsePairBytes(metadataBytes);
    if (metadata.rejected) warn(`${fn}: malformed initial metadata (${metadata.rejected}); Envoy sends none`);
    const target = parseGrpcService(service);
    let cluster: string;
    let authority = "";
    switch (target.kind) {
      case "bare":
        // not a GrpcService: the bytes name a cluster, or the call fails here (nothing is called back)
        if (!host.clusters.has(target.cluster)) {
          warn(`${fn}: service is neither a GrpcService nor a known cluster name ("${target.cluster}") => PARSE_FAILURE`);
          return WasmResult.ParseFailure;
        }
        cluster = target.cluster;
        break;
      case "no_target":
        throw new HostCallError(
          `${fn}: the service parses as a GrpcService without envoy_grpc or google_grpc; Envoy 1.40 aborts the ` +
            `whole process here ("panic: unset oneof"). Pass a serialized GrpcService{envoy_grpc{cluster_name}}.`,
          vm.recentLogs.slice(-10),
        );
      case "google_grpc":
        throw new HostCallError(`${fn}: GrpcService.google_grpc is not emulated (use envoy_grpc with a cluster name)`, vm.recentLogs.slice(-10));
      default:
        cluster = target.cluster;
        authority = target.authority;
    }
    const token = kind === "call" ? vm.allocGrpcCallToken() : vm.allocGrpcStreamToken();
    const unknown = !host.clusters.has(cluster);
    if (unknown || host.unhealthyClusters.has(cluster)) {
      // Envoy's async client fails while starting: the host call returns INTERNAL_FAILURE (no token written)
      // and on_grpc_close(token, 14) still follows, after the current callback, with a token the plugin never saw
      const why = unknown ? EnvoyGrpcMessages.clusterNotAvailable : EnvoyGrpcMessages.noHealthyUpstream;
      warn(`${fn}: ${unknown ? `unknown cluster "${cluster}"` : `no healthy upstream in "${cluster}"`} => INTERNAL_FAILURE, then on_grpc_close(${token}, 14)`);
      vm.defer(() => vm.deliverGrpc(root.id, token, { type: "close", status: 14, message: why }));
      return WasmResult.InternalFailure;
    }
    if (kind === "call" && timeoutMs === 0) {
      warn(`proxy_grpc_call with timeout 0: Envoy sets no timeout but sends "grpc-timeout: 0m", which gRPC servers take as an expired deadline`);
    }
    const pending = host.registerGrpcCallout({
      kind,
      vm: vm.index,
      token,
      rootContextId: root.id,
      contextId: caller.id,
      cluster,
      serviceName,
      method,
      service,
      initialMetadata: metadata.pairs,
      requestHeaders: grpcRequestHeaders({
        cluster,
        authority,
        serviceName,
        method,
        initialMetadata: metadata.pairs,
        timeoutMs: kind === "call" ? timeoutMs : null,
      }),
      message,
      timeoutMs,
    });
    if (!mem().writeU32(tokenPtr, token)) return OOB; // the call is under way all the same
    vm.log(LogLevel.debug, `${fn}: ${kind} ${token} to ${cluster} ${pending.requestHeaders.get(":path")}`, "host");
    return WasmResult.Ok;
  }

  /** Context::grpcCancel / grpcClose */
  function grpcEnd(token: number, how: "cancel" | "close"): number {
    const type = token & CALLOUT_TYPE_MASK;
    if (type !== CalloutType.GrpcCall && type !== CalloutType.GrpcStream) return WasmResult.BadArgument;
    const root = vm.rootOf(vm.activeContext());
    const callout = root && host.findGrpcCallout(vm.index, root.id, token);
    if (!callout) return WasmResult.NotFound;
    if (type === CalloutType.GrpcStream && how === "close") host.grpcStreamLocalClose(callout);
    else host.cancelGrpcCallout(callout);
    return WasmResult.Ok;
  }

  function mutate(
    type: number,
    keyPtr: number,
    keyLen: number,
    valPtr: number,
    valLen: number,
    op: (m: HeaderMap, key: Uint8Array, value?: Uint8Array) => void,
  ): number {
    if (type >>> 0 > MAP_TYPE_MAX) return WasmResult.BadArgument;
    const ctx = vm.activeContext();
    // names and values stay bytes: nothing the plugin writes is decoded or "repaired"
    const key = mem().read(keyPtr, keyLen);
    const value = valPtr === -1 ? EMPTY : mem().read(valPtr, valLen);
    if (key === null || value === null) return OOB;
    const map = getMap(ctx, type);
    if (!map) return WasmResult.BadArgument;
    op(map, key, value);
    if (ctx.kind === "stream") ctx.stream.onHeadersModified(type);
    return WasmResult.Ok;
  }

  const out: Record<string, Fn> = {};
  for (const name of Object.keys(ENV_IMPORTS)) {
    const f = impl[name];
    if (!f) throw new Error(`hostcalls.ts: missing implementation of ${name}`);
    const qualified = `env.${name}`;
    out[name] = (...args: any[]) => {
      vm.enter(qualified);
      if (!host.options.trace) return f(...args);
      const inputs = (INPUT_SPANS[name] ?? []).map(([p, l]) => mem().read(args[p], args[l]) ?? EMPTY);
      const result = f(...args);
      const out = name === "proxy_define_metric" ? mem().readU32(args[3]) ?? undefined : undefined;
      vm.trace.push({ context: vm.activeContext().id, name, args, result, inputs, out });
      return result;
    };
  }
  return out;
}

/** (pointer, length) argument positions of the bytes a host call reads from the plugin, for traces. */
export const INPUT_SPANS: Record<string, [number, number][]> = {
  proxy_log: [[1, 2]],
  proxy_set_buffer_bytes: [[3, 4]],
  proxy_set_header_map_pairs: [[1, 2]],
  proxy_get_header_map_value: [[1, 2]],
  proxy_add_header_map_value: [[1, 2], [3, 4]],
  proxy_replace_header_map_value: [[1, 2], [3, 4]],
  proxy_remove_header_map_value: [[1, 2]],
  proxy_send_local_response: [[1, 2], [3, 4], [5, 6]],
  proxy_get_shared_data: [[0, 1]],
  proxy_set_shared_data: [[0, 1], [2, 3]],
  proxy_define_metric: [[1, 2]],
  proxy_get_property: [[0, 1]],
  proxy_set_property: [[0, 1], [2, 3]],
  proxy_call_foreign_function: [[0, 1], [2, 3]],
  proxy_grpc_call: [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]],
  proxy_grpc_stream: [[0, 1], [2, 3], [4, 5], [6, 7]],
  proxy_grpc_send: [[1, 2]],
};

/** Envoy's getProperty tokenizer: split on NUL, a trailing NUL adds no empty token. */
export function splitPath(path: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  while (start < path.length) {
    let end = path.indexOf("\0", start);
    if (end === -1) end = path.length;
    tokens.push(path.slice(start, end));
    start = end + 1;
  }
  return tokens;
}
