// The ABI surface: the functions the host calls. A plugin re-exports this file for the lifecycle
// callbacks every plugin needs:
//   export * from "../../assembly/exports";
// and names the stream callbacks its filter implements from stream-exports.ts:
//   export { proxy_on_request_headers } from "../../assembly/stream-exports";
// Envoy calls every exported stream callback on every request, whether the plugin does anything
// there or not, so a plugin exports only those it uses; `npm run build` refuses a plugin whose
// exported callbacks and overridden methods differ.

import * as dispatch from "./dispatcher";
import { collectNow, streamDeleted } from "./gc";

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
  const ok = dispatch.onValidateConfiguration(rootContextId, configurationSize);
  collectNow();
  return ok;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  const ok = dispatch.onConfigure(rootContextId, pluginConfigurationSize);
  collectNow();
  return ok;
}

export function proxy_on_tick(rootContextId: u32): void {
  dispatch.onTick(rootContextId);
}

export function proxy_on_http_call_response(contextId: u32, token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  dispatch.onHttpCallResponse(token, headerCount, bodySize, trailerCount);
}

export function proxy_on_delete(contextId: u32): void {
  if (dispatch.onDelete(contextId)) streamDeleted();
}
