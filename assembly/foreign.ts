// Optional host extensions called by name. None is required for a feature:
// a host without them answers NotFound and the caller carries on.

import { Status } from "./enums";
import { proxy_call_foreign_function } from "./imports";
import { dropOut, outPtr, outSize, scratchA } from "./memory";

/** Calls a foreign function with no arguments and ignores its result. */
export function callForeign(name: string): Status {
  const n = scratchA.encode(name);
  const status = proxy_call_foreign_function(n.ptr, n.length, 0, 0, outPtr(), outSize());
  if (status == Status.Ok) dropOut();
  return <Status>status;
}

/**
 * Asks Envoy to pick the route again after request headers changed. With our
 * ABI version (0.2.1) Envoy and Higress already do this on any header change;
 * the explicit call keeps routing right on hosts that stop doing so (Envoy only
 * clears automatically for ABI <= 0.2.1 since 1.33).
 */
export function clearRouteCache(): void { callForeign("clear_route_cache"); }
