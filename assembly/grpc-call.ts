// Outgoing unary gRPC calls to an Envoy cluster (an HTTP/2 cluster of a gRPC server). Like http
// calls, Envoy delivers the answer to the root context; we remember which context made each call
// (token -> context id) so the answer reaches the stream that asked for it (dispatcher.ts).
// Envoy frames the message and strips the frame of the answer: messages here are bare protobuf.
// A module that makes gRPC calls re-exports grpc-exports.ts for the callbacks. Envoy 1.40 delivers no
// metadata for a unary call (only the message, or the failure's status and text), so there are no
// metadata callbacks here; metadata goes out with the call. Streams (proxy_grpc_stream) are not
// wrapped: nothing needs them yet (the emulator models them, test/host/grpc.ts).

import { BufferType, Status } from "./enums";
import { getBuffer } from "./buffers";
import { proxy_get_status, proxy_grpc_call, proxy_grpc_cancel } from "./imports";
import { outExtra, outPtr, outSize, readOutU32, scratchA, scratchB, takeString } from "./memory";
import { encodePairs, HeaderPair } from "./pairs";
import { ProtoWriter } from "./lib/protobuf";
import { setStreamDeletedHook } from "./dispatcher";

/** token -> id of the context that made the call. */
export const grpcCallOwners = new Map<u32, u32>();

/** gRPC status codes the SDK itself reports (the rest come from the server or Envoy). */
export namespace GrpcStatus {
  export const OK: u32 = 0;
  export const CANCELLED: u32 = 1;
  export const DEADLINE_EXCEEDED: u32 = 4;
  export const RESOURCE_EXHAUSTED: u32 = 8;
  export const INTERNAL: u32 = 13;
  export const UNAVAILABLE: u32 = 14;
}

export class GrpcCallResult {
  /** 0 when the host refused the call (unknown cluster, bad metadata). */
  token: u32 = 0;
  status: Status = Status.Ok;
  get ok(): bool { return this.status == Status.Ok; }
}

/** envoy.config.core.v3.GrpcService{envoy_grpc{cluster_name}}, serialized once per cluster name. */
let serviceCluster = "";
let serviceBytes = new ArrayBuffer(0);

function grpcServiceFor(cluster: string): ArrayBuffer {
  if (cluster != serviceCluster || serviceBytes.byteLength == 0) {
    serviceBytes = new ProtoWriter(cluster.length * 3 + 8).begin(1).string(1, cluster, true).end().toBuffer();
    serviceCluster = cluster;
  }
  return serviceBytes;
}

/**
 * Calls `method` of gRPC service `service` (e.g. "envoy.service.ratelimit.v3.RateLimitService",
 * "ShouldRateLimit") on `cluster` with the serialized request `message`. `metadata` goes out as
 * initial metadata (request headers of the call). Refused with BadArgument: an empty cluster name
 * (Envoy 1.40 aborts the whole process on a GrpcService without a target) and `timeoutMs` 0 (Envoy
 * then sends `grpc-timeout: 0m`, which gRPC servers take as already expired). A timeout arrives as a
 * failure with status 14 UNAVAILABLE ("upstream request timeout"), not 4.
 */
export function dispatchGrpcCall(ownerContextId: u32, cluster: string, service: string, method: string, message: ArrayBuffer, timeoutMs: u32, metadata: Array<HeaderPair> | null = null): GrpcCallResult {
  const result = new GrpcCallResult();
  if (cluster.length == 0 || timeoutMs == 0) {
    result.status = Status.BadArgument;
    return result;
  }
  let mdPtr: usize = 0;
  let mdSize: usize = 0;
  if (metadata != null && metadata.length > 0) {
    const md = encodePairs(metadata);
    if (md == null) {
      result.status = Status.BadArgument;
      return result;
    }
    mdPtr = changetype<usize>(md);
    mdSize = <usize>md.byteLength;
  }
  const target = grpcServiceFor(cluster);
  const s = scratchA.encode(service);
  const m = scratchB.encode(method);
  const status = proxy_grpc_call(
    changetype<usize>(target), <usize>target.byteLength, s.ptr, s.length, m.ptr, m.length,
    mdPtr, mdSize, changetype<usize>(message), <usize>message.byteLength, timeoutMs, outExtra());
  result.status = <Status>status;
  if (status == Status.Ok) {
    result.token = readOutU32();
    grpcCallOwners.set(result.token, ownerContextId);
    setStreamDeletedHook(cancelCallsOf);
  }
  return result;
}

/** Cancels the pending calls of a deleted stream (set as the dispatcher's hook only by modules that call). */
function cancelCallsOf(contextId: u32): void {
  const tokens = grpcCallOwners.keys();
  for (let i = 0; i < tokens.length; i++) {
    const token = unchecked(tokens[i]);
    if (grpcCallOwners.get(token) == contextId) cancelGrpcCall(token);
  }
}

/** Cancels a pending call: no answer is delivered for it afterwards. False when it was not pending. */
export function cancelGrpcCall(token: u32): bool {
  if (!grpcCallOwners.has(token)) return false;
  grpcCallOwners.delete(token);
  proxy_grpc_cancel(token);
  return true;
}

/** The outcome of a call, handed to onGrpcResponse; read message() inside that callback only. */
export class GrpcResponse {
  constructor(
    public token: u32,
    /** gRPC status: 0 (OK) with a message, or why the call failed (14 UNAVAILABLE also for a timeout, or the server's). */
    public status: u32,
    public messageSize: u32,
    /** The failure's text as Envoy reports it, with its response-code details in braces ("" on success). */
    public statusMessage: string,
  ) {}

  get ok(): bool { return this.status == GrpcStatus.OK; }

  /** The answer's bytes (bare protobuf); empty for a failed call. */
  message(): ArrayBuffer {
    if (!this.ok || this.messageSize == 0) return new ArrayBuffer(0);
    return getBuffer(BufferType.GrpcReceiveBuffer, 0, this.messageSize);
  }
}

/** The status message of the failed call being delivered (Envoy keeps it on the root context for this callback only). */
export function grpcFailureMessage(): string {
  if (proxy_get_status(outExtra(), outPtr(), outSize()) != Status.Ok) return "";
  return takeString();
}
