// Envoy attributes computed from the stream (source/extensions/filters/common/expr/context.cc as used by
// Context::getProperty): request.*, response.*, plugin_*. Values test code sets explicitly take precedence
// (see ProxyWasmHost.resolveProperty).
import { WasmResult } from "./abi.ts";
import { type BytePair, type HeaderMap, serializePairs, utf8 } from "./pairs.ts";
import { i64Bytes } from "./properties.ts";
import type { HttpStream } from "./stream.ts";

export interface AttributeResult {
  status: number;
  value?: Uint8Array;
}

const ok = (value: Uint8Array): AttributeResult => ({ status: WasmResult.Ok, value });
const str = (s: string | undefined): AttributeResult | undefined => (s === undefined ? undefined : ok(utf8(s)));
const bytes = (b: Uint8Array | undefined): AttributeResult | undefined => (b === undefined ? undefined : ok(b));
const NOT_FOUND: AttributeResult = { status: WasmResult.NotFound };
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:]+$/;

export interface AttributeEnv {
  pluginName: string;
  rootId: string;
  vmId: string;
  stream: HttpStream | null;
}

/** undefined = not an attribute this module knows (the caller tries other sources). */
export function computeAttribute(env: AttributeEnv, tokens: readonly string[]): AttributeResult | undefined {
  const [top, ...rest] = tokens;
  if (rest.length === 0) {
    if (top === "plugin_name") return ok(utf8(env.pluginName));
    if (top === "plugin_root_id") return ok(utf8(env.rootId));
    if (top === "plugin_vm_id") return ok(utf8(env.vmId));
  }
  const s = env.stream;
  if (top === "request") {
    if (!s) return NOT_FOUND; // no stream info on root contexts
    return requestAttribute(s, rest) ?? NOT_FOUND;
  }
  if (top === "response") {
    if (!s) return NOT_FOUND;
    return responseAttribute(s, rest) ?? NOT_FOUND;
  }
  return undefined;
}

function headersAttribute(h: HeaderMap | null, rest: readonly string[]): AttributeResult | undefined {
  if (rest.length === 0) {
    // the whole map: unique names, values of repeated headers joined by ','
    const pairs: BytePair[] = [];
    if (h) {
      const seen = new Set<string>();
      for (const [k] of h.bytePairs()) {
        const name = Buffer.from(k).toString("latin1");
        if (seen.has(name)) continue;
        seen.add(name);
        pairs.push([k, h.getJoinedBytes(k)!]);
      }
    }
    return ok(serializePairs(pairs));
  }
  if (rest.length > 1 || !h || !HEADER_NAME.test(rest[0])) return undefined;
  return bytes(h.getJoinedBytes(rest[0]));
}

function requestAttribute(s: HttpStream, rest: readonly string[]): AttributeResult | undefined {
  if (rest.length === 0) return { status: WasmResult.SerializationFailure };
  const [name, ...more] = rest;
  const h = s.activationRequestHeaders();
  if (name === "headers") return headersAttribute(h, more);
  if (more.length) return undefined;
  switch (name) {
    case "protocol":
      return str(s.protocol);
    case "time":
      return ok(i64Bytes(BigInt(Math.trunc(s.startTime)) * 1_000_000n));
  }
  if (!h) return undefined;
  const path = h.getBytes(":path");
  switch (name) {
    case "path":
      return bytes(path);
    case "url_path":
    case "query": {
      if (path === undefined) return undefined;
      const i = path.indexOf(0x3f); // '?'
      if (name === "url_path") return ok(i < 0 ? path : path.slice(0, i));
      return ok(i < 0 ? new Uint8Array(0) : path.slice(i + 1));
    }
    case "host":
      return bytes(h.getBytes(":authority"));
    case "scheme":
      return bytes(h.getBytes(":scheme"));
    case "method":
      return bytes(h.getBytes(":method"));
    case "referer":
      return bytes(h.getBytes("referer"));
    case "useragent":
      return bytes(h.getBytes("user-agent"));
    case "id":
      return bytes(h.getBytes("x-request-id"));
  }
  return undefined;
}

function responseAttribute(s: HttpStream, rest: readonly string[]): AttributeResult | undefined {
  if (rest.length === 0) return { status: WasmResult.SerializationFailure };
  const [name, ...more] = rest;
  if (name === "headers") return headersAttribute(s.activationResponseHeaders(), more);
  if (name === "trailers") return headersAttribute(s.accessLogPhase ? s.responseTrailerMap : null, more);
  if (more.length) return undefined;
  switch (name) {
    case "code": {
      const code = s.status;
      return code === undefined ? undefined : ok(i64Bytes(code));
    }
    case "code_details":
      return str(s.responseCodeDetails);
  }
  return undefined;
}
