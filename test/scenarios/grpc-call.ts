// gRPC callouts as Envoy 1.40 makes them, seen by the raw-ABI probe plugin (test/fixtures/grpc-probe):
// the event lines it records for each case. test/envoy/grpc-call.test.ts runs the cases on a real Envoy
// against test/envoy/grpc-server.mjs (whose behaviour the `x-md` header picks, through the plugin's initial
// metadata); test/host/grpc.test.ts runs them in the emulator, where `emulate` plays the upstream. Both
// assert the same lines: the emulator is trusted where it agrees with Envoy.
import { EnvoyGrpcMessages, type PendingGrpcCall, type ProxyWasmHost } from "../host/index.ts";

export interface GrpcCase {
  name: string;
  /** request headers for the probe plugin (see proxy_on_request_headers in test/fixtures/grpc-probe) */
  headers: Record<string, string>;
  /** emulator only: what the upstream does with the call the request made (absent: nothing is pending) */
  emulate?: (h: ProxyWasmHost, call: PendingGrpcCall) => void;
  /** the local reply the calling request gets: its events */
  reply: string[];
  /** events after the reply (the report holds reply + later) */
  later?: string[];
  /** Envoy only: ms to wait before asking for the report (default 100) */
  wait?: number;
}

/** Clusters of test/envoy/fixtures/grpc-probe.yaml, as emulator options. */
export const EMULATED_CLUSTERS = { clusters: ["base", "http_up", "grpc_up", "grpc_down"], unhealthyClusters: ["grpc_empty"] };

/** Token numbers as T1, T2... in order of appearance, and the id of another stream as "other". */
export function normalize(text: string): string[] {
  const tokens = new Map<string, string>();
  return text
    .replace(/token=(\d+)/g, (_, n: string) => {
      if (!tokens.has(n)) tokens.set(n, `T${tokens.size + 1}`);
      return `token=${tokens.get(n)}`;
    })
    .replace(/from=\d+/g, "from=other")
    .split("\n")
    .filter((l) => l !== "");
}

const MD_NONE = [
  "  map4 pairs=0:[] get(x-init)=2 size=2 add=2",
  "  map5 pairs=0:[] get(x-trail)=2 size=2 add=2",
];
const hello = (t = "T1") => [
  `receive root token=${t} size=8`,
  "  buffer 0 len=8 head=re:hello sum=2315094219 status=0:8",
];
/** on_grpc_close of a call made by a stream that is still there */
const closed = (status: number, message: string, extra: string[] = []) => [
  `close root token=T1 status=${status}`,
  `  status 0 code=${status} message=${message}`,
  "  buffer 0 len=0 head= sum=0 status=0:0",
  ...extra,
  `  stream-status 0 code=${status} message=${message}`,
  "  stream-path /",
  "  effective 0",
];
/** on_grpc_close for a token the plugin never got (the call failed synchronously) */
const orphanClose = (message: string) => [
  "close root token=T1 status=14",
  `  status 0 code=14 message=${message}`,
  "  buffer 0 len=0 head= sum=0 status=0:0",
];

