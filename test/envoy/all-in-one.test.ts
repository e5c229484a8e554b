// The four plugins on one real Envoy (two workers), started from envoy-examples/all-in-one/envoy.yaml,
// walked through the gateway's story in order:
//   north-south (listener gateway): jwt-auth -> tenant-gray (tenant from the verified claim header
//   x-jwt-tenant) -> baggage-tag (off there) -> local-rate-limit (per verified consumer);
//   east-west (listener mesh): a token is optional, tenant-gray is off, baggage-tag turns the caller's
//   baggage into the lane; /healthz: every plugin off (Envoy's per-route FilterConfig).
// A client-sent x-jwt-tenant, x-mse-consumer or x-mse-tag never picks a lane or a bucket at the
// gateway; only a verified token does. Last: the gray upstream goes away and gray traffic goes to base.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { grayHealthy } from "./gray-healthy.ts";
import { PRIVATE_JWKS, mint, ordersClaims, partnerClaims, publicJwk } from "../scenarios/jwt-auth.ts";

const EXAMPLE = "envoy-examples/all-in-one/envoy.yaml";
const now = () => Math.floor(Date.now() / 1000);
const ordersToken = (tenant?: string) => mint("ES256", ordersClaims(now(), { tenant }));
const partnerToken = (tenant?: string) => mint("HS256", partnerClaims(now(), { tenant }));

interface Seen { status: number; upstream?: string; headers: Record<string, string | string[]>; response: Record<string, unknown> }

async function send(port: number, path: string, headers: [string, string][]): Promise<Seen> {
  const res = await request(port, path, { headers });
  const body = res.headers["x-echo-upstream"] ? res.json() : { headers: {} };
  return { status: res.status, upstream: body.upstream, headers: body.headers, response: res.headers };
}

test("all-in-one: the example's keys are the public halves of the test keys", () => {
  const config = JSON.parse(exampleConfig(EXAMPLE, "jwt-auth"));
  const keys = config.consumers.flatMap((c: { jwks: { keys: { kid: string }[] } }) => c.jwks.keys);
  assert.equal(keys.length, 3);
  for (const k of keys) assert.deepEqual(k, publicJwk(Object.values(PRIVATE_JWKS).find((p) => p.kid === k.kid)!));
});

