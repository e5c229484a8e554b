// Proxy-Wasm ABI 0.2.1 constants as Envoy (proxy-wasm-cpp-host) uses them.
// Sources: proxy-wasm/spec abi-versions/v0.2.1, proxy-wasm-cpp-sdk proxy_wasm_common.h / proxy_wasm_enums.h,
// proxy-wasm-cpp-host include/proxy-wasm/exports.h and wasm.h.

/** proxy_status_t / WasmResult. */
export const WasmResult = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  BadExpression: 5,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  ResultMismatch: 9,
  InternalFailure: 10,
  BrokenConnection: 11,
  Unimplemented: 12,
} as const;

export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5, off: 6 } as const;
export type LogLevelName = keyof typeof LogLevel;
export const LOG_LEVEL_NAMES: LogLevelName[] = ["trace", "debug", "info", "warn", "error", "critical", "off"];

export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  CallData: 8,
} as const;
export const BUFFER_TYPE_MAX = 8;

export const MapType = {
  RequestHeaders: 0,
  RequestTrailers: 1,
  ResponseHeaders: 2,
  ResponseTrailers: 3,
  GrpcReceiveInitialMetadata: 4,
  GrpcReceiveTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;
export const MAP_TYPE_MAX = 7;

export const StreamType = { Request: 0, Response: 1, Downstream: 2, Upstream: 3 } as const;
export const STREAM_TYPE_MAX = 3;

export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;
export const METRIC_TYPE_MAX = 2;
/** cpp-host: metric ids carry the type in their two low bits and step by 4. */
export const METRIC_TYPE_MASK = 0x3;
export const METRIC_ID_INCREMENT = 0x4;
/** cpp-host: callout tokens (http call = type 0) step by 4, first http call token is 4. */
export const CALLOUT_INCREMENT = 0x4;

/** Values a plugin returns from proxy_on_request_headers / proxy_on_response_headers. */
export const FilterHeadersStatus = {
  Continue: 0,
  StopIteration: 1,
  ContinueAndEndStream: 2,
  StopAllIterationAndBuffer: 3,
  StopAllIterationAndWatermark: 4,
} as const;
/** Values a plugin returns from proxy_on_*_body. */
export const FilterDataStatus = {
  Continue: 0,
  StopIterationAndBuffer: 1,
  StopIterationAndWatermark: 2,
  StopIterationNoBuffer: 3,
} as const;
export const FilterTrailersStatus = { Continue: 0, StopIteration: 1 } as const;

/** Spec-level names (proxy_action_t). */
export const Action = { Continue: 0, Pause: 1 } as const;

/** Returned by the stream API when Envoy would not have called the plugin at all. */
export const NOT_CALLED = -1;

export const WasiErrno = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  NOENT: 44,
  NOSYS: 52,
  NOTSUP: 58,
  NOTCAPABLE: 76,
} as const;

/** Envoy limits (proxy-wasm-cpp-host include/proxy-wasm/limits.h). */
export const PAIRS_MAX_BYTES = 1024 * 1024;
export const PAIRS_MAX_COUNT = 1024;
export const WASI_RANDOM_GET_MAX_BYTES = 64 * 1024;

export type ValType = "i32" | "i64" | "f32" | "f64";
export interface Signature {
  params: ValType[];
  results: ValType[];
}
const i32 = "i32" as const;
const i64 = "i64" as const;
function sig(params: ValType[], results: ValType[] = [i32]): Signature {
  return { params, results };
}
function n(count: number, results: ValType[] = [i32]): Signature {
  return sig(new Array<ValType>(count).fill(i32), results);
}

/**
 * Host functions Envoy links into a module declaring proxy_abi_version_0_2_1 (module `env`).
 * cpp-host checks each import's signature at link time ("Bad function signature").
 */