/** what test/envoy/grpc-server.mjs sends as response headers (date and service time vary: "*") */
export const SERVER_HEADERS: Array<[string, string]> = [
  [":status", "200"],
  ["content-type", "application/grpc"],
  ["x-init", "i1"],
  ["date", "Thu, 01 Jan 2026 00:00:00 GMT"],
  ["x-envoy-upstream-service-time", "1"],
];
const SERVER_HEADERS_LINE = "[:status=200;content-type=application/grpc;x-init=i1;date=*;x-envoy-upstream-service-time=*]";
const streamEcho = (effective: number, messages: Array<[string, string]>) => [
  "initial-metadata root token=T1 n=5",
  `  map4 pairs=0:${SERVER_HEADERS_LINE} get(x-init)=0:i1 size=2 add=2`,
  "  map5 pairs=0:[] get(x-trail)=2 size=2 add=2",
  `  effective ${effective}`,
  ...messages.flatMap(([m, sum]) => [
    `receive root token=T1 size=${m.length}`,
    `  buffer 0 len=${m.length} head=${m} sum=${sum} status=0:${m.length}`,
    `  effective ${effective}`,
  ]),
  "trailing-metadata root token=T1 n=2",
  "  map5 pairs=0:[grpc-status=0;x-trail=t1] get(x-trail)=0:t1 size=2 add=2",
  "  map4 pairs=0:[] get(x-init)=2 size=2 add=2",
  `  effective ${effective}`,
];
const echoStream = (h: ProxyWasmHost, c: PendingGrpcCall) =>
  h.respondGrpcStream(c, {
    initialMetadata: SERVER_HEADERS,
    messages: c.messages.map((m) => `echo:${Buffer.from(m).toString()}`),
    trailingMetadata: [["grpc-status", "0"], ["x-trail", "t1"]],
  });

