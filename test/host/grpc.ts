// gRPC callouts (proxy_grpc_call / proxy_grpc_stream) as Envoy 1.40 makes them: how the `service` argument
// is read, what goes upstream, and the messages Envoy hands the plugin when a call fails. Every fact here is
// checked on a real Envoy by test/envoy/grpc-call.test.ts (and in the emulator by test/host/grpc.test.ts).
import { fromUtf8, HeaderMap, type Pair } from "./pairs.ts";

/** The `service` argument, as Envoy's Context::grpcCall reads it. */
export type GrpcTarget =
  /** a serialized envoy.config.core.v3.GrpcService with envoy_grpc (cluster_name may be "") */
  | { kind: "envoy_grpc"; cluster: string; authority: string }
  /** a GrpcService with google_grpc: Envoy's Google gRPC client, not emulated */
  | { kind: "google_grpc" }
  /** a GrpcService that parses but names no target: Envoy 1.40 aborts ("panic: unset oneof") */
  | { kind: "no_target" }
  /** bytes that do not parse as a GrpcService: Envoy takes them as a bare cluster name */
  | { kind: "bare"; cluster: string };

/**
 * Messages proxy_get_status returns in proxy_on_grpc_close for the usual failures (Envoy 1.40). When the
 * upstream answered, Envoy appends the response code details in braces: a grpc-message "slow down" reads
 * "slow down{via_upstream}", no grpc-message at all reads "via_upstream". The grpc-message is not
 * percent-decoded.
 */
export const EnvoyGrpcMessages = {
  /** nothing listens on the endpoint (status 14) */
  connectionRefused:
    "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure" +
    "{upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}}",
  /** the upstream reset the stream before answering (status 14) */
  remoteReset:
    "upstream connect error or disconnect/reset before headers. reset reason: remote reset" +
    "{upstream_reset_before_response_started{remote_reset}}",
  /** timeout_ms elapsed (status 14, not 4) */
  timeout: "upstream request timeout{response_timeout}",
  /** the cluster has no healthy endpoint (status 14, after proxy_grpc_call returned INTERNAL_FAILURE) */
  noHealthyUpstream: "no healthy upstream{no_healthy_upstream}",
  /** a GrpcService naming an unknown cluster (status 14, after proxy_grpc_call returned INTERNAL_FAILURE) */
  clusterNotAvailable: "Cluster not available",
  /** what the plugin reads when the upstream answered with this grpc-message (or none) */
  fromUpstream(grpcMessage = ""): string {
    return grpcMessage === "" ? "via_upstream" : `${grpcMessage}{via_upstream}`;
  },
} as const;

