// The anchor for global rate limiting, on real processes: Redis + the Rate Limit Service
// (envoyproxy/ratelimit, pinned in scripts/install-ratelimit.sh) + two Envoy replicas running Envoy's
// NATIVE ratelimit filter (test/envoy/fixtures/native-ratelimit.yaml). Whatever the replicas, exactly N
// of 3N requests for one descriptor are admitted in a window. The global-rate-limit plugin must match it.
// This file also proves the harness in test/envoy/rls.ts (ports, readiness, restart, pause).
//
// RLS windows are aligned to the clock (minute windows start at :00). Every test uses its own descriptor
// value, so no test waits for a window to end, and awayFromWindowEdge() keeps a test from starting in
// the last seconds of a minute, so its requests cannot straddle two windows.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Response } from "./envoy.ts";
import { RLS_SERVICE, awayFromWindowEdge, startRedis, startRls, tearDownRig, type Redis, type Rls } from "./rls.ts";

const FIXTURE = "test/envoy/fixtures/native-ratelimit.yaml";
const N = 5;
const RLS_CONFIG = `
  domain: gateway
  descriptors:
    - key: api_key
      rate_limit:
        name: per-api-key
        unit: minute
        requests_per_unit: ${N}
`;

/** A descriptor value no other test (or earlier run against the same Redis) uses. */
const freshKey = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const minuteOf = (ms: number) => Math.floor(ms / 60_000);

