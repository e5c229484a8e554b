// Header and trailer maps of the current stream (or of an http-call response).
// Values are read one at a time; Envoy returns only the FIRST value of a repeated
// header from get(), so use all() or getJoined() where repeats matter.

import { MapType, Status } from "./enums";
import {
  proxy_add_header_map_value, proxy_get_header_map_pairs, proxy_get_header_map_value,
  proxy_remove_header_map_value, proxy_replace_header_map_value, proxy_set_header_map_pairs,
} from "./imports";
import { dropOut, outPtr, outSize, readOutPtr, readOutSize, scratchA, scratchB, takeString } from "./memory";
import { decodePairs, encodePairs, HeaderPair } from "./pairs";

export class HeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** First value of `name` (lower-case), or null when absent. */
  get(name: string): string | null {
    const key = scratchA.encode(name);
    const status = proxy_get_header_map_value(this.mapType, key.ptr, key.length, outPtr(), outSize());
    if (status != Status.Ok) return null;
    return takeString();
  }

  has(name: string): bool {
    const key = scratchA.encode(name);
    const status = proxy_get_header_map_value(this.mapType, key.ptr, key.length, outPtr(), outSize());
    if (status == Status.Ok) dropOut();
    return status == Status.Ok;
  }

  /** Every value of `name` joined with ", " (RFC 9110 list form), or null when absent. */
  getJoined(name: string): string | null {
    const pairs = this.all();
    let joined: string | null = null;
    for (let i = 0; i < pairs.length; i++) {
      const p = unchecked(pairs[i]);
      if (p.name != name) continue;
      joined = joined == null ? p.value : joined + "," + p.value;
    }
    return joined;
  }

  /** All pairs in order (one host call, one copy of the whole map). */
  all(): Array<HeaderPair> {
    const status = proxy_get_header_map_pairs(this.mapType, outPtr(), outSize());
    if (status != Status.Ok) return new Array<HeaderPair>();
    const ptr = readOutPtr();
    const size = readOutSize();
    const pairs = decodePairs(ptr, size);
    if (ptr != 0) heap.free(ptr);
    return pairs;
  }

  /** Replaces the whole map. */
  setAll(pairs: Array<HeaderPair>): bool {
    const buf = encodePairs(pairs);
    return proxy_set_header_map_pairs(this.mapType, changetype<usize>(buf), buf.byteLength) == Status.Ok;
  }

  /** Sets `name` to `value`, replacing every existing value. */
  set(name: string, value: string): bool {
    const key = scratchA.encode(name);
    const val = scratchB.encode(value);
    return proxy_replace_header_map_value(this.mapType, key.ptr, key.length, val.ptr, val.length) == Status.Ok;
  }

  /** Adds one more value for `name`. */
  add(name: string, value: string): bool {
    const key = scratchA.encode(name);
    const val = scratchB.encode(value);
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
