// The ABI surface: every function the host calls. A plugin re-exports this file
// (`export * from "../../assembly/exports"`); nothing here is plugin specific.

import * as dispatch from "./dispatcher";

export { proxy_on_memory_allocate } from "./memory";

/** Marks the module as proxy-wasm ABI 0.2.1 (never called). */
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  dispatch.onContextCreate(contextId, parentContextId);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool {
  return true;
}

export function proxy_validate_configuration(rootContextId: u32, configurationSize: u32): bool {
  return dispatch.onValidateConfiguration(rootContextId, configurationSize);
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  return dispatch.onConfigure(rootContextId, pluginConfigurationSize);
}

export function proxy_on_tick(rootContextId: u32): void {
  dispatch.onTick(rootContextId);
}

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

export function proxy_on_http_call_response(contextId: u32, token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  dispatch.onHttpCallResponse(token, headerCount, bodySize, trailerCount);
}

export function proxy_on_log(contextId: u32): void {
  dispatch.onLog(contextId);
}

export function proxy_on_done(contextId: u32): bool {
  return dispatch.onDone(contextId);
}

export function proxy_on_delete(contextId: u32): void {
  dispatch.onDelete(contextId);
}