describe("Envoy's native ratelimit filter -> RLS -> Redis, two Envoy replicas", () => {
  let redis: Redis;
  let rls: Rls;
  let echo: Echo;
  const envoys: Envoy[] = [];

  before(async () => {
    redis = await startRedis();
    rls = await startRls({ redisPort: redis.port, config: RLS_CONFIG });
    echo = await startEcho({ name: "echo", port: 0 });
    for (let i = 0; i < 2; i++) {
      envoys.push(await startEnvoy({
        configPath: FIXTURE,
        replacements: standardReplacements({ upstreams: { echo: echo.port }, services: { [RLS_SERVICE]: rls.grpcPort }, wasmDir: false }),
        componentLogLevel: "filter:debug",
      }));
    }
  });
  tearDownRig(() => ({ envoys, echo, rls, redis }));

  /** Sends `count` requests one after another, request i to envoys[pick(i)]; returns the responses. */
  async function sequence(key: string, count: number, pick: (i: number) => number): Promise<Response[]> {
    const started = Date.now();
    const out: Response[] = [];
    for (let i = 0; i < count; i++) out.push(await request(envoys[pick(i)]!.port, "/api", { headers: { "x-api-key": key } }));
    // awayFromWindowEdge() left >= 3 s; if the requests still crossed into the next minute (a machine
    // stalled for seconds), say so instead of failing on the counts.
    assert.equal(minuteOf(Date.now()), minuteOf(started), "the requests straddled a minute boundary (machine stalled?); rerun");
    return out;
  }
  const statuses = (rs: Response[]) => rs.map((r) => r.status);

  test(`exactly ${N} of ${3 * N} requests alternating between the replicas are admitted, the first ${N}`, async () => {
    await awayFromWindowEdge();
    const key = freshKey("alternate");
    const rs = await sequence(key, 3 * N, (i) => i % 2);
    assert.deepEqual(statuses(rs), [...Array(N).fill(200), ...Array(2 * N).fill(429)]);
    // Both replicas answered both ways (N = 5 is odd: replica 1 admits 3, replica 2 admits 2).
    assert.deepEqual(rs.filter((_, i) => i % 2 === 0).map((r) => r.status).slice(0, 3), [200, 200, 200]);
    assert.deepEqual(rs.filter((_, i) => i % 2 === 1).map((r) => r.status).slice(0, 2), [200, 200]);
    // A rejection is Envoy's own 429 (x-envoy-ratelimited), and RLS counts rejected requests too.
    assert.equal(rs[N]!.headers["x-envoy-ratelimited"], "true");
    assert.equal(rs[N]!.headers["x-ratelimit-limit"], `${N}, ${N};w=60;name="per-api-key"`);
    const keys = await redis.keys(`gateway_api_key_${key}_*`);
    assert.equal(keys.length, 1, `one counter per minute window: ${keys.join(", ")}`);
    assert.equal(await redis.command("GET", keys[0]!), String(3 * N));
    const windowStart = Number(keys[0]!.slice(keys[0]!.lastIndexOf("_") + 1));
    assert.equal(windowStart % 60, 0, "minute windows start at :00");
  });

  test(`exactly ${N} of ${3 * N} requests on one replica are admitted`, async () => {
    await awayFromWindowEdge();
    const rs = await sequence(freshKey("single"), 3 * N, () => 0);
    assert.deepEqual(statuses(rs), [...Array(N).fill(200), ...Array(2 * N).fill(429)]);
  });

  test("each descriptor value has its own counter; requests without x-api-key are not limited", async () => {
    await awayFromWindowEdge();
    const [a, b] = [freshKey("a"), freshKey("b")];
    const ra = await sequence(a, N + 1, (i) => i % 2);
    const rb = await sequence(b, N + 1, (i) => (i + 1) % 2);
    assert.deepEqual(statuses(ra), [...Array(N).fill(200), 429]);
    assert.deepEqual(statuses(rb), [...Array(N).fill(200), 429]);
    for (let i = 0; i < 2 * N; i++) assert.equal((await request(envoys[i % 2]!.port, "/free")).status, 200);
  });

  test("harness: RLS /json sees the same counters (hits_addend 0 peeks)", async () => {
    await awayFromWindowEdge();
    const key = freshKey("peek");
    await sequence(key, 2, (i) => i % 2);
    const res = await rls.shouldRateLimit({ domain: "gateway", descriptors: [{ entries: [{ key: "api_key", value: key }], hitsAddend: "0" }] });
    assert.equal(res.overallCode, "OK");
    assert.equal(res.statuses[0].limitRemaining, N - 2);
    assert.deepEqual(res.statuses[0].currentLimit, { name: "per-api-key", requestsPerUnit: N, unit: "MINUTE" });
  });

  test("harness: a paused RLS times out (200 ms) and the filter fails open; resumed, it limits again", async () => {
    await awayFromWindowEdge();
    const key = freshKey("pause");
    // (The filter's stats are charged to the route's upstream cluster, here echo.)
    const before = await envoys[0]!.stat("cluster.echo.ratelimit.failure_mode_allowed");
    await rls.pause();
    try {
      const t0 = Date.now();
      const r = await request(envoys[0]!.port, "/api", { headers: { "x-api-key": key } });
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 >= 190, `answered after ${Date.now() - t0} ms, before the 200 ms RLS timeout`);
    } finally {
      rls.resume();
    }
    assert.equal(await envoys[0]!.stat("cluster.echo.ratelimit.failure_mode_allowed"), before + 1);
    const rs = await sequence(freshKey("resumed"), N + 1, (i) => i % 2);
    assert.deepEqual(statuses(rs), [...Array(N).fill(200), 429]);
  });

  test("harness: restart() keeps RLS's ports (Envoy reconnects) and Redis keeps the counters", async () => {
    await awayFromWindowEdge(60, 8_000);
    const key = freshKey("restart");
    const started = Date.now();
    const first = await sequence(key, N - 1, (i) => i % 2);
    assert.deepEqual(statuses(first), Array(N - 1).fill(200));
    const ports = [rls.grpcPort, rls.httpPort, rls.debugPort];
    await rls.restart();
    assert.deepEqual([rls.grpcPort, rls.httpPort, rls.debugPort], ports);
    // Envoy reconnects to the same port; the budget left is what Redis remembers (one request).
    const rest = await sequence(key, 2, (i) => i % 2);
    assert.deepEqual(statuses(rest), [200, 429]);
    assert.equal(minuteOf(Date.now()), minuteOf(started));
  });
});