/** gRPC status codes (grpc/status.h). */
export const GrpcStatus = {
  Ok: 0,
  Cancelled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

/** cpp-host callout ids: the two low bits say the kind (http 0, gRPC call 1, gRPC stream 2), steps of 4. */
export const CalloutType = { HttpCall: 0, GrpcCall: 1, GrpcStream: 2 } as const;
export const CALLOUT_TYPE_MASK = 0x3;

/** Read `service` like Context::grpcCall: GrpcService.ParseFromString, else the bytes are a cluster name. */
export function parseGrpcService(bytes: Uint8Array): GrpcTarget {
  const r = new ProtoReader(bytes);
  let target: GrpcTarget = { kind: "no_target" };
  try {
    r.message((field, wire, body) => {
      if (field === 1 && wire === 2) {
        // envoy_grpc (oneof target_specifier: the last one wins; a repeated message field merges)
        const prev = target.kind === "envoy_grpc" ? target : { kind: "envoy_grpc" as const, cluster: "", authority: "" };
        const next = { ...prev };
        new ProtoReader(body!).message((f, w, b) => {
          if (f === 1 && w === 2) next.cluster = utf8String(b!);
          else if (f === 2 && w === 2) next.authority = utf8String(b!);
          else if (w === 2 && (f === 3 || f === 4)) new ProtoReader(b!).skipMessage();
        });
        target = next;
      } else if (field === 2 && wire === 2) {
        new ProtoReader(body!).skipMessage();
        target = { kind: "google_grpc" };
      } else if (field === 5 && wire === 2) {
        // initial_metadata: HeaderValue{key, value} are strings (UTF-8 checked), raw_value bytes
        new ProtoReader(body!).message((f, w, b) => {
          if ((f === 1 || f === 2) && w === 2) utf8String(b!);
        });
      } else if (wire === 2 && (field === 3 || field === 6)) {
        new ProtoReader(body!).skipMessage();
      }
    });
  } catch (e) {
    if (!(e instanceof ProtoError)) throw e;
    return { kind: "bare", cluster: fromUtf8(bytes) };
  }
  return target;
}

/** Serialized GrpcService{ envoy_grpc { cluster_name } } (what an SDK should pass as `service`). */
export function grpcServiceBytes(cluster: string, authority?: string): Uint8Array {
  const inner = [...field(1, new TextEncoder().encode(cluster))];
  if (authority) inner.push(...field(2, new TextEncoder().encode(authority)));
  return Uint8Array.from(field(1, Uint8Array.from(inner)));
}

function field(n: number, body: Uint8Array): number[] {
  return [...varint((n << 3) | 2), ...varint(body.length), ...body];
}
function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/**
 * The request headers Envoy's gRPC async client sends upstream (observed on Envoy 1.40): the plugin's
 * initial metadata (names lower-cased, repeats and empty values kept, nothing filtered: a plugin-supplied
 * grpc-timeout is sent next to Envoy's own) between Envoy's headers. Streams get no grpc-timeout.
 */
export function grpcRequestHeaders(o: {
  cluster: string;
  authority?: string;
  serviceName: string;
  method: string;
  initialMetadata: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  timeoutMs: number | null;
}): HeaderMap {
  const h = new HeaderMap([
    [":method", "POST"],
    [":path", `/${o.serviceName}/${o.method}`],
    [":authority", o.authority || o.cluster],
    [":scheme", "http"],
    ["te", "trailers"],
  ]);
  if (o.timeoutMs !== null) h.add("grpc-timeout", `${o.timeoutMs}m`);
  h.add("content-type", "application/grpc");
  for (const [k, v] of o.initialMetadata) h.add(k, v);
  h.add("x-envoy-internal", "true");
  if (o.timeoutMs) h.add("x-envoy-expected-rq-timeout-ms", String(o.timeoutMs));
  return h;
}

/** Response headers Envoy hands a gRPC stream's plugin when the upstream answered "trailers-only". */
export function trailersOnlyMetadata(status: number, grpcMessage: string, extra: Pair[] = []): HeaderMap {
  const h = new HeaderMap([
    [":status", "200"],
    ["content-type", "application/grpc"],
    ["grpc-status", String(status)],
  ]);
  if (grpcMessage !== "") h.add("grpc-message", grpcMessage);
  for (const [k, v] of extra) h.add(k, v);
  return h;
}

/** "slow down{via_upstream}" -> "slow down": the grpc-message part of an Envoy close message. */
export function stripDetails(message: string): string {
  if (!message.endsWith("}")) return message;
  let depth = 0;
  for (let i = message.length - 1; i >= 0; i--) {
    if (message[i] === "}") depth++;
    else if (message[i] === "{" && --depth === 0) return message.slice(0, i);
  }
  return message;
}

// ----- a protobuf wire-format reader strict the way C++ ParseFromString is ---------------------------------

class ProtoError extends Error {}

function utf8String(b: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    throw new ProtoError("string field is not valid UTF-8");
  }
}

class ProtoReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private varint(maxBytes = 10): bigint {
    let v = 0n;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.buf.length) throw new ProtoError("truncated varint");
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return v;
    }
    throw new ProtoError("varint too long");
  }

  private take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) throw new ProtoError("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads fields to the end (or to the end group of `group`); `onField` gets LEN bodies. */
  message(onField: (field: number, wire: number, body?: Uint8Array) => void, group?: number): void {
    while (this.pos < this.buf.length) {
      const tag = this.varint(5);
      if (tag > 0xffffffffn) throw new ProtoError("tag too large");
      const field = Number(tag >> 3n);
      const wire = Number(tag & 7n);
      if (field === 0) throw new ProtoError("field number 0");
      switch (wire) {
        case 0:
          this.varint();
          onField(field, wire);
          break;
        case 1:
          this.take(8);
          onField(field, wire);
          break;
        case 2: {
          const len = this.varint();
          if (len > BigInt(this.buf.length - this.pos)) throw new ProtoError("truncated field");
          onField(field, wire, this.take(Number(len)));
          break;
        }
        case 3:
          this.message(() => {}, field);
          break;
        case 4:
          if (group === field) return;
          throw new ProtoError("unexpected end group");
        case 5:
          this.take(4);
          onField(field, wire);
          break;
        default:
          throw new ProtoError(`wire type ${wire}`);
      }
    }
    if (group !== undefined) throw new ProtoError("unterminated group");
  }

  skipMessage(): void {
    this.message(() => {});
  }
}
