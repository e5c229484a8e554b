// Self-test of the proxy-wasm host emulator against a raw-ABI AssemblyScript fixture
// (test/fixtures/raw-abi/index.ts) and a few hand-written WAT modules.
// Run: node --import tsx --test test/host/host.test.ts
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import wabtInit from "wabt";
import {
  buildAssemblyScript,
  FilterHeadersStatus,
  HeaderMap,
  HostCallError,
  HostError,
  LoadError,
  NOT_CALLED,
  parsePairs,
  ProxyWasmHost,
  serializePairs,
  UsageError,
  VmFailedError,
  WasmResult,
  WasmTrapError,
  type HostOptions,
} from "./index.ts";

let fixture: Uint8Array;
let wabt: Awaited<ReturnType<typeof wabtInit>>;

before(async () => {
  fixture = await buildAssemblyScript("test/fixtures/raw-abi/index.ts", { sources: ["test/fixtures/raw-abi"] });
  wabt = await wabtInit();
});

function host(opts: Partial<HostOptions> = {}): ProxyWasmHost {
  return ProxyWasmHost.create({ wasm: fixture, clusters: ["auth_cluster"], vmConfig: "vmcfg", ...opts });
}

function wat(body: string): Uint8Array {
  const text = `(module
    ${body}
    (memory (export "memory") 1))`;
  return wabt.parseWat("t.wat", text).toBinary({}).buffer;
}
const ABI = `(func (export "proxy_abi_version_0_2_1"))`;
const ALLOC = `(func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))`;

describe("loading like Envoy (strict)", () => {
  test("an import Envoy does not provide fails with its name", () => {
    const bytes = wat(`
      (import "env" "abort" (func (param i32 i32 i32 i32)))
      (import "env" "proxy_unknown_thing" (func (param i32) (result i32)))
      ${ABI} ${ALLOC}`);
    assert.throws(
      () => new ProxyWasmHost({ wasm: bytes }),
      (e: Error) => e instanceof LoadError && /env\.abort/.test(e.message) && /env\.proxy_unknown_thing/.test(e.message),
    );
  });

  test("ABI 0.1.0-only imports and wrong import signatures are refused", () => {
    const bytes = wat(`
      (import "env" "proxy_continue_request" (func (result i32)))
      (import "env" "proxy_log" (func (param i32 i32) (result i32)))
      ${ABI} ${ALLOC}`);
    assert.throws(
      () => new ProxyWasmHost({ wasm: bytes }),
      (e: Error) => /proxy_continue_request is ABI 0.1.0-only/.test(e.message) && /bad signature for import env\.proxy_log/.test(e.message),
    );
  });

  test("missing ABI marker, missing allocator and bad callback signatures are refused", () => {
    assert.throws(() => new ProxyWasmHost({ wasm: wat(ALLOC) }), /Missing or unknown Proxy-Wasm ABI version/);
    assert.throws(() => new ProxyWasmHost({ wasm: wat(ABI) }), /missing malloc function/);
    const bad = wat(`${ABI} ${ALLOC} (func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0))`);
    assert.throws(() => new ProxyWasmHost({ wasm: bad }), /Bad function signature for: proxy_on_request_headers/);
  });

  test("host calls Envoy restricts during _initialize fail the start", () => {
    const bytes = wat(`
      (import "env" "proxy_get_log_level" (func $gll (param i32) (result i32)))
      ${ABI} ${ALLOC}
      (func (export "_initialize") (drop (call $gll (i32.const 0))))`);
    const h = new ProxyWasmHost({ wasm: bytes, workers: 1 });
    assert.throws(() => h.start(), (e: Error) => e instanceof HostCallError && /env\.proxy_get_log_level is not allowed during _initialize/.test(e.message));
  });

  test("the AssemblyScript fixture links", () => {
    assert.doesNotThrow(() => new ProxyWasmHost({ wasm: fixture }));
  });
});

