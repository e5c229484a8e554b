// How the fuzzer ends the gRPC calls a plugin makes (proxy_grpc_call): after each request the engine
// (engine.ts) asks the plugin's fuzzer for a GrpcResolution of every pending call (its answerGrpc hook;
// without one, grpcFault below) and applies it. A resolution is what Envoy can deliver: an answer
// (proxy_on_grpc_receive with any bytes), a failure (proxy_on_grpc_close with a status and message), the
// call's timeout (by timeoutGrpcCall or by the clock running past its deadline), or the client going away
// while the call is pending (the stream completes first; Envoy still delivers the answer to the root if
// the plugin did not cancel the call). The resolutions applied are recorded in violation files, so a
// replay delivers the same bytes.
import { EnvoyGrpcMessages, type HttpStream, type PendingGrpcCall, type ProxyWasmHost } from "../host/index.ts";
import { RAW, text } from "./bytes.ts";
import type { Rng } from "./rng.ts";

export type GrpcResolution =
  /** proxy_on_grpc_receive with `message` (bare protobuf). `source` names how it was made (counted per source);
   *  `note` is the plugin fuzzer's own (e.g. what a fake server counted), handed back to its check */
  | { kind: "respond"; message: Uint8Array; source: string; note?: unknown }
  /** failGrpcCall: proxy_on_grpc_close(status) with `message` as Envoy words it (0 becomes 13 "") */
  | { kind: "fail"; status: number; message?: string; note?: unknown }
  /** closeGrpcCall: proxy_on_grpc_close(status) with `message` verbatim */
  | { kind: "close"; status: number; message: string; note?: unknown }
  /** timeoutGrpcCall: 14 "upstream request timeout{response_timeout}" */
  | { kind: "timeout"; note?: unknown }
  /** the clock runs `pastMs` beyond the call's deadline (advanceTime times it out, ticks fire) */
  | { kind: "expire"; pastMs: number; note?: unknown }
  /** the client goes away while the call is pending: the calling stream completes (on_log, on_done,
   *  on_delete); a call still pending after that gets `then` (Envoy delivers it to the root context) */
  | { kind: "client-gone"; then?: GrpcResolution; note?: unknown };

/** A call of the request under test and how it ended. */
export interface GrpcOutcome {
  call: PendingGrpcCall;
  resolution: GrpcResolution;
}

/** What a plugin's answerGrpc hook sees besides the call. */
export interface GrpcAnswerContext {
  host: ProxyWasmHost;
  /** index of the host spec, -1 for a mutated configuration */
  hostIndex: number;
  /** the stream that made the call (null: a call of another context) */
  stream: HttpStream | null;
  /** warm-up: the shape of the request (its answer may be one of the biggest too) */
  shape?: string;
}

/** gRPC statuses a close may carry: 1..16, and 0xffffffff (Envoy's InvalidCode -1 for a grpc-status it cannot read). */
const STATUSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xffffffff];

/** Texts proxy_get_status may hand over: Envoy's, an upstream's grpc-message (not percent-decoded), hostile bytes. */
function closeMessage(r: Rng): string {
  switch (r.int(6)) {
    case 0: return r.pick([EnvoyGrpcMessages.connectionRefused, EnvoyGrpcMessages.remoteReset, EnvoyGrpcMessages.timeout, EnvoyGrpcMessages.noHealthyUpstream, EnvoyGrpcMessages.clusterNotAvailable]);
    case 1: return EnvoyGrpcMessages.fromUpstream(r.pick(["", "slow down", "redis: connection refused", "%E2%9C%93%0d%0a", "no rate limit configuration for domain"]));
    case 2: return EnvoyGrpcMessages.fromUpstream(text(r, 200));
    case 3: return r.pick(["", "\r\n", "\x00", "{", "}", "{{}", "a\nb: c", ...RAW]);
    case 4: return "x".repeat(r.pick([1024, 10_000, 70_000]));
    default: return text(r, 100);
  }
}

/** Bytes of `valid` damaged the ways a broken server or a proxy in between does. */
export function damage(r: Rng, valid: Uint8Array): Uint8Array {
  const b = [...valid];
  for (let n = 1 + r.int(3); n > 0; n--) {
    switch (r.int(7)) {
      case 0: if (b.length) { const i = r.int(b.length); b[i] ^= 1 << r.int(8); } break; // bit flip
      case 1: b.length = r.int(b.length + 1); break; // cut short
      case 2: for (let k = 1 + r.int(r.chance(0.1) ? 300 : 8); k > 0; k--) b.push(r.int(256)); break; // garbage after
      case 3: if (b.length) b[r.int(b.length)] = r.pick([0x00, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22]); break; // a tag/length byte
      case 4: if (b.length) b.splice(r.int(b.length), 1 + r.int(4)); break; // bytes lost
      case 5: if (b.length < 32_768) b.push(...b); break; // twice (a protobuf parser merges: repeated fields twice)
      default: b.splice(r.int(b.length + 1), 0, ...Array.from({ length: 1 + r.int(10) }, () => r.int(256))); // bytes inserted
    }
  }
  return Uint8Array.from(b);
}

