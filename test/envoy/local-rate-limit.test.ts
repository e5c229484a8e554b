// local-rate-limit on a real Envoy 1.40 with two workers (--concurrency 2, so two Wasm VMs share
// the buckets through shared data), started from envoy-examples/local-rate-limit/envoy.yaml:
// the scenario table, exactness under concurrent bursts, refill at the configured rate, and a
// side-by-side comparison with Envoy's native local_ratelimit filter at the same limits, and what a
// configuration update (LDS) does to the buckets.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { dumpEnvoyLog, freePort, REPO_ROOT, request, standardReplacements, startEcho, startEnvoy, useEnvoy, type Echo, type Envoy, type Response } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { LIMITS_CONFIG, SCENARIOS } from "../scenarios/local-rate-limit.ts";

const EXAMPLE = "envoy-examples/local-rate-limit/envoy.yaml";

/** `n` requests at once; returns the responses. */
function concurrent(port: number, n: number, path: string, headers: [string, string][] = []): Promise<Response[]> {
  return Promise.all(Array.from({ length: n }, () => request(port, path, { headers })));
}
const admitted = (rs: Response[]) => rs.filter((r) => r.status === 200).length;
function onlyStatuses(rs: Response[], what: string) {
  for (const r of rs) assert.ok(r.status === 200 || r.status === 429, `${what}: unexpected status ${r.status} ${r.body}`);
}