describe("startup and configuration", () => {
  test("each worker runs _initialize, on_context_create(1, 0), on_vm_start, on_configure", () => {
    const h = host({ pluginConfig: "tick=1000", logLevel: "debug" });
    assert.equal(h.vms.length, 2);
    for (const vm of h.vms) {
      assert.equal(vm.rootContextId, 1);
      const msgs = vm.logs.map((l) => l.message);
      assert.deepEqual(msgs.slice(0, 4), ["fixture loaded", "root context 1", "vm config: vmcfg", "configure: tick=1000"]);
      assert.equal(vm.tickPeriodMs, 1000);
    }
  });

  test("on_configure returning false is reported, not thrown", () => {
    const h = new ProxyWasmHost({ wasm: fixture, pluginConfig: "a,reject" });
    const r = h.start();
    assert.equal(r.ok, false);
    assert.match(r.reason!, /proxy_on_configure\(1\) returned false/);
    assert.ok(r.logs.some((l) => l.message.includes("invalid configuration: reject flag set") && l.levelName === "error"));
    assert.throws(() => host({ pluginConfig: "reject" }), (e: Error) => e instanceof HostError && /configuration rejected/.test(e.message));
  });

  test("on_vm_start returning false is reported", () => {
    const r = new ProxyWasmHost({ wasm: fixture, vmConfig: "fail-vm-start" }).start();
    assert.equal(r.ok, false);
    assert.match(r.reason!, /proxy_on_vm_start/);
  });

  test("a trap in on_configure is loud", () => {
    assert.throws(() => host({ pluginConfig: "trap-configure" }), (e: Error) => e instanceof WasmTrapError && /proxy_on_configure/.test(e.message));
  });

  test("canary VM runs configure once more (Envoy's config validation)", () => {
    const h = host({ canary: true, pluginConfig: "x" });
    assert.equal(h.findLogs("configure: x").length, 3);
  });

  test("reconfigure creates a new root context; the old one gets on_done/on_delete", () => {
    const h = host({ workers: 1, logLevel: "debug" });
    const r = h.reconfigure("second");
    assert.ok(r.ok);
    const vm = h.vm(0);
    assert.equal(vm.rootContextId, 2);
    assert.ok(h.hasLog("configure: second"));
    assert.ok(h.hasLog("on_done 1") && h.hasLog("on_delete 1"));
    const s = h.request({ headers: { "x-action": "log" } });
    assert.equal(s.rootContextId, 2);
  });
});

describe("logs", () => {
  test("proxy_log levels, stdout/stderr via WASI, level filtering", () => {
    const h = host({ workers: 1 });
    h.clearLogs();
    const s = h.request({ headers: { "x-action": "log" } });
    const logs = h.findLogs(undefined).filter((l) => l.contextId === s.id);
    assert.ok(logs.some((l) => l.message === `hello from context ${s.id} headers=5 eos=1` && l.levelName === "info"));
    // wasi-shim's console.log does one fd_write for the text and one for "\n": Envoy logs both (the
    // second as an empty line once the trailing newline is stripped)
    const stdout = logs.filter((l) => l.source === "stdout");
    assert.deepEqual(stdout.map((l) => [l.message, l.levelName]), [["stdout line", "info"], ["", "info"]]);
    assert.ok(!h.hasLog("debug detail"), "debug is below the default info level");

    const d = host({ workers: 1, logLevel: "debug" });
    d.request({ headers: { "x-action": "log" } });
    assert.ok(d.hasLog("debug detail"));
  });

  test("proxy_get_log_level returns the configured level", () => {
    assert.equal(host().request({ headers: { "x-action": "log-level" } }).requestHeader("x-log-level"), "2");
    assert.equal(host({ logLevel: "warn" }).request({ headers: { "x-action": "log-level" } }).requestHeader("x-log-level"), "3");
  });
});

