// baggage-tag on a real Envoy 1.40, started from envoy-examples/baggage-tag/envoy.yaml.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, applyReplacements, type Echo, type Envoy } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { LANES_CONFIG, SCENARIOS } from "../scenarios/baggage-tag.ts";

const EXAMPLE = "envoy-examples/baggage-tag/envoy.yaml";
const COUNTERS = ["tagged", "absent", "rejected", "kept", "propagated", "malformed"] as const;

describe("baggage-tag on Envoy", () => {
  let envoy: Envoy;
  let base: Echo;
  let gray: Echo;

  before(async () => {
    base = await startEcho({ name: "base", port: 0 });
    gray = await startEcho({ name: "gray", port: 0 });
    envoy = await startEnvoy({
      configPath: EXAMPLE,
      concurrency: 2,
      replacements: standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": base.port, "echo-gray": gray.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    base?.close();
    gray?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  async function counters(): Promise<Record<string, number>> {
    const stats = await envoy.stats("wasmcustom\\.baggage_tag\\.");
    return Object.fromEntries(COUNTERS.map((c) => [c, stats.get(`wasmcustom.baggage_tag.${c}`) ?? 0]));
  }

  test("the example runs the configuration the scenarios describe", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "baggage-tag")), LANES_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const before = await counters();
      const res = await request(envoy.port, s.path ?? "/", { headers: s.headers });
      assert.equal(res.status, 200, res.body);
      const seen = res.json<{ upstream: string; headers: Record<string, string | string[]> }>();
      assert.equal(seen.upstream, s.upstream, "lane");
      for (const [name, value] of Object.entries(s.expect)) {
        assert.deepEqual(seen.headers[name] ?? null, value, `upstream header ${name}`);
      }
      const after = await counters();
      for (const [name, delta] of Object.entries(s.counters ?? {})) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }

  test("per-route FilterConfig disables the plugin on /untagged", async () => {
    const res = await request(envoy.port, "/untagged", { headers: [["baggage", "x-mse-tag=gray"]] });
    const seen = res.json<{ upstream: string; headers: Record<string, string> }>();
    assert.equal(seen.upstream, "base");
    assert.equal(seen.headers["x-mse-tag"], undefined);
  });

  test("Higress _rules_ apply only on the matching route name", async () => {
    const port = envoy.listeners.get("rules")!;
    const tagged = await request(port, "/tagged", { headers: [["baggage", "x-mse-tag=gray"]] });
    assert.equal(tagged.json<{ upstream: string }>().upstream, "gray");
    const other = await request(port, "/other", { headers: [["baggage", "x-mse-tag=gray"]] });
    const seen = other.json<{ upstream: string; headers: Record<string, string> }>();
    assert.equal(seen.upstream, "base");
    assert.equal(seen.headers["x-mse-tag"], undefined);
  });

  test("hostile baggage never breaks the VM", async () => {
    const nasty = ["%", "=", ",,,,", ";;;", "x-mse-tag=%FF%FE", "x-mse-tag=" + "a".repeat(9000), "\u00ff=\u00ff", ",".repeat(5000) + "x-mse-tag=gray"];
    for (const value of nasty) {
      const res = await request(envoy.port, "/", { headers: [["baggage", value]] });
      assert.equal(res.status, 200, `baggage ${JSON.stringify(value.slice(0, 40))}`);
    }
    const ok = await request(envoy.port, "/", { headers: [["baggage", "x-mse-tag=gray"]] });
    assert.equal(ok.json<{ upstream: string }>().upstream, "gray");
  });
});

test("an invalid configuration stops Envoy and names the field", async () => {
  const bad = standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": 1, "echo-gray": 1 } });
  bad.push(['"max_length": 16', '"max_length": 0']);
  await assert.rejects(
    startEnvoy({ configPath: EXAMPLE, replacements: bad, readyTimeoutMs: 15000 }),
    (err: Error) => {
      assert.match(err.message, /rules\[1\]\.max_length: must be an integer from 1 to 4096/);
      return true;
    },
  );
});