describe("all-in-one on Envoy: jwt-auth -> tenant-gray -> baggage-tag -> local-rate-limit", () => {
  let envoy: Envoy;
  let base: Echo;
  let gray: Echo;
  let mesh: number;
  const upstreamCount = () => base.requests.length + gray.requests.length;
  const buckets = async () => {
    const s = await envoy.stats("wasmcustom\\.local_rate_limit\\.");
    return [...s.entries()].filter(([k]) => /\.(allowed|limited)$/.test(k)).map(([k, v]) => `${k}=${v}`).sort();
  };

  before(async () => {
    base = await startEcho({ name: "base", port: 0 });
    gray = await startEcho({ name: "gray", port: 0 });
    envoy = await startEnvoy({
      configPath: EXAMPLE, concurrency: 2,
      replacements: standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": base.port, "echo-gray": gray.port } }),
    });
    mesh = envoy.listeners.get("mesh")!;
    assert.ok(mesh > 0);
    await grayHealthy(envoy);
  });
  after(async () => {
    await envoy?.stop();
    await base?.close();
    await gray?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  test("1. a token for tenant acme lands in gray, the tag carried in baggage upstream", async () => {
    const seen = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("acme")}`]]);
    assert.equal(seen.status, 200);
    assert.equal(seen.upstream, "gray");
    assert.equal(seen.headers["x-mse-consumer"], "orders-app");
    assert.equal(seen.headers["x-jwt-tenant"], "acme");
    assert.equal(seen.headers["x-mse-tag"], "gray");
    assert.equal(seen.headers["baggage"], "x-mse-tag=gray");
    assert.equal(seen.response["x-tenant-lane"], "gray;by=tenants");
    assert.equal(seen.response["x-ratelimit-limit"], "600", "orders-app's own limit (keys)");
    const other = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("hooli")}`]]);
    assert.equal(other.upstream, "base");
    assert.equal(other.headers["x-mse-tag"], undefined);
  });

  test("2. spoofed identity and lane headers without a token: 401, no bucket touched, no upstream reached", async () => {
    const before = await buckets();
    const upstream = upstreamCount();
    const denied = await envoy.stat("wasmcustom.jwt_auth.denied.token_missing");
    for (let i = 0; i < 5; i++) {
      const seen = await send(envoy.port, "/orders", [
        ["x-mse-consumer", "orders-app"], ["x-jwt-tenant", "acme"], ["x-user-id", "alice"],
        ["x-mse-tag", "gray"], ["baggage", "x-mse-tag=gray"],
      ]);
      assert.equal(seen.status, 401);
      assert.equal(seen.response["x-ratelimit-limit"], undefined);
    }
    assert.equal(await envoy.stat("wasmcustom.jwt_auth.denied.token_missing"), denied + 5);
    assert.deepEqual(await buckets(), before, "local-rate-limit counters did not move");
    assert.equal(upstreamCount(), upstream);
    // Where a token is optional (/public), the spoofed headers are removed: base lane, anonymous bucket.
    const anonymous = await send(envoy.port, "/public/x", [
      ["x-mse-consumer", "orders-app"], ["x-jwt-tenant", "acme"], ["x-mse-tag", "gray"], ["baggage", "x-mse-tag=gray"],
    ]);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.upstream, "base");
    assert.equal(anonymous.headers["x-mse-consumer"], undefined);
    assert.equal(anonymous.headers["x-jwt-tenant"], undefined);
    assert.equal(anonymous.headers["x-mse-tag"], undefined);
    assert.equal(anonymous.headers["baggage"], undefined, "tenant-gray (override) removed the client's member");
    assert.equal(anonymous.response["x-tenant-lane"], "base;by=no-tenant");
    assert.equal(anonymous.response["x-ratelimit-limit"], "1000");
    // A token without the claim, next to a spoofed claim header: the claim header is removed.
    const withToken = await send(envoy.port, "/orders", [["x-partner-token", await partnerToken()], ["x-jwt-tenant", "acme"]]);
    assert.equal(withToken.status, 200);
    assert.equal(withToken.headers["x-mse-consumer"], "partner");
    assert.equal(withToken.upstream, "base");
    assert.equal(withToken.headers["x-jwt-tenant"], undefined);
    // A token with the claim, next to a spoofed claim header: the verified claim wins.
    const overridden = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("hooli")}`], ["x-jwt-tenant", "acme"]]);
    assert.equal(overridden.upstream, "base");
    assert.equal(overridden.headers["x-jwt-tenant"], "hooli");
  });

  test("3. a consumer over its limit gets 429, counted in its own bucket whatever it claims to be", async () => {
    // partner: 3 per minute, one of them taken by step 2.
    const token = await partnerToken("acme");
    const upstream = upstreamCount();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await send(envoy.port, "/orders", [["x-partner-token", token], ["x-mse-consumer", "orders-app"]])).status);
    }
    assert.deepEqual(codes, [200, 200, 429]);
    assert.equal(upstreamCount(), upstream + 2, "the limited request never reached an upstream");
    const limited = await send(envoy.port, "/orders", [["x-partner-token", token]]);
    assert.equal(limited.status, 429);
    assert.ok(limited.response["retry-after"]);
    assert.ok((await envoy.stat("wasmcustom.local_rate_limit.per-consumer.limited")) >= 2);
    // orders-app's bucket is its own
    const orders = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("acme")}`]]);
    assert.equal(orders.status, 200);
    assert.equal(orders.upstream, "gray");
  });

  test("4. east-west: baggage x-mse-tag=gray from the calling service routes to gray; at the gateway it does not", async () => {
    for (const h of [["baggage", "x-mse-tag=gray"], ["uberctx-x-mse-tag", "gray"], ["baggage", "other=1, x-mse-tag=gray;p=1"]] as [string, string][]) {
      const seen = await send(mesh, "/inventory", [h, ["x-mse-consumer", "orders-app"]]);
      assert.equal(seen.status, 200, JSON.stringify(h));
      assert.equal(seen.upstream, "gray", JSON.stringify(h));
      assert.equal(seen.headers["x-mse-tag"], "gray");
      assert.equal(seen.headers["x-mse-consumer"], undefined, "identity headers are removed here too");
      assert.equal(seen.response["x-tenant-lane"], undefined, "tenant-gray is off on the mesh routes");
    }
    assert.equal((await send(mesh, "/inventory", [])).upstream, "base");
    assert.equal((await send(mesh, "/inventory", [["baggage", "x-mse-tag=red"]])).upstream, "base", "not an allowed value");
    // A token is optional there; one that is present must verify.
    const token = await send(mesh, "/inventory", [["authorization", `Bearer ${await ordersToken("acme")}`], ["baggage", "x-mse-tag=gray"]]);
    assert.equal(token.headers["x-mse-consumer"], "orders-app");
    assert.equal(token.upstream, "gray");
    assert.equal((await send(mesh, "/inventory", [["authorization", "Bearer not.a.token"]])).status, 401);
    // At the gateway a client's baggage picks no lane (baggage-tag is off there, tenant-gray overrides).
    const edge = await send(envoy.port, "/public/x", [["uberctx-x-mse-tag", "gray"]]);
    assert.equal(edge.upstream, "base");
    assert.equal(edge.headers["x-mse-tag"], undefined);
  });

  test("5. /healthz bypasses every plugin (per-route FilterConfig disabled)", async () => {
    const before = await envoy.stats("^wasmcustom\\.");
    const seen = await send(envoy.port, "/healthz", [["baggage", "x-mse-tag=gray"], ["x-mse-consumer", "someone"]]);
    assert.equal(seen.status, 200, "no token needed");
    assert.equal(seen.upstream, "base");
    assert.equal(seen.headers["x-mse-consumer"], "someone", "jwt-auth did not run: nothing was removed");
    assert.equal(seen.headers["x-mse-tag"], undefined);
    assert.equal(seen.response["x-tenant-lane"], undefined);
    assert.equal(seen.response["x-ratelimit-limit"], undefined);
    assert.deepEqual(await envoy.stats("^wasmcustom\\."), before, "no plugin counted anything");
  });

  // Last: stops the gray upstream.
  test("6. with the gray upstream stopped, gray tenants (and east-west gray calls) are served by base", async () => {
    const acme = await ordersToken("acme");
    assert.equal((await send(envoy.port, "/orders", [["authorization", `Bearer ${acme}`]])).upstream, "gray");
    await gray.close();
    const during: Seen[] = [];
    for (let i = 0; i < 8; i++) {
      during.push(await send(envoy.port, "/orders", [["authorization", `Bearer ${acme}`]]));
      during.push(await send(mesh, "/inventory", [["baggage", "x-mse-tag=gray"]]));
      await sleep(100);
    }
    assert.deepEqual(during.map((s) => s.status), during.map(() => 200), "no request failed while gray went away");
    assert.deepEqual(new Set(during.map((s) => s.upstream)), new Set(["base"]));
    assert.ok(during.every((s) => s.headers["x-mse-tag"] === "gray"), "still tagged for the services behind");
  });
});
