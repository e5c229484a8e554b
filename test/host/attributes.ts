// Envoy attributes computed from the stream (source/extensions/filters/common/expr/context.cc as used by
// Context::getProperty): request.*, response.*, plugin_*. Values test code sets explicitly take precedence
// (see ProxyWasmHost.resolveProperty).
import { WasmResult } from "./abi.ts";
import { type HeaderMap, serializePairs, utf8, type Pair } from "./pairs.ts";
import { i64Bytes } from "./properties.ts";
import type { HttpStream } from "./stream.ts";

export interface AttributeResult {
  status: number;
  value?: Uint8Array;
}

const ok = (value: Uint8Array): AttributeResult => ({ status: WasmResult.Ok, value });
const str = (s: string | undefined): AttributeResult | undefined => (s === undefined ? undefined : ok(utf8(s)));
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
    const pairs: Pair[] = [];
    if (h) {
      const seen = new Set<string>();
      for (const [k] of h.pairs()) {
        if (seen.has(k)) continue;
        seen.add(k);
        pairs.push([k, h.getJoined(k)!]);
      }
    }
    return ok(serializePairs(pairs));
  }
  if (rest.length > 1 || !h || !HEADER_NAME.test(rest[0])) return undefined;
  return str(h.getJoined(rest[0]));
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
  const path = h.get(":path");
  switch (name) {
    case "path":
      return str(path);
    case "url_path":
      return str(path?.split("?")[0]);
    case "query": {
      if (path === undefined) return undefined;
      const i = path.indexOf("?");
      return str(i < 0 ? "" : path.slice(i + 1));
    }
    case "host":
      return str(h.get(":authority"));
    case "scheme":
      return str(h.get(":scheme"));
    case "method":
      return str(h.get(":method"));
    case "referer":
      return str(h.get("referer"));
    case "useragent":
      return str(h.get("user-agent"));
    case "id":
      return str(h.get("x-request-id"));
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