describe("headers", () => {
  test("get (first value) / add / replace / remove / pairs / size, names lower-cased", () => {
    const h = host();
    const input: [string, string][] = [
      ["X-Action", "headers"],
      ["x-in", "a"],
      ["X-In", "b"],
      ["x-replace", "old"],
      ["x-remove", "1"],
    ];
    const expectedSize = new HeaderMap([...input, [":method", "GET"], [":scheme", "http"], [":authority", "localhost"], [":path", "/"]]).byteSize;
    const s = h.request({ headers: input });
    assert.deepEqual(s.requestHeaderMap.pairs(), [
      [":method", "GET"],
      [":scheme", "http"],
      [":authority", "localhost"],
      [":path", "/"],
      ["x-action", "headers"],
      ["x-in", "a"],
      ["x-in", "b"],
      ["x-out", "a"],
      ["x-replace", "new"],
      ["x-count", "9"],
      ["x-size", String(expectedSize)],
      ["x-missing-status", String(WasmResult.NotFound)],
    ]);
    assert.equal(s.requestHeader("X-OUT"), "a");
    assert.equal(s.routeCacheClears, 6);
  });

  test("request headers are gone in the response phase but readable again in on_log", () => {
    const h = host({ workers: 1 });
    const s = h.request({ headers: { "x-action": "log" } });
    assert.equal(s.responseHeader("x-req-read-status"), String(WasmResult.BadArgument));
    assert.ok(h.hasLog(`on_log ctx=${s.id} action=log`));
  });

  test("empty value: ptr 0, len 0, allocator not called", () => {
    const s = host().request({ headers: { "x-action": "empty", "x-empty": "" } });
    assert.equal(s.requestHeader("x-empty-result"), "0:0:0:0");
  });

  test("malformed pairs become an empty map (Envoy) and the emulator says so", () => {
    const h = host({ workers: 1 });
    const s = h.request({ headers: { "x-action": "badpairs", "x-keep": "1" } });
    assert.deepEqual(s.requestHeaderMap.pairs(), [["x-badpairs-status", "0"]]);
    assert.ok(h.hasLog(/malformed map/, "warn"));
  });
});

describe("header values are bytes", () => {
  const raw = Uint8Array.from([0x61, 0xc0, 0x9c, 0x2c, 0xc3, 0x58, 0xff, 0x20, 0xe4, 0xb8, 0xad]);

  test("what the plugin reads and writes back reaches the upstream byte for byte", () => {
    const s = host().request({ headers: [["x-action", "copy-bytes"], ["x-in", raw], ["x-in", "second"]] });
    assert.equal(s.status, 200);
    assert.deepEqual(s.requestHeaderBytes("x-in"), raw);
    assert.deepEqual(s.requestHeaderBytes("x-copy"), raw);
    assert.deepEqual(s.requestHeaderBytes("x-copy-prop"), Uint8Array.from([...raw, 0x2c, ...Buffer.from("second")]));
    assert.deepEqual(s.requestHeaderMap.getAllBytes("x-in")[1], new Uint8Array(Buffer.from("second")));
    assert.equal(s.requestHeader("x-copy"), "a\ufffd\ufffd,\ufffdX\ufffd \u4e2d", "text accessors decode (lossy)");
  });

  test("names are lower-cased as ASCII only, like Http::LowerCaseString", () => {
    const m = new HeaderMap([[Uint8Array.from([0x58, 0xc3, 0x89]), "v"]]);
    assert.deepEqual(m.bytePairs()[0][0], Uint8Array.from([0x78, 0xc3, 0x89]));
    assert.equal(m.get(Uint8Array.from([0x78, 0xc3, 0x89])), "v");
  });

  test("a value with a byte Envoy's router refuses: 503 from the router, through the plugin's response callbacks", () => {
    for (const code of [0, 1, 8, 10, 11, 13, 31, 127]) {
      const s = host().request({ headers: { "x-action": "write-ctl", "x-code": String(code) } });
      assert.equal(s.status, 503, `byte ${code}`);
      assert.equal(s.localResponse?.details, "filter_removed_required_request_headers{invalid_header_value_for:_x-written}");
      assert.equal(s.localResponse?.bodyText, "invalid header value for: x-written");
      assert.equal(s.requestHeadersForwarded, false, "the upstream never saw the request");
      assert.equal(s.responseHeader("x-fixture-resp"), "1", "the plugin's on_response_headers ran");
    }
  });

  test("HTAB, space and non-ASCII pass the router", () => {
    for (const code of [9, 32, 126, 128, 255]) {
      const s = host().request({ headers: { "x-action": "write-ctl", "x-code": String(code) } });
      assert.equal(s.status, 200, `byte ${code}`);
    }
  });

  test("repeated Cookie lines are joined with \"; \" byte for byte (found by the fuzzer: they were decoded as text)", () => {
    const s = host().request({ headers: [["cookie", raw], ["cookie", "b=2"]] });
    assert.deepEqual(s.requestHeaderMap.getAllBytes("cookie"), [Uint8Array.from([...raw, 0x3b, 0x20, 0x62, 0x3d, 0x32])]);
  });

  test("a client cannot send control bytes (Envoy's codec answers 400): the emulator refuses the request", () => {
    assert.throws(() => host().request({ headers: { "x-in": "a\u0001b" } }), UsageError);
    assert.throws(() => host().request({ headers: [["x-in", Uint8Array.from([0x61, 0x7f])]] }), UsageError);
  });
});

