// TypeScript proxy-wasm ABI 0.2.1 host emulator: runs the real plugin .wasm in Node the way Envoy 1.40 does.
export { ProxyWasmHost, validateModule } from "./host.ts";
export type {
  HostOptions,
  StartResult,
  PendingHttpCall,
  HttpCallResponse,
  PendingGrpcCall,
  GrpcStreamResponse,
  RequestOptions,
  ForeignFunction,
  TrapPolicy,
} from "./host.ts";
export { EnvoyGrpcMessages, GrpcStatus, grpcServiceBytes, parseGrpcService } from "./grpc.ts";
export type { GrpcTarget } from "./grpc.ts";
export { WasmVm, convertStatus } from "./vm.ts";
export type { VmFailure, RootContext, GrpcEvent } from "./vm.ts";
export { HttpStream, localReplyHeaders } from "./stream.ts";
export type { StreamOptions, LocalResponse, UpstreamResponse, CallbackRecord, Body, PropertiesInit } from "./stream.ts";
export { HeaderMap, serializePairs, parsePairs, parsePairBytes, utf8, fromUtf8, isValidHeaderValue } from "./pairs.ts";
export type { Pair, BytePair, HeaderText, HeadersInit } from "./pairs.ts";
export { PropertyStore, encodePropertyValue } from "./properties.ts";
export type { PropertyValue, PropertyPath } from "./properties.ts";
export { HostError, LoadError, HostCallError, WasmTrapError, VmFailedError, UsageError } from "./errors.ts";
export { formatLog, formatLogs, matchLogs } from "./logs.ts";
export type { LogEntry } from "./logs.ts";
export { readModuleInfo } from "./wasm-binary.ts";
export { buildAssemblyScript } from "./build.ts";
export * from "./abi.ts";
