// The SDK on a real Envoy, through the test-only sdk-probe plugin: local replies, http calls
// answered to the calling stream, shared data, properties, Higress _rules_, bodies, ticks, metrics.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { dumpEnvoyLog, rawRequest, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { buildFixture, FIXTURE_DIR } from "../fixtures/build.ts";
import { startGrpc } from "./grpc-server.mjs";

describe("SDK on Envoy (sdk-probe)", () => {
  let envoy: Envoy;
  const echos: Echo[] = [];
  let grpc: Awaited<ReturnType<typeof startGrpc>>;

  before(async () => {
    await buildFixture("sdk-probe");
    for (const name of ["base", "gray", "callout"]) echos.push(await startEcho({ name, port: 0 }));
    grpc = await startGrpc();
    envoy = await startEnvoy({
      configPath: "test/envoy/fixtures/sdk-probe.yaml",
      concurrency: 2,
      replacements: standardReplacements({
        wasmDir: FIXTURE_DIR,
        upstreams: { "echo-base": echos[0].port, "echo-gray": echos[1].port, "echo-callout": echos[2].port, "grpc-echo": grpc.port },
      }),
    });
  });
  after(async () => {
    await envoy?.stop();
    for (const e of echos) e.close();
    await grpc?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  const seen = (r: { json<T>(): T }) => r.json<{ upstream: string; headers: Record<string, string> }>();

  test("global config applies and response headers are set", async () => {
    const r = await request(envoy.port, "/");
    assert.equal(seen(r).headers["x-probe-config"], "global");
    assert.equal(r.headers["x-probe-response"], "1");
  });

  test("local reply with status, body and headers", async () => {
    const r = await request(envoy.port, "/", { headers: [["x-probe", "local"]] });
    assert.equal(r.status, 418);
    assert.equal(r.body, "teapot");
    assert.equal(r.headers["x-probe-local"], "1");
  });

  test("http call result reaches the stream that made it, which then continues", async () => {
    const before = echos[2].requests.length;
    const r = await request(envoy.port, "/", { headers: [["x-probe", "call"]] });
    assert.equal(r.status, 200);
    const h = seen(r).headers;
    assert.equal(h["x-callout-status"], "200");
    assert.ok(Number(h["x-callout-bytes"]) > 0);
    assert.equal(echos[2].requests.length, before + 1);
    assert.equal(echos[2].requests.at(-1)!.path, "/callout");
  });

  test("concurrent http calls each resume their own stream", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      request(envoy.port, `/?i=${i}`, { headers: [["x-probe", "call"]] })));
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200);
      const body = r.json<{ path: string; headers: Record<string, string> }>();
      assert.equal(body.path, `/?i=${i}`);
      assert.equal(body.headers["x-callout-status"], "200");
      assert.equal(body.headers["x-callout-path"], `/?i=${i}`, "the request view follows the resumed stream");
    }
  });

  test("gRPC calls: message and metadata reach the server; each answer or failure resumes its own stream", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      request(envoy.port, `/?i=${i}`, { headers: [["x-probe", "grpc"], ["x-probe-message", `m${i}`], ["x-probe-md", `md${i}`], ["x-grpc-mode", i % 3 === 0 ? "status" : "ok"]] })));
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200);
      const h = seen(r).headers;
      if (i % 3 === 0) {
        assert.equal(h["x-grpc-status"], "8");
        assert.equal(h["x-grpc-detail"], "slow down{via_upstream}");
      } else {
        assert.equal(h["x-grpc-status"], "0");
        assert.equal(h["x-grpc-answer"], `re:m${i}`);
      }
      const call = grpc.calls.find((c) => c.messages[0]?.toString() === `m${i}`);
      assert.ok(call, `the server saw m${i}`);
      assert.equal(call!.path, "/probe.Echo/Call");
      assert.equal(call!.headers["x-probe-md"], `md${i}`);
    }
  });

  test("gRPC: a timeout (1000 ms) comes back as status 14; a cancelled call is reset and never answered", async () => {
    const t0 = Date.now();
    const r = await request(envoy.port, "/", { headers: [["x-probe", "grpc"], ["x-probe-message", "late"], ["x-grpc-delay", "1500"]] });
    const ms = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.equal(seen(r).headers["x-grpc-status"], "14");
    assert.match(seen(r).headers["x-grpc-detail"], /^upstream request timeout/);
    assert.ok(ms >= 950 && ms < 1450, `${ms} ms`);
    const c = await request(envoy.port, "/", { headers: [["x-probe", "grpc-cancel"], ["x-probe-message", "cancel-me"], ["x-grpc-delay", "300"]] });
    assert.equal(seen(c).headers["x-grpc-pending"], "0");
    await new Promise((done) => setTimeout(done, 500));
    const call = grpc.calls.find((x) => x.messages[0]?.toString() === "cancel-me");
    assert.ok(call?.aborted, "the server saw the call reset");
    assert.equal(call?.answered, false);
  });

  test("shared data is one counter for all workers (compare-and-swap)", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () =>
      request(envoy.port, "/", { headers: [["x-probe", "shared"]] })));
    const counts = results.map((r) => Number(seen(r).headers["x-shared-count"])).sort((a, b) => a - b);
    const first = counts[0];
    assert.deepEqual(counts, Array.from({ length: 40 }, (_, i) => first + i), "every increment unique and contiguous");
  });

  test("route and cluster names come from xds.* properties", async () => {
    const r = await request(envoy.port, "/", { headers: [["x-probe", "props"]] });
    assert.equal(seen(r).headers["x-route"], "main");
    assert.equal(seen(r).headers["x-cluster"], "base");
  });

  test("_rules_: route, disable, service and domain rules, first match wins", async () => {
    assert.equal(seen(await request(envoy.port, "/ruled")).headers["x-probe-config"], "route");
    const off = await request(envoy.port, "/off");
    assert.equal(seen(off).headers["x-probe-config"], undefined);
    assert.equal(off.headers["x-probe-response"], undefined, "plugin off for the whole stream");
    assert.equal(seen(await request(envoy.port, "/gray")).headers["x-probe-config"], "service");
    assert.equal(seen(await request(envoy.port, "/", { headers: [["host", "api.example.com:8080"]] })).headers["x-probe-config"], "domain");
    assert.equal(seen(await request(envoy.port, "/", { headers: [["host", "example.com"]] })).headers["x-probe-config"], "global");
  });

  test("request body is buffered until the end of stream", async () => {
    const r = await request(envoy.port, "/", { method: "POST", headers: [["x-probe", "body"]], body: "x".repeat(100_000) });
    assert.equal(r.status, 200);
    assert.equal(r.body, "bytes=100000");
  });

  test("request headers are not readable in the response phase (the emulator models this)", async () => {
    const r = await request(envoy.port, "/", { headers: [["x-probe", "late"]] });
    assert.equal(r.headers["x-request-visible"], "no");
  });

  test("HeaderMap.set/add write nothing Envoy would refuse, and say so (no 503, no injected header)", async () => {
    const r = await rawRequest(envoy.port, "/", [["x-probe", "refuse"], ["x-probe-ff", Uint8Array.of(0xff)]]);
    assert.equal(r.status, 200);
    const h = r.json<{ headers: Record<string, string> }>().headers;
    assert.equal(h["x-probe-results"], "refused,refused,written");
    assert.equal(h["x-probe-bad"], undefined);
    assert.equal(h["x-injected"], undefined);
    assert.equal(Buffer.from(h["x-probe-ok"], "latin1").toString("hex"), "610962" + "20ff");
  });

  test("a local reply goes out without the headers Envoy would refuse", async () => {
    const r = await rawRequest(envoy.port, "/", [["x-probe", "refuse-local"]]);
    assert.equal(r.status, 403);
    assert.equal(r.body.toString(), "no");
    assert.equal(r.header("x-a"), undefined);
    assert.equal(r.header("x-bad"), undefined);
  });

  test("ticks fire and metrics are visible in /stats", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const stats = await envoy.stats("wasmcustom\\.probe\\.");
    assert.ok((stats.get("wasmcustom.probe.ticks") ?? 0) > 0, "ticks");
    assert.ok((stats.get("wasmcustom.probe.requests") ?? 0) > 0, "requests");
    assert.equal(stats.get("wasmcustom.probe.last_status"), 200);
  });
});