describe("local-rate-limit on Envoy (--concurrency 2)", () => {
  let envoy: Envoy;
  let echo: Echo;

  before(async () => {
    echo = await startEcho({ name: "echo", port: 0 });
    envoy = await startEnvoy({
      configPath: EXAMPLE,
      concurrency: 2,
      replacements: standardReplacements({ listeners: { 10001: 0, 10002: 0 }, upstreams: { echo: echo.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    echo?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  const counter = (stats: Map<string, number>, name: string) => stats.get(`wasmcustom.local_rate_limit.${name}`) ?? 0;

  test("the example runs the configuration the scenarios describe", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "local-rate-limit")), LIMITS_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const before = await envoy.stats("wasmcustom\\.local_rate_limit\\.");
      for (const [i, step] of s.steps.entries()) {
        const res = await request(envoy.port, step.path, { method: step.method ?? "GET", headers: step.headers ?? [] });
        assert.equal(res.status, step.status, `step ${i}: status (${res.body.slice(0, 200)})`);
        for (const [name, value] of Object.entries(step.expect ?? {})) {
          assert.equal(res.headers[name] ?? null, value, `step ${i}: response header ${name}`);
        }
        if (step.body !== undefined) assert.equal(res.body, step.body, `step ${i}: body`);
      }
      const afterStats = await envoy.stats("wasmcustom\\.local_rate_limit\\.");
      for (const [name, delta] of Object.entries(s.counters ?? {})) {
        assert.equal(counter(afterStats, name) - counter(before, name), delta, `counter ${name}`);
      }
    });
  }

  /** Connections each worker accepted so far (summed over listeners). */
  async function workerConnections(): Promise<number[]> {
    const stats = await envoy.stats("\\.worker_[0-9]+\\.downstream_cx_total$");
    const out = [0, 0];
    for (const [name, v] of stats) out[Number(/worker_(\d+)/.exec(name)![1])] += v;
    return out;
  }

  test("20 windows of 50 concurrent requests at 20/minute each admit exactly 20 (1,000 requests, both workers)", async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `gold-window-${i}`);
    const before = await envoy.stats("wasmcustom\\.local_rate_limit\\.per-key\\.");
    const workersBefore = await workerConnections();
    const results = await Promise.all(keys.map((k) => concurrent(envoy.port, 50, "/api/burst", [["x-api-key", k]])));
    const workersAfter = await workerConnections();
    assert.ok(workersAfter[0] > workersBefore[0] && workersAfter[1] > workersBefore[1],
      `both workers served the burst (${workersBefore} -> ${workersAfter})`);
    const perKey = results.map(admitted);
    results.forEach((rs, i) => onlyStatuses(rs, keys[i]));
    const total = perKey.reduce((a, b) => a + b, 0);
    // Allowed error: 1% of the expected 400 (none seen in practice: every window is exact).
    assert.ok(Math.abs(total - 400) <= 4, `admitted ${total} of 1000, expected 400 (per key: ${perKey.join(",")})`);
    assert.deepEqual(perKey, keys.map(() => 20), "every window exact");
    const afterStats = await envoy.stats("wasmcustom\\.local_rate_limit\\.per-key\\.");
    assert.equal(counter(afterStats, "per-key.allowed") - counter(before, "per-key.allowed"), total);
    assert.equal(counter(afterStats, "per-key.limited") - counter(before, "per-key.limited"), 1000 - total);
    assert.equal(counter(afterStats, "per-key.contention"), 0, "no retry loop ran out");
    assert.equal(counter(afterStats, "per-key.error"), 0);
  });

  test("one hot key, 300 concurrent requests from both workers at 20/minute: exactly 20", async () => {
    const rs = await concurrent(envoy.port, 300, "/api/hot", [["x-api-key", "gold-hot"]]);
    onlyStatuses(rs, "hot key");
    assert.equal(admitted(rs), 20);
    const remaining = rs.filter((r) => r.status === 200).map((r) => Number(r.headers["x-ratelimit-remaining"])).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 20 }, (_, i) => i), "each admitted request saw its own token: 0..19 once each");
  });

  test("refill restores capacity at the configured rate (10/second)", async () => {
    const start1 = performance.now();
    const first = await concurrent(envoy.port, 30, "/fast");
    const end1 = performance.now();
    onlyStatuses(first, "first burst");
    assert.equal(admitted(first), 10, "a full bucket holds 10");
    const no = first.find((r) => r.status === 429)!;
    assert.equal(no.headers["retry-after"], "1");
    assert.equal(no.headers["x-ratelimit-limit"], "10");

    await new Promise((r) => setTimeout(r, 450));
    const start2 = performance.now();
    const second = await concurrent(envoy.port, 30, "/fast");
    const end2 = performance.now();
    // The bucket emptied during the first burst and refills at 10 tokens/s until the second.
    const least = Math.floor(((start2 - end1) / 1000) * 10);
    const most = Math.min(10, Math.ceil(((end2 - start1) / 1000) * 10));
    const got = admitted(second);
    assert.ok(got >= least && got <= most, `admitted ${got} after ${(start2 - end1).toFixed(0)}-${(end2 - start1).toFixed(0)} ms, expected ${least}..${most}`);

    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(admitted(await concurrent(envoy.port, 30, "/fast")), 10, "back to capacity after a second, never above");
  });

  test("side by side with Envoy's native local_ratelimit at the same limits: the same admitted counts", async () => {
    const native = envoy.listeners.get("native")!;
    const wasm = envoy.listeners.get("wasm")!;
    const run = async (port: number) => {
      const perKey = await Promise.all(Array.from({ length: 5 }, (_, i) => concurrent(port, 60, "/", [["x-api-key", `side-${i}`]])));
      const noKey = await concurrent(port, 60, "/");
      for (const rs of [...perKey, noKey]) onlyStatuses(rs, `port ${port}`);
      return { perKey: perKey.map(admitted), noKey: admitted(noKey), sample: noKey.find((r) => r.status === 429)! };
    };
    const [n, w] = await Promise.all([run(native), run(wasm)]);
    assert.deepEqual(n.perKey, [20, 20, 20, 20, 20], "native per key");
    assert.deepEqual(w.perKey, n.perKey, "plugin per key = native");
    assert.equal(n.noKey, 20, "native without key");
    assert.equal(w.noKey, n.noKey, "plugin without key = native");
    for (const [who, r] of [["native", n.sample], ["plugin", w.sample]] as const) {
      assert.equal(r.status, 429, who);
      assert.equal(r.body, "local_rate_limited", who);
      assert.equal(r.headers["x-ratelimit-limit"], "20", who);
      assert.equal(r.headers["x-ratelimit-remaining"], "0", who);
    }
    // One token every 3 s at 20/minute, on both.
    await new Promise((r) => setTimeout(r, 3100));
    const [n2, w2] = await Promise.all([concurrent(native, 10, "/", [["x-api-key", "side-0"]]), concurrent(wasm, 10, "/", [["x-api-key", "side-0"]])]);
    assert.equal(admitted(n2), 1, "native refill");
    assert.equal(admitted(w2), admitted(n2), "plugin refill = native");
  });

  test("a gRPC request is rejected the gRPC way: 200 with grpc-status 8 and the body as grpc-message", async () => {
    const headers: [string, string][] = [["content-type", "application/grpc"], ["cookie", "sid=grpc-client"]];
    for (let i = 0; i < 5; i++) assert.equal((await request(envoy.port, "/cart", { method: "POST", headers })).headers["grpc-status"], undefined);
    const r = await request(envoy.port, "/cart", { method: "POST", headers });
    assert.equal(r.status, 200);
    assert.equal(r.headers["grpc-status"], "8");
    assert.equal(r.headers["grpc-message"], "local_rate_limited");
    assert.equal(r.headers["retry-after"], "900");
  });

  test("a flood of 1,000 tenant values (10 x max_keys, both workers) at 3/day does not lock out a new tenant", async () => {
    const stat = async (name: string) => counter(await envoy.stats("wasmcustom\\.local_rate_limit\\.per-tenant\\."), `per-tenant.${name}`);
    const statuses = async (path: string, n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await request(envoy.port, path);
        out.push(`${r.status} ${r.headers["x-ratelimit-remaining"]}`);
      }
      return out;
    };
    const evictionsBefore = await stat("overflow");
    // A tenant that used its 3 requests before the flood.
    assert.deepEqual(await statuses("/search?tenant=flood-steady", 4), ["200 2", "200 1", "200 0", "429 0"]);
    const workersBefore = await workerConnections();
    let admittedFlood = 0;
    for (let from = 0; from < 1000; from += 50) {
      const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => request(envoy.port, `/search?tenant=flood-${from + i}`)));
      onlyStatuses(rs, "flood");
      admittedFlood += admitted(rs);
    }
    const workersAfter = await workerConnections();
    assert.ok(workersAfter[0] > workersBefore[0] && workersAfter[1] > workersBefore[1], `both workers served the flood (${workersBefore} -> ${workersAfter})`);
    // The old design sent every new value to one shared overflow bucket, emptied by the flood: 429 here.
    assert.deepEqual(await statuses("/search?tenant=flood-legit", 4), ["200 2", "200 1", "200 0", "429 0"], "a new tenant gets its full allowance");
    assert.deepEqual(await statuses("/search?tenant=flood-steady", 1), ["429 0"], "an emptied tenant is not handed a fresh bucket by the flood");
    assert.equal(admittedFlood, 1000, "each flood value had its own bucket");
    assert.ok((await stat("overflow")) - evictionsBefore >= 800, "the flood evicted buckets (counted as overflow)");
    assert.equal(await stat("contention"), 0);
    assert.equal(await stat("error"), 0);
  });

  test("at startup the plugin warns about each rule keyed by a value the client chooses", () => {
    const warned = new Set<string>();
    for (const line of envoy.log().split("\n")) {
      const m = /\[warning\]\[wasm\].*\[local-rate-limit\] rule (\S+): its key \((.*?)\) is chosen by the client, and no rule before it limits per client/.exec(line);
      if (m) warned.add(`${m[1]} / ${m[2]}`);
    }
    assert.deepEqual([...warned].sort(), ["compare / header x-api-key", "per-key / header x-api-key", "per-session / cookie sid", "per-tenant / query parameter tenant"]);
  });

  test("hostile keys never break the VMs", async () => {
    const nasty = ["%", "\u00ff\u00fe", "a".repeat(4000), "regexp:(", "gold-" + "0".repeat(3000), ";;;", "=,=,"]; // x3 (query, header, cookie): under the echo server's 16 KiB header limit
    for (const v of nasty) {
      const r = await request(envoy.port, `/api/x?tenant=${encodeURIComponent(v)}`, { headers: [["x-api-key", v], ["cookie", `sid=${v}`]] });
      assert.ok(r.status === 200 || r.status === 429, `status ${r.status} for ${JSON.stringify(v.slice(0, 20))}`);
    }
    const r = await request(envoy.port, "/api/x", { headers: [["x-api-key", "after-hostile"]] });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-ratelimit-remaining"], "4");
  });
});