export const GRPC_CASES: GrpcCase[] = [
  {
    name: "success: only proxy_on_grpc_receive (no metadata callbacks, no close); maps 4/5 absent",
    headers: { "x-grpc": "call", "x-md": "x-mode=ok,X-Up=1,x-dup=a,x-dup=b,x-empty=", "x-probe": "md" },
    emulate: (h, c) => h.respondGrpcCall(c, "re:hello"),
    reply: ["call 0 token=T1", ...hello(), ...MD_NONE, "  effective 0"],
  },
  {
    name: "grpc-status 8 in the trailers: only proxy_on_grpc_close, message gets {via_upstream}",
    headers: { "x-grpc": "call", "x-md": "x-mode=status", "x-probe": "md" },
    emulate: (h, c) => h.failGrpcCall(c, 8, EnvoyGrpcMessages.fromUpstream("slow down")),
    reply: ["call 0 token=T1", ...closed(8, "slow down{via_upstream}", MD_NONE)],
  },
  {
    name: "grpc-status 8 after a message: the message is dropped",
    headers: { "x-grpc": "call", "x-md": "x-mode=status,x-body=1" },
    emulate: (h, c) => h.failGrpcCall(c, 8, "slow down{via_upstream}"),
    reply: ["call 0 token=T1", ...closed(8, "slow down{via_upstream}")],
  },
  {
    name: "trailers-only grpc-status 7",
    headers: { "x-grpc": "call", "x-md": "x-mode=trailers-only,x-status=7,x-message=no way" },
    emulate: (h, c) => h.failGrpcCall(c, 7, "no way{via_upstream}"),
    reply: ["call 0 token=T1", ...closed(7, "no way{via_upstream}")],
  },
  {
    name: "grpc-status without grpc-message: the message is the details alone",
    headers: { "x-grpc": "call", "x-md": "x-mode=status,x-status=9,x-message=" },
    emulate: (h, c) => h.failGrpcCall(c, 9),
    reply: ["call 0 token=T1", ...closed(9, "via_upstream")],
  },
  {
    name: "grpc-message is not percent-decoded",
    headers: { "x-grpc": "call", "x-md": "x-mode=trailers-only,x-status=3,x-message=caf%C3%A9 100%25" },
    emulate: (h, c) => h.failGrpcCall(c, 3, "caf%C3%A9 100%25{via_upstream}"),
    reply: ["call 0 token=T1", ...closed(3, "caf%C3%A9 100%25{via_upstream}")],
  },
  {
    name: "grpc-status 0 without a message: close 13 with no message",
    headers: { "x-grpc": "call", "x-md": "x-mode=empty" },
    emulate: (h, c) => h.failGrpcCall(c, 0),
    reply: ["call 0 token=T1", ...closed(13, "")],
  },
  {
    name: "two messages: the last one is delivered",
    headers: { "x-grpc": "call", "x-md": "x-mode=two" },
    emulate: (h, c) => h.respondGrpcCall(c, "second"),
    reply: ["call 0 token=T1", "receive root token=T1 size=6", "  buffer 0 len=6 head=second sum=3388687476 status=0:6", "  effective 0"],
  },
  {
    name: "HTTP 404 without gRPC status: close 12",
    headers: { "x-grpc": "call", "x-md": "x-mode=http,x-http-status=404" },
    emulate: (h, c) => h.failGrpcCall(c, 12),
    reply: ["call 0 token=T1", ...closed(12, "via_upstream")],
  },
  {
    name: "the upstream resets the stream: close 14",
    headers: { "x-grpc": "call", "x-md": "x-mode=reset" },
    emulate: (h, c) => h.failGrpcCall(c, 14, EnvoyGrpcMessages.remoteReset),
    reply: ["call 0 token=T1", ...closed(14, EnvoyGrpcMessages.remoteReset)],
  },
  {
    name: "nothing listens on the endpoint: the call starts (OK), then close 14",
    headers: { "x-grpc": "call", "x-target": "proto:grpc_down" },
    emulate: (h, c) => h.failGrpcCall(c),
    reply: ["call 0 token=T1", ...closed(14, EnvoyGrpcMessages.connectionRefused)],
  },
  {
    name: "cluster without endpoint: INTERNAL_FAILURE, no token, then on_grpc_close for the unseen token",
    headers: { "x-grpc": "call", "x-target": "proto:grpc_empty" },
    reply: ["call 10 token=unwritten"],
    later: orphanClose(EnvoyGrpcMessages.noHealthyUpstream),
  },
  {
    name: "GrpcService naming an unknown cluster: INTERNAL_FAILURE, then on_grpc_close 14",
    headers: { "x-grpc": "call", "x-target": "proto:nope" },
    reply: ["call 10 token=unwritten"],
    later: orphanClose(EnvoyGrpcMessages.clusterNotAvailable),
  },
  {
    name: "a bare cluster name works",
    headers: { "x-grpc": "call", "x-target": "bare:grpc_up" },
    emulate: (h, c) => h.respondGrpcCall(c, "re:hello"),
    reply: ["call 0 token=T1", ...hello(), "  effective 0"],
  },
  {
    name: "a bare name of a cluster without endpoint: as with a GrpcService",
    headers: { "x-grpc": "call", "x-target": "bare:grpc_empty" },
    reply: ["call 10 token=unwritten"],
    later: orphanClose(EnvoyGrpcMessages.noHealthyUpstream),
  },
  {
    name: "a bare unknown cluster name: PARSE_FAILURE, nothing follows",
    headers: { "x-grpc": "call", "x-target": "bare:nope" },
    reply: ["call 4 token=unwritten"],
  },
  {
    name: "bytes that are neither a GrpcService nor a cluster name: PARSE_FAILURE",
    headers: { "x-grpc": "call", "x-target": "hex:ffff" },
    reply: ["call 4 token=unwritten"],
  },
  {
    name: "5 MB answer to a 2 MB request",
    headers: { "x-grpc": "call", "x-message-size": "2000000", "x-md": "x-mode=ok,x-resp-size=5000000" },
    emulate: (h, c) => h.respondGrpcCall(c, "r".repeat(5_000_000)),
    reply: ["call 0 token=T1", "receive root token=T1 size=5000000", "  buffer 0 len=5000000 head=rrrrrrrrrrrrrrrrrrrrrrrr sum=1672292352 status=0:5000000", "  effective 0"],
  },
  {
    name: "proxy_grpc_cancel right after the call: OK, then NOT_FOUND; no callback",
    headers: { "x-grpc": "call", "x-md": "x-mode=ok,x-delay=100", "x-after": "cancel-close" },
    reply: ["call 0 token=T1", "cancel 0", "cancel 1", "close 1"],
    wait: 300,
  },
  {
    name: "proxy_grpc_close of a call cancels it",
    headers: { "x-grpc": "call", "x-md": "x-mode=ok,x-delay=100", "x-after": "close" },
    reply: ["call 0 token=T1", "close 0"],
    wait: 300,
  },
  {
    name: "proxy_grpc_cancel inside on_grpc_receive: OK",
    headers: { "x-grpc": "call", "x-probe": "cancel" },
    emulate: (h, c) => h.respondGrpcCall(c, "re:hello"),
    reply: ["call 0 token=T1", ...hello(), "  cancel 0", "  effective 0"],
  },
  {
    name: "proxy_grpc_close inside on_grpc_receive: OK",
    headers: { "x-grpc": "call", "x-probe": "close" },
    emulate: (h, c) => h.respondGrpcCall(c, "re:hello"),
    reply: ["call 0 token=T1", ...hello(), "  close 0", "  effective 0"],
  },
  {
    name: "proxy_grpc_cancel inside on_grpc_close: OK",
    headers: { "x-grpc": "call", "x-md": "x-mode=status", "x-probe": "cancel" },
    emulate: (h, c) => h.failGrpcCall(c, 8, "slow down{via_upstream}"),
    reply: ["call 0 token=T1", ...closed(8, "slow down{via_upstream}", ["  cancel 0"])],
  },

  // ----- streams (proxy_grpc_stream) -----
  {
    name: "stream: initial metadata, each message, trailing metadata, close 0 (message via_upstream)",
    headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a,bb", "x-end": "1" },
    emulate: echoStream,
    reply: [
      "stream 0 token=T1",
      "send 0",
      "send 0",
      ...streamEcho(0, [["echo:a", "2986179660"], ["echo:bb", "2377256373"]]),
      ...closed(0, "via_upstream"),
    ],
  },
  {
    name: "stream: a trailers-only answer gives empty initial metadata and all headers as trailing metadata",
    headers: { "x-grpc": "stream", "x-md": "x-mode=trailers-only,x-status=5,x-message=gone", "x-send": "a", "x-end": "1" },
    emulate: (h, c) => {
      h.receiveGrpcInitialMetadata(c, []);
      h.receiveGrpcTrailingMetadata(c, [
        [":status", "200"], ["content-type", "application/grpc"], ["x-init", "i1"], ["grpc-status", "5"], ["grpc-message", "gone"],
        ["date", "Thu, 01 Jan 2026 00:00:00 GMT"], ["x-envoy-upstream-service-time", "1"],
      ]);
      h.closeGrpcCall(c, 5, "gone{via_upstream}");
    },
    reply: [
      "stream 0 token=T1",
      "send 0",
      "initial-metadata root token=T1 n=0",
      "  map4 pairs=0:[] get(x-init)=1 size=2 add=2",
      "  map5 pairs=0:[] get(x-trail)=2 size=2 add=2",
      "  effective 0",
      "trailing-metadata root token=T1 n=7",
      "  map5 pairs=0:[:status=200;content-type=application/grpc;x-init=i1;grpc-status=5;grpc-message=gone;date=*;x-envoy-upstream-service-time=*] get(x-trail)=1 size=2 add=2",
      "  map4 pairs=0:[] get(x-init)=2 size=2 add=2",
      "  effective 0",
      ...closed(5, "gone{via_upstream}"),
    ],
  },
  {
    name: "stream: nothing listens on the endpoint",
    headers: { "x-grpc": "stream", "x-target": "proto:grpc_down", "x-send": "a", "x-end": "1" },
    emulate: (h, c) => h.failGrpcCall(c),
    reply: [
      "stream 0 token=T1",
      "send 0",
      "initial-metadata root token=T1 n=0",
      "  map4 pairs=0:[] get(x-init)=1 size=2 add=2",
      "  map5 pairs=0:[] get(x-trail)=2 size=2 add=2",
      "  effective 0",
      "trailing-metadata root token=T1 n=4",
      "  map5 pairs=0:[:status=200;content-type=application/grpc;grpc-status=14;grpc-message=upstream connect error or disconnect/reset before headers. reset reason: remote connection failure] get(x-trail)=1 size=2 add=2",
      "  map4 pairs=0:[] get(x-init)=2 size=2 add=2",
      "  effective 0",
      ...closed(14, EnvoyGrpcMessages.connectionRefused),
    ],
  },
  {
    name: "stream to an unknown cluster: INTERNAL_FAILURE, then on_grpc_close 14",
    headers: { "x-grpc": "stream", "x-target": "proto:nope" },
    reply: ["stream 10 token=unwritten"],
    later: orphanClose(EnvoyGrpcMessages.clusterNotAvailable),
  },
  {
    name: "stream cancelled right after: no callback",
    headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a", "x-after": "cancel" },
    reply: ["stream 0 token=T1", "send 0", "cancel 0", "cancel 1"],
    wait: 200,
  },
  {
    name: "stream half-closed by proxy_grpc_close: the answer still comes (to a stream that is gone)",
    headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a", "x-after": "close" },
    emulate: (h, c) => {
      if (!c.localClosed) throw new Error("proxy_grpc_close should half-close the stream");
      echoStream(h, c);
    },
    reply: ["stream 0 token=T1", "send 0", "close 0"],
    later: [
      ...streamEcho(2, [["echo:a", "2986179660"]]),
      "close root token=T1 status=0",
      "  status 0 code=0 message=via_upstream",
      "  buffer 0 len=0 head= sum=0 status=0:0",
      "  effective 2",
    ],
  },
  {
    name: "stream: proxy_grpc_close inside the callbacks is OK every time (half-close, then forget)",
    headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a,b", "x-end": "1", "x-probe": "close" },
    emulate: echoStream,
    reply: [
      "stream 0 token=T1",
      "send 0",
      "send 0",
      ...streamEcho(0, [["echo:a", "2986179660"], ["echo:b", "2986179661"]]).flatMap((l) => (l.startsWith("  buffer") ? [l, "  close 0"] : [l])),
      ...closed(0, "via_upstream", ["  close 0"]),
    ],
  },
];