describe("local responses and stream control", () => {
  test("local reply: recorded, status forced to stop, sent through the plugin's response callbacks", () => {
    const h = host();
    const s = h.newHttpStream({ autoComplete: true });
    const raw = s.requestHeaders({ "x-action": "deny" }, { endOfStream: false });
    assert.equal(raw, 0, "the plugin returned Continue");
    assert.equal(s.history[0].status, FilterHeadersStatus.StopAllIterationAndWatermark);
    assert.deepEqual(
      { status: s.localResponse?.status, details: s.localResponse?.details, body: s.localResponse?.bodyText, headers: s.localResponse?.headers, grpc: s.localResponse?.grpcStatus },
      { status: 403, details: "denied_by_fixture", body: "forbidden", headers: [["x-deny", "1"]], grpc: undefined },
    );
    assert.deepEqual(s.responseHeaderMap.pairs(), [
      [":status", "403"],
      ["x-deny", "1"],
      ["content-length", "9"],
      ["content-type", "text/plain"],
      ["x-req-read-status", "2"],
      ["x-fixture-resp", "1"],
    ]);
    assert.deepEqual(s.history.map((r) => r.callback), ["proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_response_body"]);
    assert.equal(s.requestHeadersForwarded, false);
    assert.ok(s.completed);
    assert.throws(() => s.requestBody("late"), UsageError);
  });

  test("local reply from the response phase bypasses the filter (direct reply)", () => {
    const s = host().request({ headers: { "x-action": "resp-deny" } });
    assert.equal(s.localResponse?.status, 502);
    assert.equal(s.localResponse?.direct, true);
    assert.equal(s.status, 502);
    assert.equal(s.forwardedResponseBodyText, "upstream said no");
  });

  test("proxy_close_stream resets the stream", () => {
    const s = host().request({ headers: { "x-action": "close" } });
    assert.ok(s.closed);
    assert.equal(s.responseCodeDetails, "wasm_close_stream");
    assert.ok(s.completed);
  });

  test("body buffering and replacement", () => {
    const h = host();
    const s = h.newHttpStream({ upstream: { body: "ok" }, autoComplete: true });
    assert.equal(s.requestHeaders({ "x-action": "body", ":method": "POST" }), 0);
    assert.equal(s.requestBody("hello ", false), 1);
    assert.equal(s.requestBody("world", true), 0);
    assert.equal(s.forwardedRequestBodyText, "[hello world]");
    assert.ok(h.hasLog("body seen: hello world"));
    assert.equal(s.forwardedResponseBodyText, "ok");
    assert.ok(s.completed);
  });

  test("completion order is on_log, on_done, on_delete", () => {
    const h = host({ workers: 1, logLevel: "debug" });
    const s = h.request({ headers: { "x-action": "log" } });
    const msgs = h.logs.filter((l) => l.contextId === s.id).map((l) => l.message);
    const i = msgs.indexOf(`on_log ctx=${s.id} action=log`);
    assert.deepEqual(msgs.slice(i), [`on_log ctx=${s.id} action=log`, `on_done ${s.id}`, `on_delete ${s.id}`]);
    assert.ok(!h.vm(0).contexts.has(s.id));
  });
});

