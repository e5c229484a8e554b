// The SDK on the emulator, through the sdk-probe fixture: the same behaviours test/envoy/sdk.test.ts
// checks on Envoy, plus what only an emulator can control (failed calls, clock, many workers).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ProxyWasmHost } from "../host/index.ts";
import { buildFixture } from "../fixtures/build.ts";
import { exampleConfig } from "../envoy/example-config.ts";
import { routerRefusal, routerRefuses } from "../scenarios/header-bytes.ts";

const wasm = await buildFixture("sdk-probe");
const CONFIG = exampleConfig("test/envoy/fixtures/sdk-probe.yaml", "sdk-probe");

function host(workers = 2) {
  return ProxyWasmHost.create({ wasm, pluginConfig: CONFIG, workers, clusters: ["callout", "grpc"], properties: { "xds.route_name": "main", "xds.cluster_name": "base" } });
}

describe("SDK on the emulator (sdk-probe)", () => {
  test("global config and response headers", () => {
    const s = host().request({});
    assert.equal(s.requestHeader("x-probe-config"), "global");
    assert.equal(s.responseHeader("x-probe-response"), "1");
  });

  test("local reply", () => {
    const s = host().request({ headers: { "x-probe": "local" } });
    assert.equal(s.localResponse?.status, 418);
    assert.equal(s.localResponse?.bodyText, "teapot");
    assert.deepEqual(s.localResponse?.headers, [["x-probe-local", "1"]]);
    assert.equal(s.localResponse?.details, "probe_teapot");
  });

  test("http calls are answered to the stream that made them, in any order", () => {
    const h = host(1);
    const a = h.request({ headers: { "x-probe": "call", ":path": "/a" } });
    const b = h.request({ headers: { "x-probe": "call", ":path": "/b" } });
    assert.ok(a.paused && b.paused);
    const calls = h.pendingHttpCalls({ cluster: "callout" });
    assert.equal(calls.length, 2);
    assert.equal(calls[0].path, "/callout");
    h.respondHttpCall(calls[1], { status: 204, body: "" });
    h.respondHttpCall(calls[0], { status: 200, body: "hello" });
    assert.equal(b.requestHeader("x-callout-status"), "204");
    assert.equal(b.requestHeader("x-callout-bytes"), "0");
    assert.equal(a.requestHeader("x-callout-status"), "200");
    assert.equal(a.requestHeader("x-callout-bytes"), "5");
    assert.equal(a.requestHeader("x-callout-path"), "/a", "the request view follows the resumed stream");
    assert.equal(b.requestHeader("x-callout-path"), "/b");
    assert.ok(a.resumed && b.resumed);
    assert.equal(h.metric("probe.last_status"), 200);
  });

  test("gRPC calls: message and metadata out, the answer to the stream that made it, in any order", () => {
    const h = host(1);
    const a = h.request({ headers: { "x-probe": "grpc", "x-probe-message": "one", "x-probe-md": "m1", ":path": "/a" } });
    const b = h.request({ headers: { "x-probe": "grpc", "x-probe-message": "two", ":path": "/b" } });
    const calls = h.pendingGrpcCalls({ cluster: "grpc" });
    assert.equal(calls.length, 2);
    assert.equal(calls[0].serviceName, "probe.Echo");
    assert.equal(calls[0].method, "Call");
    assert.equal(Buffer.from(calls[0].message).toString(), "one");
    assert.deepEqual(calls[0].initialMetadata.map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(v).toString()]), [["x-mode", "ok"], ["x-probe-md", "m1"]]);
    h.respondGrpcCall(calls[1], Buffer.from("re:two"));
    h.failGrpcCall(calls[0], 8, "slow down{via_upstream}");
    assert.equal(b.requestHeader("x-grpc-status"), "0");
    assert.equal(b.requestHeader("x-grpc-answer"), "re:two");
    assert.equal(a.requestHeader("x-grpc-status"), "8");
    assert.equal(a.requestHeader("x-grpc-detail"), "slow down{via_upstream}");
    assert.ok(a.resumed && b.resumed);
  });

  test("gRPC: a cancelled call is never answered; a deleted stream's pending call is cancelled", () => {
    const h = host(1);
    const s = h.request({ headers: { "x-probe": "grpc-cancel", "x-probe-message": "x" } });
    assert.equal(s.requestHeader("x-grpc-pending"), "0");
    assert.equal(h.pendingGrpcCalls().length, 0);
    const t = h.request({ headers: { "x-probe": "grpc", "x-probe-message": "y" } });
    const [call] = h.pendingGrpcCalls();
    t.complete();
    assert.equal(h.pendingGrpcCalls().length, 0, "cancelled with the stream");
    assert.ok(call.cancelled);
  });

  test("a failed http call reaches the stream as a failure", () => {
    const h = host(1);
    const s = h.request({ headers: { "x-probe": "call" } });
    h.failHttpCall(h.pendingHttpCalls()[0]);
    assert.equal(s.localResponse?.status, 503);
  });

  test("an unknown cluster is refused at once", () => {
    const h = ProxyWasmHost.create({ wasm, pluginConfig: CONFIG, workers: 1, clusters: [] });
    const s = h.request({ headers: { "x-probe": "call" } });
    assert.equal(s.localResponse?.status, 500);
    assert.match(s.localResponse!.bodyText, /call refused: 2/);
  });

  test("a stream gone before its call returns is ignored", () => {
    const h = host(1);
    const s = h.newHttpStream();
    s.requestHeaders({ "x-probe": "call" }, { endOfStream: true });
    s.complete();
    h.respondHttpCall(h.pendingHttpCalls()[0], { status: 200 });
    assert.equal(h.vm(0).failed, false);
  });

  test("shared data: compare-and-swap across 4 workers counts every request once", () => {
    const h = host(4);
    const counts = Array.from({ length: 100 }, () => Number(h.request({ headers: { "x-probe": "shared" } }).requestHeader("x-shared-count")));
    assert.deepEqual(counts, Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test("route and cluster names: xds.* first, legacy names as fallback", () => {
    const h = host(1);
    const s = h.request({ headers: { "x-probe": "props" } });
    assert.equal(s.requestHeader("x-route"), "main");
    assert.equal(s.requestHeader("x-cluster"), "base");
    const legacy = ProxyWasmHost.create({ wasm, pluginConfig: CONFIG, workers: 1, properties: { route_name: "legacy-route", cluster_name: "outbound|80||svc.ns.svc.cluster.local" } });
    const l = legacy.request({ headers: { "x-probe": "props" } });
    assert.equal(l.requestHeader("x-route"), "legacy-route");
    assert.equal(l.requestHeader("x-cluster"), "outbound|80||svc.ns.svc.cluster.local");
  });

  test("_rules_: route, disable, service and domain", () => {
    const h = host(1);
    const config = (props: Record<string, string>, headers: Record<string, string> = {}) =>
      h.request({ headers, properties: props }).requestHeader("x-probe-config");
    assert.equal(config({ "xds.route_name": "ruled" }), "route");
    assert.equal(config({ "xds.route_name": "route-off" }), undefined);
    assert.equal(config({ "xds.route_name": "x", "xds.cluster_name": "gray" }), "service");
    assert.equal(config({ "xds.route_name": "x" }, { ":authority": "API.Example.com:8080" }), "domain");
    assert.equal(config({ "xds.route_name": "x" }, { ":authority": "example.com" }), "global");
  });

  test("Istio-style service names match by fqdn or fqdn:port", () => {
    const h = ProxyWasmHost.create({
      wasm, workers: 1,
      pluginConfig: JSON.stringify({ tag: "g", _rules_: [{ _match_service_: ["reviews.default.svc.cluster.local:9080"], tag: "port" }, { _match_service_: ["ratings.default.svc.cluster.local"], tag: "fqdn" }] }),
    });
    const tag = (cluster: string) => h.request({ properties: { "xds.cluster_name": cluster } }).requestHeader("x-probe-config");
    assert.equal(tag("outbound|9080|v1|reviews.default.svc.cluster.local"), "port");
    assert.equal(tag("outbound|9090|v1|reviews.default.svc.cluster.local"), "g");
    assert.equal(tag("outbound|80||ratings.default.svc.cluster.local"), "fqdn");
  });

  test("request headers are not readable in the response phase (as on Envoy)", () => {
    const s = host(1).request({ headers: { "x-probe": "late" } });
    assert.equal(s.responseHeader("x-request-visible"), "no");
  });

  test("request body buffered until end of stream", () => {
    const s = host(1).request({ headers: { "x-probe": "body", ":method": "POST" }, body: "x".repeat(100_000) });
    assert.equal(s.localResponse?.bodyText, "bytes=100000");
  });

  test("ticks follow the clock; metrics are shared by workers", () => {
    const h = host(2);
    h.advanceTime(500);
    assert.equal(h.metric("probe.ticks"), 20, "50 ms period x 500 ms x 2 workers");
    h.request({});
    h.request({});
    assert.equal(h.metric("probe.requests"), 2);
  });

  test("raw: the router refuses what Envoy's does (test/envoy/header-bytes.test.ts), the rest passes byte for byte", () => {
    const h = host(1);
    for (let b = 0; b < 256; b++) {
      const value = Uint8Array.of(0x61, b, 0x62);
      const s = h.request({ headers: { "x-probe": "raw", "x-probe-hex": Buffer.from(value).toString("hex") } });
      if (routerRefuses(b)) {
        const refusal = routerRefusal("x-probe-out");
        assert.deepEqual({ status: s.status, body: s.localResponse?.bodyText, details: s.localResponse?.details }, refusal, `byte 0x${b.toString(16)}`);
        assert.equal(s.responseHeader("x-probe-response"), "1", "the refusal went through the plugin's response callback");
      } else {
        assert.equal(s.status, 200, `byte 0x${b.toString(16)}`);
        assert.deepEqual(s.requestHeaderBytes("x-probe-out"), value);
      }
    }
  });

  test("refuse: HeaderMap.set/add write nothing Envoy would refuse, and say so", () => {
    const s = host(1).request({ headers: [["x-probe", "refuse"], ["x-probe-ff", Uint8Array.of(0xff)]] });
    assert.equal(s.status, 200);
    assert.equal(s.requestHeader("x-probe-results"), "refused,refused,written");
    assert.equal(s.requestHeader("x-probe-bad"), undefined);
    assert.deepEqual(s.requestHeaderBytes("x-probe-ok"), Uint8Array.of(0x61, 0x09, 0x62, 0x20, 0xff));
  });

  test("refuse-local: a local reply goes out without the headers Envoy would refuse", () => {
    const s = host(1).request({ headers: { "x-probe": "refuse-local" } });
    assert.equal(s.localResponse?.status, 403);
    assert.deepEqual(s.localResponse?.headers, []);
  });

  test("memory is stable over 20,000 requests with http calls", () => {
    const h = host(1);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const s = h.request({ headers: { "x-probe": i % 2 ? "call" : "shared" } });
        const [call] = h.pendingHttpCalls();
        if (call) h.respondHttpCall(call, { status: 200, body: "ok" });
        assert.ok(s.completed || s.localResponse);
      }
    };
    run(2000);
    const pages = h.vm(0).memoryPages;
    run(20000);
    assert.equal(h.vm(0).memoryPages, pages);
  });
});
