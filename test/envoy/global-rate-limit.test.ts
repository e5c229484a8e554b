// global-rate-limit on real processes: Redis + the Rate Limit Service (pinned envoyproxy/ratelimit) + two
// Envoy replicas running envoy-examples/global-rate-limit/envoy.yaml. The same counts as Envoy's native
// filter (test/envoy/rls-native.test.ts): exactly N of 3N requests for one descriptor, whichever replicas
// serve them; lease mode within its bound with fewer calls; RLS stopped or hung -> the failure mode,
// counted, within the timeout.
//
// RLS windows are aligned to the clock: every test uses its own descriptor value, and awayFromWindowEdge()
// keeps a test from starting in the last seconds of a minute.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rawRequest, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Replacement, type Response } from "./envoy.ts";
import { RLS_SERVICE, awayFromWindowEdge, startRedis, startRls, tearDownRig, type Redis, type Rls } from "./rls.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./envoy.ts";
import { CLUSTER_KEY_RATE_LIMIT_BY_HEADER } from "../scenarios/higress-examples.ts";

const EXAMPLE = "envoy-examples/global-rate-limit/envoy.yaml";
const RLS_CONFIG = readFileSync(join(REPO_ROOT, "envoy-examples/global-rate-limit/ratelimit/config.yaml"), "utf8");
/** The example's per-API-key limit (ratelimit/config.yaml) and lease rule (envoy.yaml). */
const N = 10;
const ORDERS_LIMIT = 20;
const LEASE = { tokens: 5, replicas: 2 };

const freshKey = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const minuteOf = (ms: number) => Math.floor(ms / 60_000);
const statuses = (rs: Response[]) => rs.map((r) => r.status);

