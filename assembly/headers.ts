// Header and trailer maps of the current stream (or of an http-call response).
// Values are bytes: get() decodes them so that valid UTF-8 is text and any other byte survives as
// an escape (lib/bytes-text.ts), set()/add() write them back byte for byte. Envoy returns only the
// FIRST value of a repeated header from get(); read request.headers.<name> (RequestView.baggage)
// where repeats matter.

import { MapType, Status } from "./enums";
import { proxy_add_header_map_value, proxy_get_header_map_value, proxy_remove_header_map_value, proxy_replace_header_map_value } from "./imports";
import { isAllowedHeaderValue } from "./lib/header-value";
import { outPtr, outSize, scratchA, scratchB, takeString } from "./memory";

export class HeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** First value of `name` (lower-case), or null when absent. */
  get(name: string): string | null {
    const key = scratchA.encode(name);
    const status = proxy_get_header_map_value(this.mapType, key.ptr, key.length, outPtr(), outSize());
    if (status != Status.Ok) return null;
    return takeString();
  }

  /**
   * Sets `name` to `value`, replacing every existing value. False, and nothing written, when the
   * value holds a byte Envoy refuses (NUL, CR, LF, other controls but HTAB, DEL: lib/header-value.ts).
   */
  set(name: string, value: string): bool {
    const key = scratchA.encode(name);
    const val = scratchB.encode(value);
    if (!isAllowedHeaderValue(val.ptr, val.length)) return false;
    return proxy_replace_header_map_value(this.mapType, key.ptr, key.length, val.ptr, val.length) == Status.Ok;
  }

  /** Adds one more value for `name`; refuses what set() refuses. */
  add(name: string, value: string): bool {
    const key = scratchA.encode(name);
    const val = scratchB.encode(value);
    if (!isAllowedHeaderValue(val.ptr, val.length)) return false;
    return proxy_add_header_map_value(this.mapType, key.ptr, key.length, val.ptr, val.length) == Status.Ok;
  }

  /** Removes every value of `name` (succeeds when absent). */
  remove(name: string): bool {
    const key = scratchA.encode(name);
    return proxy_remove_header_map_value(this.mapType, key.ptr, key.length) == Status.Ok;
  }
}

export const requestHeaders = new HeaderMap(MapType.RequestHeaders);
export const responseHeaders = new HeaderMap(MapType.ResponseHeaders);
export const requestTrailers = new HeaderMap(MapType.RequestTrailers);
export const responseTrailers = new HeaderMap(MapType.ResponseTrailers);
export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);
