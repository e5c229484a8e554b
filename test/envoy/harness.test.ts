// Proves the integration-test harness (test/envoy/envoy.ts) against the real Envoy, and pins down how
// Envoy 1.40 enables/disables a Wasm filter per route (the envoy-examples rely on it).
// Run: node --import tsx --test test/envoy/harness.test.ts
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  REPO_ROOT,
  applyReplacements,
  findEnvoy,
  freePort,
  request,
  standardReplacements,
  startEnvoy,
  useEcho,
  useEnvoy,
} from "./envoy.ts";

const PROBE_DIR = join(REPO_ROOT, "test/fixtures/probe");

test("findEnvoy finds a Wasm-capable Envoy 1.40 (fails, never skips, when there is none)", async () => {
  const bin = await findEnvoy();
  assert.ok(bin.startsWith("/"), `absolute path expected, got ${bin}`);
  const version = execFileSync(bin, ["--version"], { encoding: "utf8" });
  assert.match(version, /\/1\.(4\d|[5-9]\d)\.\d+\//, version);
  assert.equal(await findEnvoy(), bin, "cached per process");
});

test("freePort returns a bindable port", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
});

test("replacements: every `from` must occur, all occurrences are replaced", () => {
  assert.equal(applyReplacements("a x a", [["a", "b"]]), "b x b");
  assert.throws(() => applyReplacements("a", [["a", "b"], ["zz", "y"]], "f.yaml"), /f\.yaml: replacement text not found[^]*"zz"/);
  const r = standardReplacements({ upstreams: { "echo-base": 1234 }, wasmDir: "/w" });
  assert.deepEqual(r, [
    ["{ address: 0.0.0.0, port_value: 10000 }", "{ address: 127.0.0.1, port_value: 0 }"],
    ["{ address: 0.0.0.0, port_value: 9901 }", "{ address: 127.0.0.1, port_value: 0 }"],
    ["{ address: echo-base, port_value: 8080 }", "{ address: 127.0.0.1, port_value: 1234 }"],
    ["/etc/envoy/wasm/", "/w/"],
  ]);
});

test("passthrough: repeated headers reach the upstream, the probe filter runs, stats parse", async (t) => {
  const echo = await useEcho(t, "echo-base");
  const envoy = await useEnvoy(t, {
    configPath: "test/envoy/fixtures/passthrough.yaml",
    replacements: standardReplacements({ upstreams: { "echo-base": echo.port }, wasmDir: PROBE_DIR }),
  });
  assert.ok(envoy.port > 0 && envoy.adminPort > 0);
  assert.equal(envoy.listeners.get("ingress"), envoy.port);

  const res = await request(envoy.port, "/hello?x=1", {
    headers: [
      ["baggage", "x-mse-tag=gray,k=v"],
      ["baggage", "other=1"],
      ["x-single", "s"],
    ],
  });
  assert.equal(res.status, 200, res.body);
  const seen = res.json();
  assert.equal(seen.upstream, "echo-base");
  assert.equal(seen.method, "GET");
  assert.equal(seen.path, "/hello?x=1");
  assert.deepEqual(seen.headers["baggage"], ["x-mse-tag=gray,k=v", "other=1"], "both baggage instances, in order");
  assert.equal(seen.headers["x-single"], "s");
  assert.equal(seen.headers["x-wasm-probe"], "passthrough", "probe added a request header");
  assert.deepEqual(res.headerValues("x-wasm-probe"), ["passthrough"], "probe added a response header");
  assert.equal(echo.requests.length, 1);

  const stats = await envoy.stats("^(wasm|cluster\\.echo-base)\\.");
  assert.ok((stats.get("wasm.envoy.wasm.runtime.v8.created") ?? 0) >= 1, "a V8 VM was created");
  assert.equal(stats.get("cluster.echo-base.upstream_rq_200"), 1);
  assert.ok(![...stats.keys()].some((k) => !/^(wasm|cluster\.echo-base)\./.test(k)), "filter applied");
  assert.equal(await envoy.stat("cluster.echo-base.upstream_rq_200"), 1);
  assert.equal(await envoy.stat("no.such.stat"), 0);
  assert.match(envoy.log(), /Thread-Local Wasm created/, "wasm:debug component logging is on");
  await envoy.waitForLog(/starting main dispatch loop/);
});

