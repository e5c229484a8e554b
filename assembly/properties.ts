// Host properties (Envoy attributes). A path is a list of tokens sent joined by NUL,
// e.g. ["xds", "route_name"]. Encode a path once with `new PropertyPath(...)`.

import { Status } from "./enums";
import { proxy_get_property, proxy_set_property } from "./imports";
import { outPtr, outSize, scratchA, scratchB, takeBuffer, takeString } from "./memory";
import { encodeBytes } from "./lib/bytes-text";

export class PropertyPath {
  readonly bytes: ArrayBuffer;
  constructor(public readonly tokens: Array<string>) {
    this.bytes = encodeBytes(tokens.join("\0"));
  }
}

/** The raw value, or null when absent or on any host error. */
export function getPropertyBytes(path: PropertyPath): ArrayBuffer | null {
  const status = proxy_get_property(changetype<usize>(path.bytes), path.bytes.byteLength, outPtr(), outSize());
  if (status != Status.Ok) return null;
  return takeBuffer();
}

/** A string-typed value, or null when absent. */
export function getPropertyString(path: PropertyPath): string | null {
  const status = proxy_get_property(changetype<usize>(path.bytes), path.bytes.byteLength, outPtr(), outSize());
  if (status != Status.Ok) return null;
  return takeString();
}

/** An int/uint-typed value (8 bytes little endian), or `fallback`. */
export function getPropertyInt(path: PropertyPath, fallback: i64): i64 {
  const buf = getPropertyBytes(path);
  if (buf == null || buf.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(buf));
}

/** Writes filter state `wasm.<name>` (visible to other filters and access logs). */
export function setProperty(name: string, value: string): bool {
  const key = scratchA.encode(name);
  const val = scratchB.encode(value);
  return proxy_set_property(key.ptr, key.length, val.ptr, val.length) == Status.Ok;
}

const XDS_ROUTE_NAME = new PropertyPath(["xds", "route_name"]);
const LEGACY_ROUTE_NAME = new PropertyPath(["route_name"]);
const XDS_CLUSTER_NAME = new PropertyPath(["xds", "cluster_name"]);
const LEGACY_CLUSTER_NAME = new PropertyPath(["cluster_name"]);

/** Name of the selected route: Envoy >= 1.33 `xds.route_name`, else the legacy name Higress uses. */
export function routeName(): string {
  let name = getPropertyString(XDS_ROUTE_NAME);
  if (name == null) name = getPropertyString(LEGACY_ROUTE_NAME);
  return name == null ? "" : name;
}

/** Name of the upstream cluster of the selected route (same fallback as routeName). */
export function clusterName(): string {
  let name = getPropertyString(XDS_CLUSTER_NAME);
  if (name == null) name = getPropertyString(LEGACY_CLUSTER_NAME);
  return name == null ? "" : name;
}
