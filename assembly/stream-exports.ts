// Stream callbacks, each exported by the plugins whose filter (or plugin, for on_done) overrides
// the matching method: onRequestHeaders -> proxy_on_request_headers, and so on (see exports.ts).

import * as dispatch from "./dispatcher";

export function proxy_on_request_headers(contextId: u32, headerCount: u32, endOfStream: bool): i32 {
  return dispatch.onRequestHeaders(contextId, endOfStream);
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: bool): i32 {
  return dispatch.onRequestBody(contextId, bodySize, endOfStream);
}

export function proxy_on_request_trailers(contextId: u32, trailerCount: u32): i32 {
  return dispatch.onRequestTrailers(contextId);
}

export function proxy_on_response_headers(contextId: u32, headerCount: u32, endOfStream: bool): i32 {
  return dispatch.onResponseHeaders(contextId, endOfStream);
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: bool): i32 {
  return dispatch.onResponseBody(contextId, bodySize, endOfStream);
}

export function proxy_on_response_trailers(contextId: u32, trailerCount: u32): i32 {
  return dispatch.onResponseTrailers(contextId);
}

export function proxy_on_log(contextId: u32): void {
  dispatch.onLog(contextId);
}

/** Stream and root contexts: without it Envoy treats both as done at once. */
export function proxy_on_done(contextId: u32): bool {
  return dispatch.onDone(contextId);
}
