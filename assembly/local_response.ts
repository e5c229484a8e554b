// Replying from the proxy instead of the upstream (e.g. 401, 429).
// Envoy sends the reply after the current callback returns; return Action.Pause
// (the SDK does so for you in filters) so the request does not continue.

import { NO_GRPC_STATUS, Status } from "./enums";
import { proxy_send_local_response } from "./imports";
import { scratchA, scratchB } from "./memory";
import { encodePairs, HeaderPair } from "./pairs";

/**
 * Sends `status` with `body` and extra `headers`. `details` shows up as the
 * response code details in access logs (whitespace is replaced by Envoy).
 */
export function sendLocalResponse(status: u32, body: string, headers: Array<HeaderPair> | null = null, details: string = "", grpcStatus: i32 = NO_GRPC_STATUS): bool {
  const d = scratchA.encode(details);
  const b = scratchB.encode(body);
  const h = encodePairs(headers == null ? new Array<HeaderPair>() : headers);
  return proxy_send_local_response(status, d.ptr, d.length, b.ptr, b.length, changetype<usize>(h), h.byteLength, grpcStatus) == Status.Ok;
}
