// Validating a configuration has no side effects, and a rejected configuration changes nothing:
// proxy_validate_configuration and a refused proxy_on_configure leave shared data, metrics and
// ticks exactly as they were, for every plugin, while an accepted configuration does activate
// (so each check below could fail).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../host/index.ts";
import { buildFixture } from "../fixtures/build.ts";
import { pluginWasm } from "./plugin-wasm.ts";

interface Case {
  plugin: string;
  /** the running configuration */
  running: object;
  /** a different valid configuration whose activation defines metrics or writes shared data */
  other: object;
  /** what activating `other` shows (metric names or shared-data key fragments) */
  activates: { metric?: string; sharedKey?: string };
  invalid: object[];
}

const CASES: Case[] = [
  {
    plugin: "local-rate-limit",
    running: { rules: [{ name: "a", limit: { requests: 5, per: "minute" } }] },
    other: { rules: [{ name: "b", key: { header: "x-k" }, limit: { requests: 5, per: "minute" }, keys: [{ key: "vip", requests: 50, per: "minute" }] }] },
    activates: { metric: "local_rate_limit.b.allowed", sharedKey: "|b|x|vip" },
    invalid: [{ rules: 5 }, { rules: [{ name: "c", limit: { requests: 0 } }] }, { rules: [{ name: "d", limit: { requests: 1 } }], _rules_: [{ _match_route_: ["r"], rules: "x" }] }],
  },
  {
    plugin: "tenant-gray",
    running: { lanes: [{ tag: "gray", tenants: ["acme"] }] },
    other: { lanes: [{ tag: "blue", tenants: ["x"] }], default_tag: "base" },
    activates: { metric: "tenant_gray.lane.blue" },
    invalid: [{ lanes: [{ tag: "bad tag", tenants: ["x"] }] }, { lanes: [{ tag: "ok", tenants: ["x"] }], bogus: 1 }],
  },
  {
    plugin: "tenant-gray",
    running: { lanes: [{ tag: "gray", tenants: ["acme"] }] },
    other: {
      conditionGroups: [{ headerName: "x-mse-tag", headerValue: "green", logic: "and", conditions: [{ conditionType: "header", key: "x-user", operator: "equal", value: ["u1"] }] }],
    },
    activates: { metric: "tenant_gray.lane.green" },
    invalid: [{ conditionGroups: [{ headerName: "x-mse-tag", headerValue: "red", logic: "xor", conditions: [] }] }],
  },
  {
    plugin: "baggage-tag",
    running: { rules: [{ baggage_key: "x-mse-tag" }] },
    other: { rules: [{ baggage_key: "lane", header: "x-lane" }] },
    activates: {},
    invalid: [{ rules: [{ max_length: 0 }] }, { rules: [] }],
  },
];

/** Everything a configuration could change outside the plugin's own memory. */
function snapshot(h: ProxyWasmHost) {
  const shared: Record<string, string> = {};
  for (const key of h.sharedData.keys()) {
    const v = h.getSharedData(key)!;
    shared[key] = `${v.cas}:${Buffer.from(v.bytes).toString("hex")}`;
  }
  return { shared, metrics: h.metrics() };
}

describe("configuration validation has no side effects", () => {
  for (const c of CASES) {
    const name = `${c.plugin} (${Object.keys(c.other)[0]})`;

    test(`${name}: validate accepts or rejects and changes nothing`, () => {
      const h = ProxyWasmHost.create({ wasm: pluginWasm(c.plugin), workers: 2, pluginName: c.plugin, pluginConfig: c.running });
      const before = snapshot(h);
      assert.equal(h.validateConfiguration(c.other), true, "the other configuration is valid");
      for (const bad of c.invalid) assert.equal(h.validateConfiguration(bad), false, JSON.stringify(bad));
      assert.deepEqual(snapshot(h), before);
    });

    test(`${name}: a rejected configuration changes nothing; an accepted one activates`, () => {
      const h = ProxyWasmHost.create({ wasm: pluginWasm(c.plugin), workers: 2, pluginName: c.plugin, pluginConfig: c.running });
      const before = snapshot(h);
      for (const bad of c.invalid) assert.equal(h.reconfigure(bad).ok, false, JSON.stringify(bad));
      assert.deepEqual(snapshot(h), before);
      assert.equal(h.request({}).status, 200, "the running configuration still serves");

      assert.equal(h.reconfigure(c.other).ok, true);
      const after = snapshot(h);
      if (c.activates.metric) {
        assert.equal(before.metrics[c.activates.metric], undefined);
        assert.equal(after.metrics[c.activates.metric], 0, `activation defines ${c.activates.metric}`);
      }
      if (c.activates.sharedKey) {
        const key = c.activates.sharedKey;
        assert.ok(!Object.keys(before.shared).some((k) => k.includes(key)));
        assert.ok(Object.keys(after.shared).some((k) => k.includes(key)), `activation writes a key with ${key}`);
      }
    });
  }

  test("sdk-probe: validating a configuration with a tick sets no tick", async () => {
    const wasm = await buildFixture("sdk-probe");
    const h = ProxyWasmHost.create({ wasm, workers: 1, pluginConfig: { tag: "global" } });
    assert.equal(h.validateConfiguration({ tag: "global", tick_ms: 100 }), true);
    h.advanceTime(1_000);
    assert.equal(h.metric("probe.ticks") ?? 0, 0, "no tick after validate");
    assert.equal(h.reconfigure({ tag: "global", tick_ms: 100 }).ok, true);
    h.advanceTime(1_000);
    assert.ok((h.metric("probe.ticks") ?? 0) >= 9, "ticks once the configuration is taken");
  });
});