describe("shared data", () => {
  test("CAS across two VMs: the second writer gets CAS_MISMATCH", () => {
    const h = host();
    assert.equal(h.request({ vm: 0, headers: { "x-action": "cas-read" } }).requestHeader("x-cas-read-status"), String(WasmResult.NotFound));
    assert.equal(h.setSharedData("counter", "0"), WasmResult.Ok);
    const cas0 = h.getSharedData("counter")!.cas;
    const r0 = h.request({ vm: 0, headers: { "x-action": "cas-read" } });
    const r1 = h.request({ vm: 1, headers: { "x-action": "cas-read" } });
    assert.equal(r0.requestHeader("x-cas"), String(cas0));
    assert.equal(r1.requestHeader("x-cas"), String(cas0));
    assert.equal(r1.requestHeader("x-value"), "0");
    const w0 = h.request({ vm: 0, headers: { "x-action": "cas-write", "x-new-value": "1" } });
    const w1 = h.request({ vm: 1, headers: { "x-action": "cas-write", "x-new-value": "1" } });
    assert.equal(w0.requestHeader("x-cas-status"), String(WasmResult.Ok));
    assert.equal(w1.requestHeader("x-cas-status"), String(WasmResult.CasMismatch));
    const after = h.getSharedData("counter")!;
    assert.equal(after.value, "1");
    assert.ok(after.cas > cas0);
    assert.equal(h.setSharedData("counter", "x", cas0), WasmResult.CasMismatch);
    assert.equal(h.setSharedData("counter", "x", 0), WasmResult.Ok);
  });

  test("shared queue: enqueue posts on_queue_ready to the last registrant after the callback", () => {
    const h = host({ pluginConfig: "queue" });
    const s = h.request({ vm: 0, headers: { "x-action": "enqueue" } });
    assert.equal(s.requestHeader("x-enqueue"), "0:0");
    const item = h.findLogs(`queue item: hello from ${s.id}`);
    assert.equal(item.length, 1);
    assert.equal(item[0].vm, 1, "workers register in order; the last registration receives");
  });
});

describe("metrics", () => {
  test("one registry across VMs; counters reject negative deltas; gauges and histograms", () => {
    const h = host();
    const a = h.request({ vm: 0, headers: { "x-action": "metric" } });
    const b = h.request({ vm: 1, headers: { "x-action": "metric" } });
    assert.equal(a.requestHeader("x-hits"), "1");
    assert.equal(b.requestHeader("x-hits"), "2");
    assert.equal(a.requestHeader("x-neg-status"), String(WasmResult.BadArgument));
    assert.equal(a.requestHeader("x-gauge-down-status"), String(WasmResult.Ok));
    assert.equal(a.requestHeader("x-hist-get-status"), String(WasmResult.BadArgument));
    assert.equal(h.metric("fixture_hits"), 2);
    assert.equal(h.metric("wasmcustom.fixture_hits"), 2);
    assert.equal(h.metric("fixture_requests"), 2);
    assert.equal(h.metric("fixture_active"), 6);
    assert.deepEqual(h.histogram("fixture_latency"), [42, 42]);
    assert.equal(h.metric("never_defined"), undefined);
  });
});

