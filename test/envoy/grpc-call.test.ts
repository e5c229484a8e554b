// gRPC callouts (proxy_grpc_call, proxy_grpc_stream and friends) on a real Envoy 1.40, through the raw-ABI
// probe plugin (test/fixtures/grpc-probe) and a node:http2 gRPC server (grpc-server.mjs). The event lines
// the plugin records are the facts; test/scenarios/grpc-call.ts holds them, and test/host/grpc.test.ts
// asserts the same lines in the emulator. One Envoy worker (--concurrency 1): every request meets the same
// VM, so token numbers and the root context's status carry over from test to test, in file order.
// Run: node --import tsx --test test/envoy/grpc-call.test.ts
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { dumpEnvoyLog, freePort, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { startGrpc } from "./grpc-server.mjs";
import { buildFixture, FIXTURE_DIR } from "../fixtures/build.ts";
import { EnvoyGrpcMessages } from "../host/index.ts";
import {
  FIRST_CASE_REQUEST_HEADERS, GRPC_CASES, OUTSIDE_REPLY, TOKENS_REPLY, closed, hello, normalize,
} from "../scenarios/grpc-call.ts";

type Grpc = Awaited<ReturnType<typeof startGrpc>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startProbeEnvoy(echo: Echo, grpc: Grpc, extra: { logLevel?: string } = {}): Promise<Envoy> {
  return startEnvoy({
    configPath: "test/envoy/fixtures/grpc-probe.yaml",
    componentLogLevel: "wasm:info",
    ...extra,
    replacements: standardReplacements({
      wasmDir: FIXTURE_DIR,
      upstreams: { "echo-base": echo.port, "grpc-up": grpc.port, "grpc-down": await freePort() },
    }),
  });
}

describe("gRPC callouts on Envoy 1.40 (grpc-probe)", () => {
  let envoy: Envoy;
  let echo: Echo;
  let grpc: Grpc;

  before(async () => {
    await buildFixture("grpc-probe");
    echo = await startEcho({ name: "base", port: 0 });
    grpc = await startGrpc();
    envoy = await startProbeEnvoy(echo, grpc);
  });
  after(async () => {
    await envoy?.stop();
    await grpc?.close();
    await echo?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name, 80); });

  const send = (headers: Record<string, string>, timeoutMs = 10_000) =>
    request(envoy.port, "/", { headers: Object.entries(headers), timeoutMs });
  const report = async () => normalize((await send({ "x-grpc": "report" })).body);

  // first: token numbers on a fresh VM
  test("tokens: one counter per kind and VM (http 4, 8...; calls 5, 9...; streams 6...); misuse codes", async () => {
    const r = await send({ "x-grpc": "tokens" });
    assert.deepEqual(r.body.split("\n"), TOKENS_REPLY);
    await sleep(200);
    assert.deepEqual((await send({ "x-grpc": "report" })).body.split("\n"), [
      "http-response root token=4 headers=some",
      "http-response root token=8 headers=some",
    ], "the cancelled gRPC callouts never call back");
  });

  test("outside the gRPC callbacks: buffer 5 is empty (OK), maps 4/5 absent, status 0", async () => {
    assert.deepEqual(normalize((await send({ "x-grpc": "outside" })).body), OUTSIDE_REPLY(0));
    await report();
  });

  for (const c of GRPC_CASES) {
    test(c.name, async () => {
      const r = await send(c.headers);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(normalize(r.body), c.reply, "the calling request's answer");
      await sleep(c.wait ?? 100);
      assert.deepEqual(await report(), [...c.reply, ...(c.later ?? [])], "every event");
    });
  }

  test("what the gRPC server receives: Envoy's headers around the plugin's metadata, the bare message", () => {
    const first = grpc.calls.find((c) => c.headers["x-dup"] !== undefined)!;
    assert.deepEqual(first.rawHeaders, FIRST_CASE_REQUEST_HEADERS);
    assert.deepEqual(first.messages.map((m) => m.toString()), ["hello"], "no gRPC frame inside the message");
    const big = grpc.calls.find((c) => c.headers["x-resp-size"] === "5000000")!;
    assert.equal(big.messages[0].length, 2_000_000);
    const stream = grpc.calls.find((c) => c.path === "/test.Echo/Stream")!;
    assert.equal(stream.headers["grpc-timeout"], undefined, "streams have no timeout");
    assert.deepEqual(stream.messages.map((m) => m.toString()), ["a", "bb"]);
    const cancelled = grpc.calls.filter((c) => c.headers["x-delay"] === "100");
    for (const c of cancelled) assert.equal(c.answered, false, "a cancelled call is reset upstream");
  });

  test("proxy_get_status reads the root context's status: the code stays, the message does not", async () => {
    await send({ "x-grpc": "call", "x-md": "x-mode=status" });
    const r = await send({ "x-grpc": "call", "x-probe": "status" });
    assert.deepEqual(normalize(r.body), ["call 0 token=T1", ...hello(), "  status 0 code=8 message=", "  effective 0"]);
    assert.deepEqual(normalize((await send({ "x-grpc": "outside" })).body), OUTSIDE_REPLY(8), "a new stream reads the root's code");
    await report();
  });

  test("timeout_ms is honoured: close 14 (not 4) 'upstream request timeout'", async () => {
    const t0 = Date.now();
    const r = await send({ "x-grpc": "call", "x-timeout": "300", "x-md": "x-mode=ok,x-delay=1000" });
    const elapsed = Date.now() - t0;
    assert.deepEqual(normalize(r.body), ["call 0 token=T1", ...closed(14, EnvoyGrpcMessages.timeout)]);
    assert.ok(elapsed >= 280 && elapsed < 950, `closed after ${elapsed} ms`);
    const c = grpc.calls.at(-1)!;
    assert.equal(c.headers["grpc-timeout"], "300m");
    await report();
  });

  test("timeout_ms 0: no timeout in Envoy, but grpc-timeout: 0m goes upstream", async () => {
    const t0 = Date.now();
    const r = await send({ "x-grpc": "call", "x-timeout": "0", "x-md": "x-mode=ok,x-delay=600" });
    assert.ok(Date.now() - t0 >= 580);
    assert.deepEqual(normalize(r.body), ["call 0 token=T1", ...hello(), "  effective 0"]);
    const c = grpc.calls.at(-1)!;
    assert.equal(c.headers["grpc-timeout"], "0m");
    assert.equal(c.headers["x-envoy-expected-rq-timeout-ms"], undefined);
    await report();
  });

  for (const how of ["cancel", "close"] as const) {
    test(`proxy_grpc_${how} from another stream: OK; no callback follows`, async () => {
      const pending = send({ "x-grpc": "call", "x-md": "x-mode=ok,x-delay=300" });
      await sleep(100);
      const events = (await send({ "x-grpc": "report" })).body;
      assert.match(events, /^call 0 token=\d+$/);
      const sent = /token=(\d+)/.exec(events)![1];
      const r = await send({ "x-grpc": how, "x-token": String(sent) });
      assert.deepEqual(r.body.split("\n"), [`${how} 0`, "owner 0"]);
      assert.deepEqual(normalize((await pending).body), ["call 0 token=T1", `${how} 0 from=other`]);
      await sleep(500);
      assert.deepEqual(await report(), [`${how} 0 from=other`], "no on_grpc_receive after the cancel");
      assert.equal(grpc.calls.at(-1)!.answered, false);
    });
  }

  test("client gone while the call is pending: the answer still reaches the root; the stream id is gone (2)", async () => {
    const req = http.request({ host: "127.0.0.1", port: envoy.port, path: "/", headers: { "x-grpc": "call", "x-md": "x-mode=ok,x-delay=300" } });
    req.on("error", () => {});
    req.end();
    await sleep(100);
    req.destroy();
    await sleep(600);
    assert.deepEqual(await report(), [
      "call 0 token=T1",
      "on_log stream",
      "on_done stream",
      "on_delete stream",
      ...hello(),
      "  effective 2",
    ]);
  });

  test("stream: proxy_grpc_cancel inside on_grpc_receive stops every later callback", async () => {
    const req = http.request({
      host: "127.0.0.1", port: envoy.port, path: "/",
      headers: { "x-grpc": "stream", "x-md": "x-mode=stream", "x-send": "a,b", "x-end": "1", "x-probe": "cancel" },
    });
    req.on("error", () => {});
    req.end();
    await sleep(400);
    const events = await report();
    req.destroy();
    assert.deepEqual(events, [
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
    await sleep(100);
    await report();
  });

  test("proxy_http_call to a cluster without endpoint: INTERNAL_FAILURE, token 0 written, no callback", async () => {
    const r = await send({ "x-grpc": "http", "x-http-cluster": "grpc_empty" });
    assert.deepEqual(r.body.split("\n"), ["http 10 token=0"]);
    await sleep(100);
    assert.deepEqual((await send({ "x-grpc": "report" })).body.split("\n"), ["http 10 token=0"]);
  });
});

test("a GrpcService without envoy_grpc or google_grpc (e.g. empty bytes) aborts Envoy 1.40", async () => {
  await buildFixture("grpc-probe");
  const echo = await startEcho({ name: "base", port: 0 });
  const grpc = await startGrpc();
  const envoy = await startProbeEnvoy(echo, grpc);
  try {
    const r = await request(envoy.port, "/", { headers: [["x-grpc", "call"], ["x-target", "empty"]] }).then(
      () => "answered",
      (e: Error) => e.message,
    );
    assert.notEqual(r, "answered");
    await envoy.waitForLog(/panic: unset oneof/, { timeoutMs: 5_000 });
    await sleep(300);
    assert.notEqual(envoy.proc.exitCode ?? envoy.proc.signalCode, null, "Envoy is gone");
  } finally {
    await envoy.stop();
    await grpc.close();
    await echo.close();
  }
});