/** Random bytes, rarely big. */
export function randomBytes(r: Rng): Uint8Array {
  const n = r.chance(0.02) ? r.pick([4096, 65_536]) : r.int(64);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

/**
 * Any way a call ends other than a good answer: `valid` damaged, random bytes, no bytes, a failure with a
 * random status and message (verbatim or as Envoy words it), the timeout (by the host or by the clock), or
 * the client going away first. `mutate` false: no answer bytes but empty ones (a fake server whose count
 * must stay exact).
 */
export function grpcFault(r: Rng, valid: Uint8Array, opts: { mutate?: boolean } = {}): GrpcResolution {
  const mutate = opts.mutate ?? true;
  switch (r.weighted([[mutate ? 30 : 0, 0], [mutate ? 10 : 0, 1], [6, 2], [18, 3], [8, 4], [8, 5], [8, 6], [12, 7]] as const)) {
    case 0: return { kind: "respond", message: damage(r, valid), source: "damaged" };
    case 1: return { kind: "respond", message: randomBytes(r), source: "random bytes" };
    case 2: return { kind: "respond", message: new Uint8Array(), source: "empty" };
    case 3: return { kind: "fail", status: r.chance(0.4) ? 14 : r.chance(0.1) ? 0 : r.pick(STATUSES), message: r.chance(0.3) ? undefined : closeMessage(r) };
    case 4: return { kind: "close", status: r.pick(STATUSES), message: closeMessage(r) };
    case 5: return { kind: "timeout" };
    case 6: return { kind: "expire", pastMs: r.chance(0.8) ? r.int(50) : r.int(120_000) };
    default: return { kind: "client-gone", then: r.chance(0.5) ? { kind: "respond", message: valid, source: "after the client left" } : { kind: "fail", status: 14 } };
  }
}

/** The counter a resolution is tallied under in the run's figures. */
export function resolutionLabel(g: GrpcResolution): string {
  return g.kind === "respond" ? `answer: ${g.source}` : g.kind;
}

export function isPending(host: ProxyWasmHost, call: PendingGrpcCall): boolean {
  return host.pendingGrpcCalls({ vm: call.vm }).some((c) => c.token === call.token);
}

/**
 * Applies `g` to `call`. `stream`: the stream that made it (for client-gone). Returns the resolution as
 * applied (a client-gone whose stream is gone already, or not the caller's, becomes its `then`).
 */
export function applyResolution(host: ProxyWasmHost, call: PendingGrpcCall, g: GrpcResolution, stream: HttpStream | null): GrpcResolution {
  switch (g.kind) {
    case "respond": host.respondGrpcCall(call, g.message); return g;
    case "fail": host.failGrpcCall(call, g.status, g.message); return g;
    case "close": host.closeGrpcCall(call, g.status, g.message); return g;
    case "timeout": host.timeoutGrpcCall(call); return g;
    case "expire": {
      const deadline = call.deadline ?? host.monoMs;
      host.advanceTime(Math.max(0, deadline - host.monoMs) + g.pastMs);
      // a call without a deadline (timeout 0) is not timed out by the clock: Envoy would wait; fail it
      if (isPending(host, call)) host.failGrpcCall(call, 14, EnvoyGrpcMessages.timeout);
      return g;
    }
    case "client-gone": {
      const then = g.then ?? { kind: "fail", status: 14 };
      if (!stream || stream.completed) return applyResolution(host, call, then, stream);
      stream.complete();
      if (isPending(host, call)) return { ...g, then: applyResolution(host, call, then, null) };
      return { ...g, then: undefined };
    }
  }
}

/** A resolution as JSON for a violation file (answer bytes as a byte string; the note, which the plugin's
 *  check reads, as JSON), and back. */
export type RecordedResolution = Omit<GrpcResolution, "message" | "then"> & { message?: string; then?: RecordedResolution };
export function recordResolution(g: GrpcResolution): RecordedResolution {
  if (g.kind === "respond") return { ...g, message: Buffer.from(g.message).toString("latin1") };
  if (g.kind === "client-gone") return { ...g, then: g.then && recordResolution(g.then) };
  return g as RecordedResolution;
}
export function restoreResolution(g: RecordedResolution): GrpcResolution {
  if (g.kind === "respond") return { ...(g as object), message: new Uint8Array(Buffer.from(g.message ?? "", "latin1")) } as GrpcResolution;
  if (g.kind === "client-gone") return { ...(g as object), then: g.then && restoreResolution(g.then) } as GrpcResolution;
  return g as GrpcResolution;
}