describe("clock and ticks", () => {
  test("advanceTime fires proxy_on_tick per elapsed period on every VM, at the due time", () => {
    const h = host({ pluginConfig: "tick=1000" });
    const t0 = h.now;
    h.advanceTime(999);
    assert.equal(h.metric("fixture_ticks"), 0);
    h.advanceTime(1);
    assert.equal(h.metric("fixture_ticks"), 2);
    h.advanceTime(3500);
    assert.equal(h.metric("fixture_ticks"), 8);
    const first = h.findLogs(/^tick 1 on root 1 at/);
    assert.equal(first.length, 2);
    assert.ok(first[0].message.endsWith(` at ${t0 + 1000}`));
    assert.ok(h.hasLog(`tick 4 on root 1 at ${t0 + 4000}`));
    assert.equal(h.now, t0 + 4500);
  });

  test("proxy time and WASI clock follow the emulator clock", () => {
    const h = host();
    const s = h.request({ headers: { "x-action": "time" } });
    assert.equal(s.requestHeader("x-now-ns"), String(BigInt(h.now) * 1_000_000n));
    assert.equal(s.requestHeader("x-date-ms"), String(h.now));
    h.advanceTime(1500);
    assert.equal(h.request({ headers: { "x-action": "time" } }).requestHeader("x-date-ms"), String(h.now));
    h.setWallClock(Date.UTC(2030, 0, 1));
    assert.equal(h.request({ headers: { "x-action": "time" } }).requestHeader("x-date-ms"), String(Date.UTC(2030, 0, 1)));
  });

  test("WASI random_get is deterministic per seed", () => {
    const r = (seed: number) => host({ randomSeed: seed, workers: 1 }).request({ headers: { "x-action": "random" } }).requestHeader("x-random");
    assert.equal(r(7), r(7));
    assert.notEqual(r(7), r(8));
  });
});

describe("http calls", () => {
  test("pending call recorded; response delivered to the ROOT context id; stream resumes", () => {
    const h = host({ workers: 1 });
    const s = h.request({ headers: { "x-action": "httpcall" }, body: "payload", response: { body: "upstream ok" } });
    assert.equal(s.paused, true);
    assert.equal(s.requestPausedAt, "headers");
    assert.throws(() => s.responseHeaders({}), UsageError);
    const calls = h.pendingHttpCalls();
    assert.equal(calls.length, 1);
    const c = calls[0];
    assert.deepEqual(
      { vm: c.vm, token: c.token, root: c.rootContextId, ctx: c.contextId, cluster: c.cluster, method: c.method, path: c.path, authority: c.authority, body: c.bodyText, timeout: c.timeoutMs },
      { vm: 0, token: 4, root: 1, ctx: s.id, cluster: "auth_cluster", method: "POST", path: "/keys", authority: "auth.local", body: "q=1", timeout: 5000 },
    );
    assert.equal(c.headerMap.get("x-from-ctx"), String(s.id));
    assert.equal(c.headerMap.get("content-length"), "3");

    h.respondHttpCall(c, { headers: { "x-k": "v" }, body: "jwks" });
    assert.ok(h.hasLog(`http call response on context 1 token 4 headers=2 body=4`), "root context id, not the stream id");
    assert.ok(s.resumed);
    assert.equal(s.requestHeader("x-call-response-status"), "200");
    assert.equal(s.requestHeader("x-call-body"), "jwks");
    assert.equal(s.forwardedRequestBodyText, "payload", "body held during the pause is delivered on resume");
    assert.equal(s.forwardedResponseBodyText, "upstream ok");
    assert.ok(s.completed);
    assert.equal(h.pendingHttpCalls().length, 0);
  });

  test("tokens are per VM: a bare token pending on two VMs is ambiguous", () => {
    const h = host();
    h.request({ vm: 0, headers: { "x-action": "httpcall" } });
    h.request({ vm: 1, headers: { "x-action": "httpcall" } });
    assert.throws(() => h.respondHttpCall(4), /several VMs/);
    h.respondHttpCall(4, {}, 1);
    assert.deepEqual(h.pendingHttpCalls().map((c) => c.vm), [0]);
  });

  test("failure delivers 0 headers; proxy_get_status says 11 reset", () => {
    const h = host({ workers: 1 });
    const s = h.request({ headers: { "x-action": "httpcall" } });
    h.failHttpCall(h.pendingHttpCalls()[0]);
    assert.equal(s.localResponse?.status, 503);
    assert.equal(s.localResponse?.bodyText, "call failed: 11 reset");
  });

  test("timeout: advanceTime answers with Envoy's 504", () => {
    const h = host({ workers: 1 });
    const s = h.request({ headers: { "x-action": "httpcall", "x-timeout": "100" } });
    h.advanceTime(99);
    assert.equal(h.pendingHttpCalls().length, 1);
    h.advanceTime(1);
    assert.equal(h.pendingHttpCalls().length, 0);
    assert.equal(s.requestHeader("x-call-response-status"), "504");
    assert.equal(s.requestHeader("x-call-body"), "upstream request timeout");
    assert.ok(s.completed);
  });

  test("unknown cluster or missing :path => BAD_ARGUMENT", () => {
    const h = host({ workers: 1 });
    assert.equal(h.request({ headers: { "x-action": "httpcall-bad" } }).requestHeader("x-call-status"), String(WasmResult.BadArgument));
    assert.ok(h.hasLog(/unknown cluster "nope"/));
    assert.equal(h.request({ headers: { "x-action": "httpcall-nopath" } }).requestHeader("x-call-status"), String(WasmResult.BadArgument));
    assert.equal(h.pendingHttpCalls().length, 0);
  });
});

