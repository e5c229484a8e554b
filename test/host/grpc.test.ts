// gRPC callouts in the emulator: the same probe plugin (test/fixtures/grpc-probe) and the same event lines
// as the real-Envoy test (test/envoy/grpc-call.test.ts, cases in test/scenarios/grpc-call.ts), with the
// test playing the upstream through pendingGrpcCalls / respondGrpcCall / failGrpcCall / ... .
// Run: node --import tsx --test test/host/grpc.test.ts
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  buildAssemblyScript,
  EnvoyGrpcMessages,
  grpcServiceBytes,
  HostCallError,
  parseGrpcService,
  ProxyWasmHost,
  UsageError,
  type HostOptions,
} from "./index.ts";
import {
  EMULATED_CLUSTERS, FIRST_CASE_REQUEST_HEADERS, GRPC_CASES, OUTSIDE_REPLY, TOKENS_REPLY, closed, hello, normalize,
} from "../scenarios/grpc-call.ts";

let fixture: Uint8Array;

before(async () => {
  fixture = await buildAssemblyScript("test/fixtures/grpc-probe/index.ts", { sources: ["test/fixtures/grpc-probe"] });
});

function host(opts: Partial<HostOptions> = {}): ProxyWasmHost {
  return ProxyWasmHost.create({ wasm: fixture, workers: 1, ...EMULATED_CLUSTERS, ...opts });
}
const body = (s: { localResponse?: { bodyText: string } }) => s.localResponse?.bodyText ?? "(no reply)";
const report = (h: ProxyWasmHost) => normalize(body(h.request({ headers: { "x-grpc": "report" } })));

describe("the real-Envoy cases, emulated", () => {
  for (const c of GRPC_CASES) {
    test(c.name, () => {
      const h = host();
      const s = h.request({ headers: c.headers });
      const pending = h.pendingGrpcCalls();
      if (c.emulate) {
        assert.equal(pending.length, 1, "one call waits for its upstream");
        c.emulate(h, pending[0]);
      } else {
        h.advanceTime(1_000);
      }
      assert.deepEqual(normalize(body(s)), c.reply, "the calling request's answer");
      assert.deepEqual(report(h), [...c.reply, ...(c.later ?? [])], "every event");
      assert.deepEqual(h.pendingGrpcCalls(), [], "nothing left pending");
    });
  }
});