describe("global-rate-limit -> RLS -> Redis, two Envoy replicas", () => {
  let redis: Redis;
  let rls: Rls;
  let echo: Echo;
  const envoys: Envoy[] = [];
  const replicas = (extra: Replacement[] = []) => standardReplacements({ upstreams: { echo: echo.port }, services: { [RLS_SERVICE]: rls.grpcPort } }).concat(extra);

  before(async () => {
    redis = await startRedis();
    rls = await startRls({ redisPort: redis.port, config: RLS_CONFIG });
    echo = await startEcho({ name: "echo", port: 0 });
    for (let i = 0; i < 2; i++) envoys.push(await startEnvoy({ configPath: EXAMPLE, replacements: replicas(), componentLogLevel: "wasm:info" }));
  });
  tearDownRig(() => ({ envoys, echo, rls, redis }));

  /** `count` requests one after another, request i to envoys[pick(i)]. */
  async function sequence(path: string, headers: Record<string, string>, count: number, pick: (i: number) => number): Promise<Response[]> {
    const started = Date.now();
    const out: Response[] = [];
    for (let i = 0; i < count; i++) out.push(await request(envoys[pick(i)]!.port, path, { headers }));
    assert.equal(minuteOf(Date.now()), minuteOf(started), "the requests straddled a minute boundary (machine stalled?); rerun");
    return out;
  }
  const sum = async (stat: string) => (await Promise.all(envoys.map((e) => e.stat(stat)))).reduce((a, b) => a + b, 0);

  test(`exactly ${N} of ${3 * N} requests alternating between the replicas are admitted, the first ${N}`, async () => {
    await awayFromWindowEdge();
    const key = freshKey("alternate");
    const rs = await sequence("/api/items", { "x-api-key": key }, 3 * N, (i) => i % 2);
    assert.deepEqual(statuses(rs), [...Array(N).fill(200), ...Array(2 * N).fill(429)]);
    const rejected = rs[N]!;
    assert.equal(rejected.headers["x-envoy-ratelimited"], "true");
    assert.equal(rejected.body, "global_rate_limited");
    assert.ok(Number(rejected.headers["retry-after"]) >= 1 && Number(rejected.headers["retry-after"]) <= 60, rejected.headers["retry-after"]);
    assert.equal(rejected.headers["x-ratelimit-limit"], `${N}, ${N};w=60;name="per-api-key"`);
    assert.equal(rs[0]!.headers["x-ratelimit-remaining"], String(N - 1));
    // RLS counted every request, rejected ones too, in one minute window.
    const keys = await redis.keys(`gateway_api_key_${key}_*`);
    assert.equal(keys.length, 1, keys.join(", "));
    assert.equal(await redis.command("GET", keys[0]!), String(3 * N));
  });

  test(`exactly ${N} of ${3 * N} requests on one replica are admitted`, async () => {
    await awayFromWindowEdge();
    const rs = await sequence("/api/items", { "x-api-key": freshKey("single") }, 3 * N, () => 0);
    assert.deepEqual(statuses(rs), [...Array(N).fill(200), ...Array(2 * N).fill(429)]);
  });

  test("a key that is not UTF-8 is limited like any other (sent as %XX: RLS refuses strings that are not UTF-8)", async () => {
    await awayFromWindowEdge();
    const key = Buffer.concat([Buffer.from(freshKey("bytes")), Buffer.from([0xff, 0xfe])]);
    const codes: number[] = [];
    for (let i = 0; i < N + 2; i++) codes.push((await rawRequest(envoys[i % 2]!.port, "/api/items", [["x-api-key", key]])).status);
    assert.deepEqual(codes, [...Array(N).fill(200), 429, 429]);
    assert.equal((await redis.keys(`gateway_api_key_${key.subarray(0, key.length - 2).toString()}%FF%FE_*`)).length, 1);
  });

  test("requests without the key are not limited and make no call", async () => {
    const calls = await sum("wasmcustom.global_rate_limit.calls");
    for (let i = 0; i < 2 * N; i++) assert.equal((await request(envoys[i % 2]!.port, "/api/items")).status, 200);
    assert.equal(await sum("wasmcustom.global_rate_limit.calls"), calls);
  });

  test(`lease mode (tokens ${LEASE.tokens}, replicas ${LEASE.replicas}): at most ${ORDERS_LIMIT}, at least ${ORDERS_LIMIT - LEASE.replicas * (LEASE.tokens - 1)} of ${3 * ORDERS_LIMIT}, with fewer calls`, async () => {
    await awayFromWindowEdge();
    const calls = await sum("wasmcustom.global_rate_limit.calls");
    const hits = await sum("wasmcustom.global_rate_limit.orders.lease_hit");
    const rs = await sequence("/orders", {}, 3 * ORDERS_LIMIT, (i) => i % 2);
    const admitted = rs.filter((r) => r.status === 200).length;
    const made = (await sum("wasmcustom.global_rate_limit.calls")) - calls;
    const leased = (await sum("wasmcustom.global_rate_limit.orders.lease_hit")) - hits;
    console.log(`lease mode: admitted ${admitted} of ${3 * ORDERS_LIMIT}, ${made} calls, ${leased} from leases (${(made / rs.length).toFixed(2)} calls per request)`);
    assert.ok(admitted <= ORDERS_LIMIT, `admitted ${admitted}`);
    assert.ok(admitted >= ORDERS_LIMIT - LEASE.replicas * (LEASE.tokens - 1), `admitted ${admitted}`);
    // leases for the admitted ones, then one call that finds the window over: the rest are rejected locally
    assert.ok(leased > 0 && made <= Math.ceil(ORDERS_LIMIT / LEASE.tokens) + 2 * LEASE.replicas + 2, `${made} calls for ${rs.length} requests`);
    // the admitted ones are the first ones: nothing is admitted after a rejection in the same window
    assert.deepEqual(statuses(rs).slice(0, admitted), Array(admitted).fill(200));
  });

  test("Higress cluster-key-rate-limit form (its README's x-ca-key example, limits sent as overrides): 10 of 30 over two replicas", async () => {
    // The example's route is named "default": a `_rules_` entry for it, as Higress writes matchRules.
    const { redis: _, ...example } = CLUSTER_KEY_RATE_LIMIT_BY_HEADER;
    const rule = { _match_route_: ["default"], cluster: "rls", domain: "gateway", ...example };
    const first = '{"cluster": "rls", "domain": "gateway", "timeout_ms": 200, "failure_mode_deny": false,';
    const higress = await Promise.all([0, 1].map(() => startEnvoy({ configPath: EXAMPLE, replacements: replicas([[first, `${first} "_rules_": [${JSON.stringify(rule)}],`]]) })));
    try {
      await awayFromWindowEdge();
      const rs: Response[] = [];
      for (let i = 0; i < 30; i++) rs.push(await request(higress[i % 2]!.port, "/anything", { headers: { "x-ca-key": "102234" } }));
      assert.deepEqual(statuses(rs), [...Array(10).fill(200), ...Array(20).fill(429)]);
      assert.equal(rs[10]!.body, "Too many requests");
      assert.equal(rs[9]!.headers["x-ratelimit-limit"], "10, 10;w=60");
      assert.equal(rs[9]!.headers["x-ratelimit-remaining"], "0");
      const keys = await redis.keys("gateway_rule_routeA-request-header-limit-rule_header:x-ca-key_102234_*");
      assert.equal(keys.length, 1, "one RLS counter for the value, named by rule_name");
      // a value the non-per item does not list falls to the per item: "abc" matches regexp:^a.* (10 per second)
      const a = await request(higress[0]!.port, "/", { headers: { "x-ca-key": "abc" } });
      assert.equal(a.status, 200);
      assert.equal(a.headers["x-ratelimit-limit"], "10, 10;w=1");
    } finally {
      await Promise.all(higress.map((e) => e.stop()));
    }
  });

  test("RLS hung (SIGSTOP): each request waits at most timeout_ms, then passes (failure_mode_deny false); counted", async () => {
    const errors = await envoys[0]!.stat("wasmcustom.global_rate_limit.error");
    const allowed = await envoys[0]!.stat("wasmcustom.global_rate_limit.failure_mode_allowed");
    await rls.pause();
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const r = await request(envoys[0]!.port, "/api/items", { headers: { "x-api-key": freshKey("hung") } });
        const ms = Date.now() - t0;
        assert.equal(r.status, 200);
        assert.ok(ms >= 190 && ms < 1500, `request ${i} answered after ${ms} ms (timeout_ms 200): ${r.status} ${JSON.stringify(r.headers)}`);
      }
    } finally {
      rls.resume();
    }
    assert.equal(await envoys[0]!.stat("wasmcustom.global_rate_limit.error"), errors + 3);
    assert.equal(await envoys[0]!.stat("wasmcustom.global_rate_limit.failure_mode_allowed"), allowed + 3);
    assert.match(envoys[0]!.log(), /Rate Limit Service: the call failed: gRPC status 14 upstream request timeout/);
  });

  test("RLS stopped: failure_mode_deny true answers 503 at once; restarted, limiting resumes", async () => {
    const deny = await startEnvoy({ configPath: EXAMPLE, replacements: replicas([['"failure_mode_deny": false', '"failure_mode_deny": true']]) });
    try {
      const exited = new Promise((done) => rls.proc.once("exit", done));
      rls.proc.kill("SIGKILL");
      await exited;
      const r = await request(deny.port, "/api/items", { headers: { "x-api-key": freshKey("down") } });
      assert.equal(r.status, 503);
      assert.equal(await deny.stat("wasmcustom.global_rate_limit.failure_mode_denied"), 1);
      const open = await request(envoys[1]!.port, "/api/items", { headers: { "x-api-key": freshKey("down") } });
      assert.equal(open.status, 200, "failure_mode_deny false lets it through");
      await rls.restart();
      await awayFromWindowEdge();
      const key = freshKey("back");
      const rs: Response[] = [];
      for (let i = 0; i < N + 1; i++) rs.push(await request(i % 2 ? deny.port : envoys[0]!.port, "/api/items", { headers: { "x-api-key": key } }));
      assert.deepEqual(statuses(rs), [...Array(N).fill(200), 429]);
    } finally {
      await deny.stop();
    }
  });
});