test("Envoys run side by side (no base-id or port clash), with several workers", async (t) => {
  const echo = await useEcho(t, "echo-base");
  const opts = {
    configPath: "test/envoy/fixtures/passthrough.yaml",
    replacements: standardReplacements({ upstreams: { "echo-base": echo.port }, wasmDir: PROBE_DIR }),
    concurrency: 2,
  };
  const [a, b] = await Promise.all([useEnvoy(t, opts), useEnvoy(t, opts)]);
  assert.notEqual(a.port, b.port);
  for (const envoy of [a, b]) {
    const res = await request(envoy.port, "/");
    assert.equal(res.status, 200);
    assert.deepEqual(res.headerValues("x-wasm-probe"), ["passthrough"]);
    // main-thread VM + one per worker (+ the throwaway canary VM that validates the config)
    assert.ok((await envoy.stat("wasm.envoy.wasm.runtime.v8.created")) >= 3);
  }
});

test("startEnvoy throws with Envoy's log when Envoy cannot start", async () => {
  const echo = await startEnvoy({
    configPath: "test/envoy/fixtures/passthrough.yaml",
    replacements: [
      ...standardReplacements({ upstreams: { "echo-base": 1 }, wasmDir: PROBE_DIR }),
      ["runtime: envoy.wasm.runtime.v8", "runtime: envoy.wasm.runtime.nope"],
    ],
  }).then(
    () => assert.fail("should not start"),
    (e: Error) => e,
  );
  assert.match(echo.message, /Envoy exited during startup[^]*--- Envoy log ---[^]*envoy\.wasm\.runtime\.nope/);
});

describe("per-route enable/disable of a Wasm filter (Envoy 1.40)", () => {
  test("FilterConfig{disabled: true} turns a filter off; FilterConfig{config: {}} turns a disabled one on", async (t) => {
    const echo = await useEcho(t, "echo-base");
    const envoy = await useEnvoy(t, {
      configPath: "test/envoy/fixtures/per-route.yaml",
      replacements: standardReplacements({ upstreams: { "echo-base": echo.port }, wasmDir: PROBE_DIR }),
    });
    // Which probe filters ran, as seen by the upstream (request header) and the client (response header).
    const ran = async (path: string, host?: string) => {
      const res = await request(envoy.port, path, { headers: host ? [["host", host]] : [] });
      assert.equal(res.status, 200, `${path}: ${res.body}`);
      const up = res.json().headers["x-wasm-probe"];
      const upstream = up === undefined ? [] : Array.isArray(up) ? up : [up];
      const response = res.headerValues("x-wasm-probe");
      assert.deepEqual([...response].sort(), [...upstream].sort(), `${path}: same filters on request and response`);
      return upstream.sort().join(",");
    };
    assert.equal(await ran("/"), "on", "default route: only the HCM-enabled filter");
    assert.equal(await ran("/disabled"), "", "(a) FilterConfig{disabled: true} on the route");
    assert.equal(await ran("/a"), "a,on", "(b) HCM disabled: true + route FilterConfig{config: {}}");
    assert.equal(await ran("/b"), "b,on");
    assert.equal(await ran("/ab"), "a,b,on", "two instances of one VM, each with its own configuration");
    assert.equal(await ran("/", "quiet.test"), "", "disabled for a whole virtual host");
    assert.equal(await ran("/loud", "quiet.test"), "on", "route FilterConfig{config: {}} re-enables over the vhost");
  });

  for (const [name, perRoute, error] of [
    ["FilterConfig with neither config nor disabled", `{ "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig }`, /Empty route\/virtual host per filter configuration for probe-a filter/],
    ["FilterConfig{disabled: false}", `{ "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: false }`, /Empty route\/virtual host per filter configuration for probe-a filter/],
    ["FilterConfig{config: Wasm}", `{ "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, config: { "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm } }`, /The filter probe-a doesn't support virtual host or route specific configurations/],
    ["a Wasm message directly", `{ "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm }`, /The filter probe-a doesn't support virtual host or route specific configurations/],
  ] as const) {
    test(`rejected at startup: ${name}`, async (t) => {
      const echo = await useEcho(t, "echo-base");
      const err = await startEnvoy({
        configPath: "test/envoy/fixtures/per-route.yaml",
        replacements: [
          ...standardReplacements({ upstreams: { "echo-base": echo.port }, wasmDir: PROBE_DIR }),
          [
            `probe-a: { "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, config: {} }\n              - match: { prefix: "/b" }`,
            `probe-a: ${perRoute}\n              - match: { prefix: "/b" }`,
          ],
        ],
      }).then(
        (e) => e.stop().then(() => assert.fail("Envoy accepted it")),
        (e: Error) => e,
      );
      assert.match(err.message, error);
    });
  }
});