describe("gRPC calls", () => {
  test("tokens: one counter per kind and VM (http 4, 8...; calls 5, 9...; streams 6...); misuse codes", () => {
    const h = host();
    assert.deepEqual(body(h.request({ headers: { "x-grpc": "tokens" } })).split("\n"), TOKENS_REPLY);
    assert.deepEqual(h.pendingGrpcCalls(), [], "cancelled");
    for (const c of h.pendingHttpCalls()) h.respondHttpCall(c);
    assert.deepEqual(body(h.request({ headers: { "x-grpc": "report" } })).split("\n"), [
      "http-response root token=4 headers=some",
      "http-response root token=8 headers=some",
    ]);
  });

  test("outside the gRPC callbacks: buffer 5 is empty (OK), maps 4/5 absent, status 0", () => {
    assert.deepEqual(normalize(body(host().request({ headers: { "x-grpc": "outside" } }))), OUTSIDE_REPLY(0));
  });

  test("the pending call: cluster, service, method, bare message, metadata, what goes upstream, ROOT context", () => {
    const h = host();
    const s = h.request({ headers: GRPC_CASES[0].headers });
    assert.equal(s.paused, true);
    const [c] = h.pendingGrpcCalls({ cluster: "grpc_up", service: "test.Echo", method: "Unary" });
    assert.deepEqual(
      { kind: c.kind, vm: c.vm, token: c.token, root: c.rootContextId, ctx: c.contextId, cluster: c.cluster, service: c.serviceName, method: c.method, timeout: c.timeoutMs, deadline: c.deadline },
      { kind: "call", vm: 0, token: 5, root: 1, ctx: s.id, cluster: "grpc_up", service: "test.Echo", method: "Unary", timeout: 5000, deadline: 5000 },
    );
    assert.equal(Buffer.from(c.message).toString(), "hello", "no gRPC frame");
    assert.deepEqual(c.service, grpcServiceBytes("grpc_up"));
    assert.deepEqual(c.requestHeaders.pairs(), FIRST_CASE_REQUEST_HEADERS);
    assert.deepEqual(h.pendingGrpcCalls({ method: "Other" }), []);
    h.respondGrpcCall(c, "re:hello");
    assert.ok(s.completed);
    assert.throws(() => h.respondGrpcCall(c, "again"), UsageError);
  });

  test("proxy_get_status reads the root context's status: the code stays, the message does not", () => {
    const h = host();
    h.request({ headers: { "x-grpc": "call", "x-md": "x-mode=status" } });
    h.failGrpcCall(h.pendingGrpcCalls()[0], 8, "slow down{via_upstream}");
    h.request({ headers: { "x-grpc": "report" } });
    const s = h.request({ headers: { "x-grpc": "call", "x-probe": "status" } });
    h.respondGrpcCall(h.pendingGrpcCalls()[0], "re:hello");
    assert.deepEqual(normalize(body(s)), ["call 0 token=T1", ...hello(), "  status 0 code=8 message=", "  effective 0"]);
    assert.deepEqual(normalize(body(h.request({ headers: { "x-grpc": "outside" } }))), OUTSIDE_REPLY(8));
  });

  test("timeout: advanceTime closes the call with 14 'upstream request timeout' at its deadline", () => {
    const h = host();
    const s = h.request({ headers: { "x-grpc": "call", "x-timeout": "300" } });
    assert.equal(h.pendingGrpcCalls()[0].requestHeaders.get("grpc-timeout"), "300m");
    h.advanceTime(299);
    assert.equal(h.pendingGrpcCalls().length, 1);
    h.advanceTime(1);
    assert.deepEqual(h.pendingGrpcCalls(), []);
    assert.deepEqual(normalize(body(s)), ["call 0 token=T1", ...closed(14, EnvoyGrpcMessages.timeout)]);
  });

  test("timeout 0: no deadline, grpc-timeout: 0m upstream, and a warning", () => {
    const h = host();
    h.request({ headers: { "x-grpc": "call", "x-timeout": "0" } });
    const [c] = h.pendingGrpcCalls();
    assert.equal(c.deadline, null);
    assert.equal(c.requestHeaders.get("grpc-timeout"), "0m");
    assert.equal(c.requestHeaders.get("x-envoy-expected-rq-timeout-ms"), undefined);
    assert.ok(h.hasLog(/grpc-timeout: 0m/, "warn"));
    h.advanceTime(3_600_000);
    assert.equal(h.pendingGrpcCalls().length, 1);
  });

  for (const how of ["cancel", "close"] as const) {
    test(`proxy_grpc_${how} from another stream: OK; no callback follows`, () => {
      const h = host();
      const s = h.request({ headers: { "x-grpc": "call" } });
      const [c] = h.pendingGrpcCalls();
      h.request({ headers: { "x-grpc": "report" } });
      const r = h.request({ headers: { "x-grpc": how, "x-token": String(c.token) } });
      assert.deepEqual(body(r).split("\n"), [`${how} 0`, "owner 0"]);
      assert.deepEqual(normalize(body(s)), ["call 0 token=T1", `${how} 0 from=other`]);
      assert.deepEqual(h.pendingGrpcCalls(), []);
      assert.equal(c.cancelled, true);
      assert.throws(() => h.respondGrpcCall(c, "late"), /the plugin cancelled it/);
      assert.deepEqual(report(h), [`${how} 0 from=other`]);
    });
  }

  test("client gone while the call is pending: the answer still reaches the root; the stream id is gone (2)", () => {
    const h = host();
    const s = h.request({ headers: { "x-grpc": "call" } });
    s.complete(); // the client went away: on_log, on_done, on_delete
    h.respondGrpcCall(h.pendingGrpcCalls()[0], "re:hello");
    assert.deepEqual(report(h), ["call 0 token=T1", "on_log stream", "on_done stream", "on_delete stream", ...hello(), "  effective 2"]);
  });

  test("stream: proxy_grpc_cancel inside on_grpc_receive stops every later callback", () => {
    const h = host();
    h.request({ headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a,b", "x-end": "1", "x-probe": "cancel" } });
    const [c] = h.pendingGrpcCalls();
    assert.deepEqual(c.messages.map((m) => Buffer.from(m).toString()), ["a", "b"]);
    assert.equal(c.localClosed, true);
    h.respondGrpcStream(c, { initialMetadata: [[":status", "200"], ["content-type", "application/grpc"], ["x-init", "i1"], ["date", "d"], ["x-envoy-upstream-service-time", "1"]], messages: ["echo:a", "echo:b"] });
    assert.deepEqual(report(h), [
      "stream 0 token=T1", "send 0", "send 0",
      "initial-metadata root token=T1 n=5",
      "  map4 pairs=0:[:status=200;content-type=application/grpc;x-init=i1;date=*;x-envoy-upstream-service-time=*] get(x-init)=0:i1 size=2 add=2",
      "  map5 pairs=0:[] get(x-trail)=2 size=2 add=2",
      "  effective 0",
      "receive root token=T1 size=6",
      "  buffer 0 len=6 head=echo:a sum=2986179660 status=0:6",
      "  cancel 0",
      "  effective 0",
    ]);
    assert.equal(c.cancelled, true);
    assert.deepEqual(h.pendingGrpcCalls(), []);
  });

  test("proxy_http_call to a cluster without endpoint: INTERNAL_FAILURE, token 0 written, no callback", () => {
    const h = host();
    assert.deepEqual(body(h.request({ headers: { "x-grpc": "http", "x-http-cluster": "grpc_empty" } })).split("\n"), ["http 10 token=0"]);
    assert.deepEqual(h.pendingHttpCalls(), []);
  });

  test("a GrpcService without a target: Envoy 1.40 aborts, the emulator fails loudly", () => {
    const h = host();
    assert.throws(() => h.request({ headers: { "x-grpc": "call", "x-target": "empty" } }), (e: Error) => e instanceof HostCallError && /panic: unset oneof/.test(e.message));
  });

  test("unhealthy clusters, tokens per VM, call objects or bare tokens", () => {
    const h = host({ workers: 2 });
    h.request({ vm: 0, headers: { "x-grpc": "call" } });
    h.request({ vm: 1, headers: { "x-grpc": "call" } });
    assert.throws(() => h.respondGrpcCall(5, "x"), /several VMs/);
    h.respondGrpcCall(5, "re:hello", 1);
    assert.deepEqual(h.pendingGrpcCalls().map((c) => c.vm), [0]);
    h.setClusterHealthy("grpc_up", false);
    const s = h.request({ vm: 0, headers: { "x-grpc": "call" } });
    assert.deepEqual(normalize(body(s)), ["call 10 token=unwritten"]);
    assert.deepEqual(h.pendingGrpcCalls().length, 1, "the failed call is not pending");
    assert.throws(() => h.receiveGrpcMessage(h.pendingGrpcCalls()[0], "x"), /Envoy delivers no metadata for calls/);
  });

  test("a new root context (reconfigure) cancels the gRPC calls of the old one", () => {
    const h = host();
    h.request({ headers: { "x-grpc": "call" } });
    const [c] = h.pendingGrpcCalls();
    h.reconfigure("");
    assert.deepEqual(h.pendingGrpcCalls(), []);
    assert.equal(c.cancelled, true);
  });
});

describe("the service argument", () => {
  test("GrpcService parsing like ParseFromString; anything else is a bare cluster name", () => {
    assert.deepEqual(parseGrpcService(grpcServiceBytes("rls")), { kind: "envoy_grpc", cluster: "rls", authority: "" });
    assert.deepEqual(parseGrpcService(grpcServiceBytes("rls", "rls.local")), { kind: "envoy_grpc", cluster: "rls", authority: "rls.local" });
    assert.deepEqual(parseGrpcService(new Uint8Array(0)), { kind: "no_target" });
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x18, 0x01)), { kind: "no_target" }, "an unknown varint field parses");
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x12, 0x00)), { kind: "google_grpc" });
    assert.deepEqual(parseGrpcService(new TextEncoder().encode("ratelimit")), { kind: "bare", cluster: "ratelimit" });
    assert.deepEqual(parseGrpcService(Uint8Array.of(0xff, 0xff)), { kind: "bare", cluster: "\ufffd\ufffd" });
    // a cluster name that happens to parse as a GrpcService is not a bare name any more
    assert.deepEqual(parseGrpcService(new TextEncoder().encode("b\u0001x")), { kind: "no_target" });
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x0a, 0x02, 0x0a, 0x00)), { kind: "envoy_grpc", cluster: "", authority: "" });
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x0a, 0x03, 0x0a, 0x01, 0xff)).kind, "bare", "cluster_name must be UTF-8");
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x0b, 0x08, 0x01)).kind, "bare", "an unterminated group");
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x0b, 0x08, 0x01, 0x0c)).kind, "no_target", "a terminated group");
    assert.deepEqual(parseGrpcService(Uint8Array.of(0x0c)).kind, "bare", "an end group without its start");
  });
});