test("an invalid configuration stops Envoy and names the field", async () => {
  const bad = standardReplacements({ listeners: { 10001: 0, 10002: 0 }, upstreams: { echo: 1 } });
  bad.push(['"limit": {"requests": 3, "per": "day"}', '"limit": {"requests": 3, "per": "week"}']);
  await assert.rejects(
    startEnvoy({ configPath: EXAMPLE, replacements: bad, readyTimeoutMs: 15000 }),
    (err: Error) => {
      assert.match(err.message, /rules\[4\]\.limit\.per: must be one of: second, minute, hour, day/);
      return true;
    },
  );
});

/**
 * Envoy with one listener whose plugin configuration comes from a file (LDS) that `publish` rewrites;
 * `updated(n)` / `rejected(n)` wait for the n-th accepted / rejected update, `remaining()` sends one
 * request and returns "<status> <remaining>/<limit>".
 */
async function reloadHarness(t: Parameters<typeof useEnvoy>[0], first: object) {
  const echo = await startEcho({ name: "echo", port: 0 });
  t.after(() => echo.close());
  const dir = mkdtempSync(join(tmpdir(), "lrl-lds-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  // One listener whose plugin configuration the test rewrites; Envoy watches the file.
  const listener = (config: string, version: number) => `version_info: "${version}"
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: reload
  address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: reload
        route_config:
          name: reload
          virtual_hosts:
          - { name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: echo } }] }
        http_filters:
        - name: local-rate-limit
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: local-rate-limit
              root_id: local-rate-limit
              failure_policy: FAIL_CLOSED
              configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: '${config}' }
              vm_config:
                vm_id: local-rate-limit
                runtime: envoy.wasm.runtime.v8
                code: { local: { filename: ${join(REPO_ROOT, "dist/local-rate-limit.wasm")} } }
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
`;
  // These tests read the buckets through x-ratelimit-* (off by default).
  const publish = (config: object, version: number) => {
    writeFileSync(join(dir, "next.yaml"), listener(JSON.stringify({ ...config, rate_limit_headers: true }), version));
    renameSync(join(dir, "next.yaml"), join(dir, "listeners.yaml")); // atomic, as Envoy's file watch expects
  };
  publish(first, 1);
  const replacements = standardReplacements({ upstreams: { echo: echo.port }, wasmDir: false }).filter(([from]) => !from.includes("10000"));
  replacements.push(["/etc/envoy/lds", dir]);
  const envoy = await useEnvoy(t, { configPath: "test/envoy/fixtures/local-rate-limit-reload.yaml", concurrency: 2, replacements });
  const waitFor = async (stat: string, n: number, what: string) => {
    for (let i = 0; i < 100 && (await envoy.stat(stat)) < n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await envoy.stat(stat), n, what);
  };
  const updated = async (n: number) => {
    await waitFor("listener_manager.lds.update_success", n, "listener update applied");
    await new Promise((r) => setTimeout(r, 200)); // new filter chain on every worker
  };
  const rejected = (n: number) => waitFor("listener_manager.lds.update_rejected", n, "listener update rejected");
  const remaining = async () => {
    const r = await request(port, "/");
    return `${r.status} ${r.headers["x-ratelimit-remaining"]}/${r.headers["x-ratelimit-limit"]}`;
  };
  return { envoy, publish, updated, rejected, remaining };
}

test("a configuration update (LDS) keeps the buckets and converts them to the new limit; a renamed rule starts fresh", async (t) => {
  const { publish, updated, remaining } = await reloadHarness(t, { rules: [{ name: "r", limit: { requests: 5, per: "minute" } }] });
  await updated(1);
  assert.deepEqual([await remaining(), await remaining(), await remaining()], ["200 4/5", "200 3/5", "200 2/5"]);
  publish({ rules: [{ name: "r", limit: { requests: 10, per: "minute" } }] }, 2);
  await updated(2);
  assert.deepEqual([await remaining(), await remaining(), await remaining()], ["200 1/10", "200 0/10", "429 0/10"], "2 tokens carried over");
  publish({ rules: [{ name: "renamed", limit: { requests: 10, per: "minute" } }] }, 3);
  await updated(3);
  assert.equal(await remaining(), "200 9/10", "a renamed rule has new buckets");
});

test("a rejected configuration update (LDS) writes no bucket and defines no metric; the next accepted one starts full", async (t) => {
  const { envoy, publish, updated, rejected, remaining } = await reloadHarness(t, { rules: [{ name: "r", limit: { requests: 1, per: "minute" } }] });
  await updated(1);
  assert.equal(await remaining(), "200 0/1");
  // A valid global part, then an invalid _rules_ entry: the whole configuration is rejected.
  publish({ rules: [{ name: "pending", limit: { requests: 5, per: "minute" } }],
    _rules_: [{ _match_route_: ["x"], rules: [{ name: "bad", limit: { requests: -1 } }] }] }, 2);
  await rejected(1);
  assert.equal(await remaining(), "429 0/1", "the previous configuration still serves");
  assert.deepEqual([...(await envoy.stats("wasmcustom\\.local_rate_limit\\.pending\\.")).keys()], [], "no metric of the rejected configuration");
  // Had the rejected configuration created "pending" (full at 5), 10/minute would carry its 5 tokens over: "200 4/10".
  publish({ rules: [{ name: "pending", limit: { requests: 10, per: "minute" } }] }, 3);
  await updated(2);
  assert.equal(await remaining(), "200 9/10");
});
