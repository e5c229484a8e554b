// The per-request side of a plugin. A plugin subclasses HttpFilter<Config> and
// overrides the callbacks it needs; every callback has a harmless default.

import { Action, DataAction, NO_GRPC_STATUS, StreamType } from "./enums";
import { HeaderMap } from "./headers";
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
}

/** A filter with its plugin's configuration type. `config` is the one selected for this request. */
export abstract class HttpFilter<C> extends Filter {
  constructor(public readonly config: C) { super(); }
}
