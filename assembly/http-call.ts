// Outgoing HTTP calls to an Envoy cluster. Envoy delivers the response to the
// root context; we remember which context made each call (token -> context id)
// so the response reaches the stream that asked for it.

import { BufferType, Status } from "./enums";
import { getBuffer } from "./buffers";
import { httpCallResponseHeaders } from "./headers";
import { proxy_http_call } from "./imports";
import { outExtra, readOutU32, scratchA } from "./memory";
import { encodePairs, HeaderPair } from "./pairs";
import { decodeBytes } from "./lib/bytes-text";

/** token -> id of the context that made the call. */
export const callOwners = new Map<u32, u32>();

export class HttpCallResult {
  /** 0 when the host refused the call (unknown cluster, missing pseudo-headers). */
  token: u32 = 0;
  status: Status = Status.Ok;
  get ok(): bool { return this.status == Status.Ok; }
}

/**
 * Sends a request to `cluster`. `headers` must include :method, :path and :authority.
 * `timeoutMs` 0 means no timeout (avoid it). A header value Envoy would refuse
 * (lib/header-value.ts) fails the call with BadArgument before it is made.
 */
export function dispatchHttpCall(ownerContextId: u32, cluster: string, headers: Array<HeaderPair>, body: ArrayBuffer | null, timeoutMs: u32): HttpCallResult {
  const result = new HttpCallResult();
  const h = encodePairs(headers);
  if (h == null) {
    result.status = Status.BadArgument;
    return result;
  }
  const c = scratchA.encode(cluster);
  const bodyPtr: usize = body == null ? 0 : changetype<usize>(body);
  const bodySize: usize = body == null ? 0 : <usize>body.byteLength;
  const status = proxy_http_call(c.ptr, c.length, changetype<usize>(h), h.byteLength, bodyPtr, bodySize, 0, 0, timeoutMs, outExtra());
  result.status = <Status>status;
  if (status == Status.Ok) {
    result.token = readOutU32();
    callOwners.set(result.token, ownerContextId);
  }
  return result;
}

/** The response handed to onHttpCallResponse; read it inside that callback only. */
export class HttpCallResponse {
  constructor(public token: u32, public headerCount: u32, public bodySize: u32, public trailerCount: u32) {}

  /** True when the call failed (timeout, reset, no healthy upstream): Envoy sends no headers. */
  get failed(): bool { return this.headerCount == 0; }

  /** The :status of the response, or 0 when failed or unparsable. */
  get statusCode(): u32 {
    const s = httpCallResponseHeaders.get(":status");
    if (s == null || s.length == 0 || s.length > 3) return 0;
    let code: u32 = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return 0;
      code = code * 10 + <u32>c;
    }
    return code;
  }

  header(name: string): string | null { return httpCallResponseHeaders.get(name); }

  body(): ArrayBuffer { return getBuffer(BufferType.HttpCallResponseBody, 0, this.bodySize); }

  /** The body as a string that keeps its bytes (lib/bytes-text.ts). */
  bodyString(): string {
    const body = this.body();
    return decodeBytes(changetype<usize>(body), body.byteLength);
  }
}
