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
 * False if the host refused, or if the extra headers were left out because
 * Envoy would refuse a value among them (the reply still goes out: a denial
 * must not become a pass).
 */
export function sendLocalResponse(status: u32, body: string, headers: Array<HeaderPair> | null = null, details: string = "", grpcStatus: i32 = NO_GRPC_STATUS): bool {
  const h: ArrayBuffer | null = headers == null ? null : encodePairs(headers);
  const hPtr: usize = h == null ? 0 : changetype<usize>(h);
  const hLen: usize = h == null ? 0 : <usize>h.byteLength;
  const d = scratchA.encode(details);
  const b = scratchB.encode(body);
  const sent = proxy_send_local_response(status, d.ptr, d.length, b.ptr, b.length, hPtr, hLen, grpcStatus) == Status.Ok;
  return sent && (headers == null || h != null);
}
