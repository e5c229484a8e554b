// jwt-auth's remote JWKS on a real Envoy with two workers: one fetch serves both, a rotated key is
// picked up through its unknown kid, and with the JWKS server down requests are denied once the
// grace period ends, never allowed.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";

interface Pair { privateKey: KeyObject; publicKey: KeyObject }
const K1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const K2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = (k: Pair, kid: string) => ({ ...k.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
function mint(k: Pair, kid: string): string {
  const input = `${b64({ alg: "RS256", kid, typ: "JWT" })}.${b64({ iss: "https://idp.example.com", sub: "u1", exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createSign("sha256").update(input).sign(k.privateKey).toString("base64url")}`;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The JWKS server: counts its hits; serves `keys`, or 503 while `down`. */
class JwksServer {
  hits = 0;
  keys: object[] = [jwk(K1, "k1")];
  down = false;
  server: Server = createServer((req, res) => {
    this.hits++;
    if (this.down) { res.writeHead(503).end("down"); return; }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: this.keys }));
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    this.port = (this.server.address() as { port: number }).port;
  }
}

describe("jwt-auth remote JWKS on Envoy (two workers)", () => {
  let envoy: Envoy;
  let echo: Echo;
  const jwks = new JwksServer();

  before(async () => {
    await jwks.start();
    echo = await startEcho({ name: "base", port: 0 });
    envoy = await startEnvoy({
      configPath: "test/envoy/fixtures/jwt-auth-remote.yaml",
      concurrency: 2,
      replacements: standardReplacements({ upstreams: { "echo-base": echo.port, "jwks-server": jwks.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    echo?.close();
    jwks.server.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  /** Sends `n` requests at once on separate connections, so both workers take some. */
  const burst = (token: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => request(envoy.port, "/", { headers: [["authorization", `Bearer ${token}`]] })));

  test("one fetch serves both workers", async () => {
    const results = await burst(mint(K1, "k1"), 20);
    for (const r of results) assert.equal(r.status, 200, r.body);
    for (const r of results) assert.equal(JSON.parse(r.body).headers["x-mse-consumer"], "partner");
    assert.equal(jwks.hits, 1, "the JWKS server was asked once");
    assert.equal(await envoy.stat("wasmcustom.jwt_auth.jwks_fetch_success"), 1);
  });

  test("a rotated key is picked up through its unknown kid, by both workers", async () => {
    jwks.keys = [jwk(K1, "k1"), jwk(K2, "k2")];
    const before = jwks.hits;
    await sleep(1100); // refetch_seconds
    const results = await burst(mint(K2, "k2"), 20);
    for (const r of results) assert.equal(r.status, 200, r.body);
    assert.ok(jwks.hits - before <= 2, `at most the rotation fetch and one background refresh (${jwks.hits - before})`);
  });

  test("with the JWKS server down, requests are denied once the grace period ends, never allowed after", async () => {
    jwks.down = true;
    const token = mint(K1, "k1");
    const statuses: number[] = [];
    const started = Date.now();
    // cache_seconds 6 + grace_seconds 3 from the last good fetch: denied by about 10 s from now.
    while (Date.now() - started < 12_000) {
      const r = await request(envoy.port, "/", { headers: [["authorization", `Bearer ${token}`]] });
      statuses.push(r.status);
      if (r.status === 401) {
        assert.equal(r.json<{ error: string }>().error, "jwks_unavailable");
        assert.match(String(r.headers["www-authenticate"]), /error="invalid_token"/);
      }
      await sleep(250);
    }
    const firstDenied = statuses.indexOf(401);
    assert.ok(firstDenied > 0, `passed within the grace period, then denied: ${statuses.join(" ")}`);
    assert.ok(statuses.slice(firstDenied).every((s) => s === 401), `never allowed after the first denial: ${statuses.join(" ")}`);
    assert.ok(await envoy.stat("wasmcustom.jwt_auth.jwks_fetch_failed") > 0);
    const upstreamBefore = echo.requests.length;
    for (const r of await burst(token, 10)) assert.equal(r.status, 401);
    assert.equal(echo.requests.length, upstreamBefore, "the upstream never sees a denied request");
  });
});