describe("properties", () => {
  test("host and per-stream values, request.headers joined, ints as 8-byte LE, set_property round trip", () => {
    const h = host();
    h.setProperty(["xds", "route_name"], "r1");
    const s = h.request({ headers: [["x-action", "property"], ["x-multi", "a"], ["x-multi", "b"], [":path", "/p?q=1"]] });
    assert.equal(s.requestHeader("x-route"), "r1");
    assert.equal(s.requestHeader("x-multi-joined"), "a,b");
    assert.equal(s.requestHeader("x-port"), "40001");
    assert.equal(s.requestHeader("x-path"), "/p?q=1");
    assert.equal(s.requestHeader("x-state"), "v1");
    assert.equal(s.requestHeader("x-absent"), String(WasmResult.NotFound));
    const t = h.request({ headers: { "x-action": "property" }, properties: { "xds.route_name": "r2" } });
    assert.equal(t.requestHeader("x-route"), "r2");
    assert.equal(host().request({ headers: { "x-action": "property" } }).requestHeader("x-route"), "missing:1");
  });
});

describe("traps", () => {
  test("a trap fails the VM loudly; later calls on it throw; other VMs keep working", () => {
    const h = host();
    assert.throws(
      () => h.request({ vm: 0, headers: { "x-action": "trap" } }),
      (e: Error) => e instanceof WasmTrapError && e.callback === "proxy_on_request_headers" && /unreachable/.test(e.message),
    );
    assert.ok(h.vm(0).failed);
    assert.throws(() => h.request({ vm: 0, headers: { "x-action": "log" } }), VmFailedError);
    assert.equal(h.request({ vm: 1, headers: { "x-action": "log" } }).completed, true);
  });

  test("an AssemblyScript abort shows its message (stderr) and proc_exit does not stop the VM by itself", () => {
    const h = host({ workers: 1 });
    assert.throws(
      () => h.request({ headers: { "x-action": "abort" } }),
      (e: Error) => e instanceof WasmTrapError && /fixture abort/.test(e.message),
    );
    assert.deepEqual(h.vm(0).procExits, [255]);
    const stderr = h.findLogs(/^abort: fixture abort in /);
    assert.equal(stderr.length, 1);
    assert.equal(stderr[0].source, "stderr");
    assert.equal(stderr[0].levelName, "error");
  });

  test("fail_closed policy: 503 wasm_fail_stream for this and later streams", () => {
    const h = host({ workers: 1, onTrap: "fail_closed" });
    const s = h.request({ headers: { "x-action": "trap" } });
    assert.equal(s.localResponse?.status, 503);
    assert.equal(s.localResponse?.details, "wasm_fail_stream");
    const t = h.request({ headers: { "x-action": "log" } });
    assert.equal(t.localResponse?.status, 503);
    const o = host({ workers: 1, onTrap: "fail_open" });
    o.request({ headers: { "x-action": "trap" } });
    assert.equal(o.request({ headers: { "x-action": "log" } }).status, 200);
  });
});