/** The request headers test/envoy/grpc-server.mjs receives for the first case (and the emulator reports). */
export const FIRST_CASE_REQUEST_HEADERS: Array<[string, string]> = [
  [":method", "POST"],
  [":path", "/test.Echo/Unary"],
  [":authority", "grpc_up"],
  [":scheme", "http"],
  ["te", "trailers"],
  ["grpc-timeout", "5000m"],
  ["content-type", "application/grpc"],
  ["x-mode", "ok"],
  ["x-up", "1"],
  ["x-dup", "a"],
  ["x-dup", "b"],
  ["x-empty", ""],
  ["x-envoy-internal", "true"],
  ["x-envoy-expected-rq-timeout-ms", "5000"],
];

/** x-grpc: tokens on a fresh VM: callout ids per kind (http 4, 8; gRPC calls 5, 9; streams 6) and misuse. */
export const TOKENS_REPLY = [
  "http 0 token=4",
  "grpc 0 token=5 cancel=0",
  "stream 0 token=6 cancel=0",
  "grpc 0 token=9 cancel=0",
  "http 0 token=8",
  "cancel(http token 4)=2 close(4)=2 send(4)=2",
  "cancel(unknown call 4001)=1 close(4001)=1 send(4001)=2",
  "cancel(unknown stream 4002)=1 close(4002)=1 send(4002)=1",
  "cancel(0)=2 cancel(3)=2",
];

/** x-grpc: outside, on a fresh VM: buffer 5 and maps 4/5 outside the gRPC callbacks. */
export const OUTSIDE_REPLY = (code: number) => [
  "  buffer 0 len=0 head= sum=0 status=0:0",
  ...MD_NONE,
  `  stream-status 0 code=${code} message=`,
];

export { hello, orphanClose, closed };
