// The identity chain on a real Envoy (two workers), started from envoy-examples/chain/envoy.yaml:
// jwt-auth -> tenant-gray (tenant from the verified claim header x-jwt-tenant) -> local-rate-limit
// (per consumer, x-mse-consumer). A client-sent x-jwt-tenant or x-mse-consumer never picks a lane
// or a bucket; only a verified token does.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { PRIVATE_JWKS, mint, ordersClaims, partnerClaims, publicJwk } from "../scenarios/jwt-auth.ts";

const EXAMPLE = "envoy-examples/chain/envoy.yaml";
const now = () => Math.floor(Date.now() / 1000);
const ordersToken = (tenant?: string) => mint("ES256", ordersClaims(now(), { tenant }));
const partnerToken = (tenant?: string) => mint("HS256", partnerClaims(now(), { tenant }));

interface Seen { status: number; upstream?: string; headers: Record<string, string | string[]>; response: Record<string, unknown> }

async function send(port: number, path: string, headers: [string, string][]): Promise<Seen> {
  const res = await request(port, path, { headers });
  const body = res.headers["x-echo-upstream"] ? res.json() : { headers: {} };
  return { status: res.status, upstream: body.upstream, headers: body.headers, response: res.headers };
}

describe("jwt-auth -> tenant-gray -> local-rate-limit on Envoy", () => {
  let envoy: Envoy;
  let base: Echo;
  let gray: Echo;

  before(async () => {
    base = await startEcho({ name: "base", port: 0 });
    gray = await startEcho({ name: "gray", port: 0 });
    envoy = await startEnvoy({
      configPath: EXAMPLE, concurrency: 2,
      replacements: standardReplacements({ upstreams: { "echo-base": base.port, "echo-gray": gray.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    await base?.close();
    await gray?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  test("the example's keys are the public halves of the test keys", () => {
    const config = JSON.parse(exampleConfig(EXAMPLE, "jwt-auth"));
    const keys = config.consumers.flatMap((c: { jwks: { keys: { kid: string }[] } }) => c.jwks.keys);
    assert.equal(keys.length, 3);
    for (const k of keys) assert.deepEqual(k, publicJwk(Object.values(PRIVATE_JWKS).find((p) => p.kid === k.kid)!));
  });

  test("the verified tenant claim picks the gray lane", async () => {
    const seen = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("acme")}`]]);
    assert.equal(seen.status, 200);
    assert.equal(seen.upstream, "gray");
    assert.equal(seen.headers["x-jwt-tenant"], "acme");
    assert.equal(seen.headers["x-mse-consumer"], "orders-app");
    assert.equal(seen.response["x-tenant-lane"], "gray;by=tenants");
    const other = await send(envoy.port, "/orders", [["authorization", `Bearer ${await ordersToken("hooli")}`]]);
    assert.equal(other.upstream, "base");
  });

  test("a spoofed x-jwt-tenant never reaches a lane: without a token, and next to a token without the claim", async () => {
    const anonymous = await send(envoy.port, "/public/x", [["x-jwt-tenant", "acme"], ["x-mse-tag", "gray"]]);
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.upstream, "base");
    assert.equal(anonymous.headers["x-jwt-tenant"], undefined);
    assert.equal(anonymous.response["x-tenant-lane"], "base;by=no-tenant");
    const withToken = await send(envoy.port, "/orders", [["x-partner-token", await partnerToken()], ["x-jwt-tenant", "acme"]]);
    assert.equal(withToken.status, 200);
    assert.equal(withToken.headers["x-mse-consumer"], "partner");
    assert.equal(withToken.upstream, "base");
    assert.equal(withToken.headers["x-jwt-tenant"], undefined);
    const overridden = await send(envoy.port, "/orders", [["x-partner-token", await partnerToken("hooli")], ["x-jwt-tenant", "acme"]]);
    assert.equal(overridden.upstream, "base");
    assert.equal(overridden.headers["x-jwt-tenant"], "hooli");
    // and a request a token is required for never gets past jwt-auth on a spoofed header alone
    assert.equal((await send(envoy.port, "/orders", [["x-jwt-tenant", "acme"], ["x-mse-consumer", "orders-app"]])).status, 401);
  });
});

describe("jwt-auth -> local-rate-limit on Envoy: buckets per verified consumer", () => {
  test("a spoofed x-mse-consumer never reaches a bucket; the verified consumer's bucket counts its own requests", async (t) => {
    // A fresh Envoy: the buckets (shared data) start full.
    const base = await startEcho({ name: "base", port: 0 });
    const gray = await startEcho({ name: "gray", port: 0 });
    const envoy = await startEnvoy({
      configPath: EXAMPLE, concurrency: 2,
      replacements: standardReplacements({ upstreams: { "echo-base": base.port, "echo-gray": gray.port } }),
    });
    t.after(async () => {
      if (!t.passed) dumpEnvoyLog(envoy, t.name);
      await envoy.stop();
      await base.close();
      await gray.close();
    });
    // Anonymous requests claiming to be orders-app land in the anonymous bucket (1000/minute).
    for (let i = 0; i < 5; i++) {
      const spoofed = await send(envoy.port, "/public/items", [["x-mse-consumer", "orders-app"]]);
      assert.equal(spoofed.status, 200);
      assert.equal(spoofed.headers["x-mse-consumer"], undefined);
      assert.equal(spoofed.response["x-ratelimit-limit"], "1000");
    }
    // orders-app still has all of its 3 requests per minute.
    const token = await ordersToken("hooli");
    const codes: number[] = [];
    const remaining: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      const seen = await send(envoy.port, "/orders", [["authorization", `Bearer ${token}`]]);
      codes.push(seen.status);
      remaining.push(seen.response["x-ratelimit-remaining"]);
    }
    assert.deepEqual(codes, [200, 200, 200, 429], `remaining ${JSON.stringify(remaining)}`);
    assert.deepEqual(remaining.slice(0, 3), ["2", "1", "0"]);
    // The partner, naming itself orders-app next to its own token, is counted as partner: its own bucket.
    const partner = await send(envoy.port, "/orders", [["x-partner-token", await partnerToken()], ["x-mse-consumer", "orders-app"]]);
    assert.equal(partner.status, 200);
    assert.equal(partner.headers["x-mse-consumer"], "partner");
    assert.equal(partner.response["x-ratelimit-limit"], "3");
    assert.equal(partner.response["x-ratelimit-remaining"], "2", "partner's own, full bucket");
    // and orders-app stays limited whatever the client says it is
    const limited = await send(envoy.port, "/orders", [["authorization", `Bearer ${token}`], ["x-mse-consumer", "partner"]]);
    assert.equal(limited.status, 429);
    assert.equal(base.requests.length + gray.requests.length, 5 + 3 + 1, "limited requests never reached an upstream");
  });
});