describe("misc host calls", () => {
  test("foreign functions: NOT_FOUND unless registered", () => {
    const h = host();
    assert.equal(h.request({ headers: { "x-action": "foreign", "x-fn": "echo" } }).requestHeader("x-foreign"), "status:1");
    h.registerForeignFunction("echo", (args) => `pong:${new TextDecoder().decode(args)}`);
    assert.equal(h.request({ headers: { "x-action": "foreign", "x-fn": "echo" } }).requestHeader("x-foreign"), "pong:ping");
  });

  test("set_effective_context on an unknown id => BAD_ARGUMENT", () => {
    assert.equal(host().request({ headers: { "x-action": "effective-bad" } }).requestHeader("x-eff-status"), String(WasmResult.BadArgument));
  });

  test("NOT_CALLED when Envoy holds data back (StopAll) and the raw action otherwise", () => {
    const h = host({ workers: 1 });
    const s = h.newHttpStream();
    assert.equal(s.requestHeaders({ "x-action": "pause" }), 1);
    assert.equal(s.requestBody("x"), NOT_CALLED);
    assert.equal(s.paused, true);
  });

  test("allow_on_headers_stop_iteration: StopIteration lets the body reach the plugin", () => {
    const h = host({ workers: 1, allowOnHeadersStopIteration: true });
    const s = h.newHttpStream({ upstream: {}, autoComplete: true });
    assert.equal(s.requestHeaders({ "x-action": "pause" }), 1);
    assert.equal(s.history[0].status, FilterHeadersStatus.StopIteration);
    assert.equal(s.requestBody("x"), 0, "on_request_body was called and continued");
    assert.ok(s.requestForwarded);
    assert.ok(s.completed);
  });

  test("shutdown: on_done then on_delete on every root context", () => {
    const h = host({ logLevel: "debug" });
    h.shutdown();
    assert.equal(h.findLogs("on_done 1").length, 2);
    assert.equal(h.findLogs("on_delete 1").length, 2);
  });

  test("memory does not grow over many requests", () => {
    const h = host({ workers: 1 });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) h.request({ headers: { "x-action": "headers", "x-in": `v${i}` } });
    };
    run(200);
    const pages = h.vm(0).memoryPages;
    run(2000);
    assert.equal(h.vm(0).memoryPages, pages);
    assert.ok(h.vm(0).allocations >= 2200);
  });
});

describe("pairs", () => {
  test("round trip and Envoy's strict parser", () => {
    const pairs: [string, string][] = [["a", "1"], [":path", "/x"], ["", ""]];
    const bytes = serializePairs(pairs);
    assert.deepEqual(parsePairs(bytes).pairs, pairs);
    const trailing = new Uint8Array([...bytes, 0]);
    assert.match(parsePairs(trailing).rejected!, /trailing/);
    const noNul = bytes.slice();
    noNul[noNul.length - 1] = 1;
    assert.match(parsePairs(noNul).rejected!, /NUL/);
    const many = serializePairs(Array.from({ length: 1025 }, (_, i) => [`k${i}`, "v"] as [string, string]));
    assert.match(parsePairs(many).rejected!, /1024/);
    const big = serializePairs([["k", "v".repeat(1024 * 1024)]]);
    assert.match(parsePairs(big).rejected!, /1 MiB/);
    assert.deepEqual(parsePairs(new Uint8Array(0)), { pairs: [] });
  });
});
