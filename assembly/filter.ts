// The per-request side of a plugin. A plugin subclasses HttpFilter<Config> and
// overrides the callbacks it needs; every callback has a harmless default.

import { Action, DataAction, NO_GRPC_STATUS, StreamType } from "./enums";
import { HeaderMap } from "./headers";
import { cancelGrpcCall, dispatchGrpcCall, GrpcCallResult, GrpcResponse } from "./grpc-call";
import { HttpCallResponse, HttpCallResult, dispatchHttpCall } from "./http-call";
import { proxy_continue_stream } from "./imports";
import { sendLocalResponse } from "./local-response";
import { HeaderPair } from "./pairs";
import { RequestView, requestView } from "./request-view";

/** Non-generic base the dispatcher talks to. */
export abstract class Filter {
  /** Id of this stream's context (set by the SDK before the first callback). */
  contextId: u32 = 0;
  /** Set once the filter answered locally; later callbacks are skipped. */
  responded: bool = false;
  /** gRPC calls of this stream not answered yet: cancelled when the stream goes away. */
  grpcCallsPending: i32 = 0;

  /** This request's path, method, host, cookie, client address, route, cluster and baggage, read lazily. */
  get request(): RequestView { return requestView; }

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action { return Action.Continue; }
  onRequestBody(bodySize: u32, endOfStream: bool): DataAction { return DataAction.Continue; }
  onRequestTrailers(trailers: HeaderMap): Action { return Action.Continue; }
  onResponseHeaders(headers: HeaderMap, endOfStream: bool): Action { return Action.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): DataAction { return DataAction.Continue; }
  onResponseTrailers(trailers: HeaderMap): Action { return Action.Continue; }
  /** A call made with httpCall() finished (check response.failed). */
  onHttpCallResponse(response: HttpCallResponse): void {}
  /** A call made with grpcCall() was answered or failed (check response.ok). */
  onGrpcResponse(response: GrpcResponse): void {}
  /** The plugin woke this stream from a root callback (dispatcher wakeStream), e.g. after a paused request's data arrived. */
  onWake(): void {}
  /** The stream is complete; request and response headers are still readable. */
  onLog(): void {}
  onDone(): void {}

  /** Replies locally with `status` (gRPC requests: `grpcStatus`); return its result from the callback. */
  respond(status: u32, body: string, headers: Array<HeaderPair> | null = null, details: string = "", grpcStatus: i32 = NO_GRPC_STATUS): Action {
    sendLocalResponse(status, body, headers, details, grpcStatus);
    this.responded = true;
    return Action.Pause;
  }

  /** Resumes a request paused by returning Action.Pause. */
  continueRequest(): void { proxy_continue_stream(StreamType.HttpRequest); }
  continueResponse(): void { proxy_continue_stream(StreamType.HttpResponse); }

  /** Calls `cluster`; the answer arrives in onHttpCallResponse of this filter. */
  httpCall(cluster: string, headers: Array<HeaderPair>, body: ArrayBuffer | null, timeoutMs: u32): HttpCallResult {
    return dispatchHttpCall(this.contextId, cluster, headers, body, timeoutMs);
  }

  /**
   * Calls gRPC `service`/`method` on `cluster` with the serialized request `message`; the answer
   * arrives in onGrpcResponse of this filter (grpc-call.ts). The module must re-export grpc-exports.ts.
   */
  grpcCall(cluster: string, service: string, method: string, message: ArrayBuffer, timeoutMs: u32, metadata: Array<HeaderPair> | null = null): GrpcCallResult {
    const result = dispatchGrpcCall(this.contextId, cluster, service, method, message, timeoutMs, metadata);
    if (result.ok) this.grpcCallsPending++;
    return result;
  }

  /** Cancels a call of this filter still pending: onGrpcResponse will not run for it. */
  cancelGrpcCall(token: u32): void {
    if (cancelGrpcCall(token)) this.grpcCallsPending--;
  }
}

/** A filter with its plugin's configuration type. `config` is the one selected for this request. */
export abstract class HttpFilter<C> extends Filter {
  constructor(public readonly config: C) { super(); }
}