export const ENV_IMPORTS: Record<string, Signature> = {
  proxy_log: n(3),
  proxy_get_log_level: n(1), // ABI 0.2.1 only
  proxy_get_status: n(3),
  proxy_set_property: n(4),
  proxy_get_property: n(4),
  proxy_send_local_response: n(8),
  proxy_get_shared_data: n(5),
  proxy_set_shared_data: n(5),
  proxy_register_shared_queue: n(3),
  proxy_resolve_shared_queue: n(5),
  proxy_dequeue_shared_queue: n(3),
  proxy_enqueue_shared_queue: n(3),
  proxy_get_header_map_value: n(5),
  proxy_add_header_map_value: n(5),
  proxy_replace_header_map_value: n(5),
  proxy_remove_header_map_value: n(3),
  proxy_get_header_map_pairs: n(3),
  proxy_set_header_map_pairs: n(3),
  proxy_get_header_map_size: n(2),
  proxy_get_buffer_status: n(3),
  proxy_get_buffer_bytes: n(5),
  proxy_set_buffer_bytes: n(5),
  proxy_http_call: n(10),
  proxy_grpc_call: n(12),
  proxy_grpc_stream: n(9),
  proxy_grpc_close: n(1),
  proxy_grpc_cancel: n(1),
  proxy_grpc_send: n(4),
  proxy_set_tick_period_milliseconds: n(1),
  proxy_get_current_time_nanoseconds: n(1),
  proxy_define_metric: n(4),
  proxy_increment_metric: sig([i32, i64]),
  proxy_record_metric: sig([i32, i64]),
  proxy_get_metric: n(2),
  proxy_set_effective_context: n(1),
  proxy_done: n(0),
  proxy_call_foreign_function: n(6),
  // ABI 0.2.0+ specific
  proxy_continue_stream: n(1),
  proxy_close_stream: n(1),
  // Emscripten helpers Envoy always links
  pthread_equal: n(2),
  emscripten_notify_memory_growth: n(1, []),
};

/** ABI 0.1.0-only host functions: not linked for 0.2.x modules (importing them fails to load). */
export const ABI_010_ONLY = ["proxy_get_configuration", "proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache"];

/** WASI functions Envoy links under both `wasi_snapshot_preview1` and `wasi_unstable`. */
export const WASI_IMPORTS: Record<string, Signature> = {
  fd_write: n(4),
  fd_read: n(4),
  fd_seek: sig([i32, i64, i32, i32]),
  fd_close: n(1),
  fd_fdstat_get: n(2),
  environ_get: n(2),
  environ_sizes_get: n(2),
  args_get: n(2),
  args_sizes_get: n(2),
  clock_time_get: sig([i32, i64, i32]),
  clock_res_get: n(2),
  random_get: n(2),
  proc_exit: n(1, []),
  path_open: sig([i32, i32, i32, i32, i32, i64, i64, i32, i32]),
  fd_prestat_get: n(2),
  fd_prestat_dir_name: n(3),
  sched_yield: n(0),
  poll_oneoff: n(4),
};
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"];

/**
 * Exports cpp-host looks up, with the signature it requires (WasmCallWord<N> = N i32 -> i32,
 * WasmCallVoid<N> = N i32 -> nothing). A present export with another signature fails the VM.
 */
export const MODULE_EXPORTS: Record<string, Signature> = {
  _initialize: n(0, []),
  _start: n(0, []),
  main: n(2),
  malloc: n(1),
  proxy_on_memory_allocate: n(1),
  proxy_validate_configuration: n(2),
  proxy_on_vm_start: n(2),
  proxy_on_configure: n(2),
  proxy_on_tick: n(1, []),
  proxy_on_context_create: n(2, []),
  proxy_on_new_connection: n(1),
  proxy_on_downstream_data: n(3),
  proxy_on_upstream_data: n(3),
  proxy_on_downstream_connection_close: n(2, []),
  proxy_on_upstream_connection_close: n(2, []),
  proxy_on_request_headers: n(3),
  proxy_on_request_body: n(3),
  proxy_on_request_trailers: n(2),
  proxy_on_request_metadata: n(2),
  proxy_on_response_headers: n(3),
  proxy_on_response_body: n(3),
  proxy_on_response_trailers: n(2),
  proxy_on_response_metadata: n(2),
  proxy_on_http_call_response: n(5, []),
  proxy_on_grpc_receive: n(3, []),
  proxy_on_grpc_close: n(3, []),
  proxy_on_grpc_receive_initial_metadata: n(3, []),
  proxy_on_grpc_receive_trailing_metadata: n(3, []),
  proxy_on_queue_ready: n(2, []),
  proxy_on_foreign_function: n(3, []),
  proxy_on_done: n(1),
  proxy_on_log: n(1, []),
  proxy_on_delete: n(1, []),
};

/** Host calls cpp-host allows while it runs `_initialize`/`main`/`_start` (WasmBase::startVm). */
export const START_ALLOWED = new Set([
  "env.proxy_log",
  "fd_write",
  "args_sizes_get",
  "args_get",
  "environ_sizes_get",
  "environ_get",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "clock_time_get",
  "random_get",
]);
/** Host calls allowed while the host runs the guest allocator (WasmBase::allocMemory). */
export const ALLOC_ALLOWED = new Set(["env.proxy_log", "fd_write", "clock_time_get"]);

export function sigToString(s: Signature): string {
  return `(${s.params.join(", ")}) -> (${s.results.join(", ")})`;
}
export function sameSignature(a: Signature, b: Signature): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}
