// jwt-auth on the host emulator: every scenario of the shared table (same configuration as
// envoy-examples/jwt-auth/envoy.yaml), the verified-token cache against the clock, configuration
// defaults and errors, remote JWKS through emulated http calls, and the Higress manifest.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { exampleConfig } from "../envoy/example-config.ts";
import { REPO_ROOT } from "../envoy/envoy.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";
import {
  COUNTERS, EXAMPLE_CONFIG, HOST, ORDERS_JWKS, PARTNER_JWKS, PRIVATE_JWKS, SCENARIOS, expectedCounters, expectedWwwAuthenticate,
  flipSignature, foreignKey, mint, ordersClaims, ordersToken, partnerToken, publicJwk, routeOf, scenarioPath, weakRsaJwk,
  type Scenario,
} from "../scenarios/jwt-auth.ts";

const WASM = pluginWasm("jwt-auth");
const EXAMPLE = "envoy-examples/jwt-auth/envoy.yaml";

function host(config: unknown, opts: { workers?: number; clusters?: string[] } = {}) {
  return ProxyWasmHost.create({
    wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config),
    workers: opts.workers ?? 2, rootId: "jwt-auth", clusters: opts.clusters,
  });
}

/** The configuration is rejected; returns the logged messages. */
function rejects(config: unknown): string {
  const h = new ProxyWasmHost({ wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers: 1, rootId: "jwt-auth" });
  const result = h.start();
  assert.equal(result.ok, false, "configuration should be rejected");
  return result.logs.map((l) => l.message).join("\n");
}

const nowOf = (h: ProxyWasmHost) => Math.floor(h.now / 1000);

/** One request as Envoy hands it to the plugin; `host` becomes :authority. */
function send(h: ProxyWasmHost, path: string, headers: [string, string][] = [], route = routeOf(path), vm?: number): HttpStream {
  const all: [string, string][] = [[":path", path]];
  if (!headers.some(([k]) => k === "host")) all.push([":authority", HOST]);
  for (const [k, v] of headers) all.push([k === "host" ? ":authority" : k, v]);
  return h.request({ headers: all, properties: { "xds.route_name": route }, vm });
}

const bearer = (t: string): [string, string] => ["authorization", `Bearer ${t}`];
const headerOf = (lr: { headers: [string, string][] }, name: string) => lr.headers.find(([k]) => k.toLowerCase() === name)?.[1];

/** Asserts a denial as the client and Envoy's log see it; the request never went upstream. */
function assertDenied(s: HttpStream, status: number, error: string, www: string | null | undefined = undefined) {
  const lr = s.localResponse;
  assert.ok(lr, `expected a ${status} ${error}, the request went upstream (x-mse-consumer: ${s.requestHeader("x-mse-consumer")})`);
  assert.deepEqual([lr.status, JSON.parse(lr.bodyText).error], [status, error], `body: ${lr.bodyText}`);
  assert.equal(typeof JSON.parse(lr.bodyText).message, "string");
  assert.equal(headerOf(lr, "content-type"), "application/json");
  assert.equal(lr.details, `jwt-auth.${error}`, "response code details");
  if (www !== undefined) assert.equal(headerOf(lr, "www-authenticate") ?? null, www, "www-authenticate");
  assert.equal(s.requestForwarded, false, "a refused request never reaches the upstream");
}

function assertPassed(s: HttpStream, consumer: string | null) {
  assert.equal(s.localResponse, undefined, `unexpected local reply: ${s.localResponse?.status} ${s.localResponse?.bodyText}`);
  assert.equal(s.requestForwarded, true);
  assert.equal(s.requestHeader("x-mse-consumer") ?? null, consumer, "x-mse-consumer upstream");
}

export async function runScenario(h: ProxyWasmHost, s: Scenario): Promise<HttpStream> {
  const now = nowOf(h);
  return send(h, await scenarioPath(s, now), await s.headers(now));
}

describe("jwt-auth scenarios (same table as the Envoy tests)", () => {
  const h = host(exampleConfig(EXAMPLE, "jwt-auth"));
  const counters = () => Object.fromEntries(COUNTERS.map((c) => [c, Number(h.metric(`jwt_auth.${c}`) ?? 0)]));

  test("the example's configuration is the scenarios' configuration, with the public halves of the test keys", () => {
    const example = JSON.parse(exampleConfig(EXAMPLE, "jwt-auth"));
    assert.deepEqual(example, EXAMPLE_CONFIG);
    // No private key material in a configuration (oct keys are secrets by nature: only HS keys carry k).
    for (const key of [...ORDERS_JWKS.keys, ...PARTNER_JWKS.keys]) {
      for (const member of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(member in key, false, `${key.kid} has ${member}`);
    }
  });

  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const before = counters();
      const stream = await runScenario(h, s);
      if (s.status === 200) {
        assertPassed(stream, s.consumer ?? null);
        for (const [name, value] of Object.entries(s.upstream ?? {})) {
          assert.equal(stream.requestHeader(name) ?? null, value, `upstream header ${name}`);
        }
        if (s.upstreamPath) assert.equal(stream.requestHeader(":path"), s.upstreamPath);
      } else {
        assertDenied(stream, s.status, s.error!, expectedWwwAuthenticate(s));
      }
      const after = counters();
      for (const [name, delta] of Object.entries(expectedCounters(s))) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }
});

describe("jwt-auth requests", () => {
  test("WWW-Authenticate names the request's host (without port)", async () => {
    const h = host(EXAMPLE_CONFIG);
    const s = send(h, "/orders", [["host", "shop.example.com:8443"]]);
    assertDenied(s, 401, "token_missing", 'Bearer realm="shop.example.com"');
    assertDenied(send(h, "/orders", [["host", "Shop.Example.COM"]]), 401, "token_missing", 'Bearer realm="shop.example.com"');
    assertDenied(send(h, "/orders", [["host", "[::1]:8080"]]), 401, "token_missing", 'Bearer realm="[::1]"');
    // A host that could break out of the quoted string is not echoed.
    assertDenied(send(h, "/orders", [["host", 'a", error="x']]), 401, "token_missing", 'Bearer realm="gateway"');
  });

  test("a verified token is cached per worker; the cache ends with the token's exp", async () => {
    const h = host(EXAMPLE_CONFIG, { workers: 1 });
    const now = nowOf(h);
    const token = await ordersToken(now, "RS256", { exp: now + 120 });
    for (let i = 0; i < 3; i++) assertPassed(send(h, "/orders", [bearer(token)]), "orders-app");
    assert.equal(h.metric("jwt_auth.cache_miss"), 1);
    assert.equal(h.metric("jwt_auth.cache_hit"), 2);
    h.advanceTime(100_000);
    assertPassed(send(h, "/orders", [bearer(token)]), "orders-app");
    // exp + clock skew (60 s) passed: the cached entry must not keep the token alive.
    h.advanceTime(90_000);
    assertDenied(send(h, "/orders", [bearer(token)]), 401, "token_expired");
    assert.equal(h.metric("jwt_auth.allowed"), 4);
  });

  test("allow is checked on every request, cached token or not", async () => {
    const h = host(EXAMPLE_CONFIG, { workers: 1 });
    const token = await partnerToken(nowOf(h));
    assertPassed(send(h, "/orders", [["x-partner-token", token]]), "partner");
    assertDenied(send(h, "/admin", [["x-partner-token", token]]), 403, "consumer_not_allowed");
    assertPassed(send(h, "/orders", [["x-partner-token", token]]), "partner");
    assert.ok((h.metric("jwt_auth.cache_hit") ?? 0) >= 1);
  });

  test("a rejected token never becomes a cache hit", async () => {
    const h = host(EXAMPLE_CONFIG, { workers: 1 });
    const bad = flipSignature(await ordersToken(nowOf(h), "ES256"));
    for (let i = 0; i < 3; i++) assertDenied(send(h, "/orders", [bearer(bad)]), 401, "signature_invalid");
    assert.equal(h.metric("jwt_auth.cache_hit") ?? 0, 0);
  });

  test("token_cache_size 0: every request verifies", async () => {
    const h = host({ ...EXAMPLE_CONFIG, token_cache_size: 0 }, { workers: 1 });
    const token = await ordersToken(nowOf(h));
    for (let i = 0; i < 3; i++) assertPassed(send(h, "/orders", [bearer(token)]), "orders-app");
    assert.equal(h.metric("jwt_auth.cache_hit") ?? 0, 0);
  });

  test("a tiny cache keeps working when tokens outnumber it (oldest out)", async () => {
    const h = host({ ...EXAMPLE_CONFIG, token_cache_size: 2 }, { workers: 1 });
    const tokens = await Promise.all([0, 1, 2, 3].map(() => ordersToken(nowOf(h), "EdDSA")));
    for (let round = 0; round < 3; round++) for (const t of tokens) assertPassed(send(h, "/orders", [bearer(t)]), "orders-app");
    assert.equal(h.metric("jwt_auth.allowed"), 12);
  });

  test("the emulator's clock drives the time checks (iat/nbf/exp around the skew)", async () => {
    const h = host(EXAMPLE_CONFIG);
    const now = nowOf(h);
    assertPassed(send(h, "/", [bearer(await ordersToken(now, "ES256", { nbf: now + 50 }))]), "orders-app");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { nbf: now + 70 }))]), 401, "token_not_yet_valid");
    assertPassed(send(h, "/", [bearer(await ordersToken(now, "ES256", { iat: now + 50 }))]), "orders-app");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { exp: now - 61 }))]), 401, "token_expired");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { nbf: "soon" }))]), 401, "claim_invalid");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { iss: 7 }))]), 401, "claim_invalid");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { aud: ["orders-api", 3] }))]), 401, "claim_invalid");
  });

  test("several consumers: the reason is the one of the consumer that got furthest", async () => {
    // Both consumers read Authorization here: orders-app fails on the signature, partner on the issuer.
    const config = structuredClone(EXAMPLE_CONFIG) as any;
    config.consumers[1].from_headers = [{ name: "authorization", value_prefix: "Bearer " }];
    const h = host(config);
    const now = nowOf(h);
    assertDenied(send(h, "/", [bearer(flipSignature(await ordersToken(now, "ES256")))]), 401, "signature_invalid");
    // Unknown kid at orders-app, wrong issuer at partner: the unknown key is the later stage.
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", {}, { key: await foreignKey("ES256", "gone") }))]), 401, "key_not_found");
    // A partner token verifies for partner even though orders-app, tried first, refuses it.
    assertPassed(send(h, "/", [bearer(await partnerToken(now, "HS384"))]), "partner");
  });

  test("defaults: one consumer, no rules: global auth, token from Authorization: Bearer or ?access_token", async () => {
    const h = host({ consumers: [{ name: "c", jwks: ORDERS_JWKS }] });
    const now = nowOf(h);
    assertDenied(send(h, "/", []), 401, "token_missing");
    assertPassed(send(h, "/", [bearer(await ordersToken(now, "ES256"))]), "c");
    assertPassed(send(h, `/?access_token=${await ordersToken(now, "ES256")}`), "c");
    // issuer and audience are not checked when not configured; exp is required by default
    assertPassed(send(h, "/", [bearer(await ordersToken(now, "ES256", { iss: "anyone", aud: undefined }))]), "c");
    assertDenied(send(h, "/", [bearer(await ordersToken(now, "ES256", { exp: undefined }))]), 401, "expiration_missing");
  });

  test("require_expiration: false accepts a token without exp; max_lifetime_seconds then does not apply", async () => {
    const h = host({ consumers: [{ name: "c", jwks: ORDERS_JWKS, require_expiration: false }] });
    assertPassed(send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256", { exp: undefined }))]), "c");
  });

  test("the from_* defaults apply only when a consumer sets none of them", async () => {
    const h = host({ consumers: [{ name: "c", jwks: ORDERS_JWKS, from_cookies: ["jwt"] }] });
    const token = await ordersToken(nowOf(h));
    assertDenied(send(h, "/", [bearer(token)]), 401, "token_missing");
    assertDenied(send(h, `/?access_token=${token}`), 401, "token_missing");
    assertPassed(send(h, "/", [["cookie", `a=b; jwt=${token}`]]), "c");
  });

  test("global_auth: false without rules: no token needed, spoofed identity still removed", async () => {
    const h = host({ consumers: [EXAMPLE_CONFIG.consumers[0]], global_auth: false });
    const s = send(h, "/", [["x-mse-consumer", "orders-app"], ["x-user-id", "root"]]);
    assertPassed(s, null);
    assert.equal(s.requestHeader("x-user-id"), undefined);
    assert.equal(h.metric("jwt_auth.anonymous"), 1);
    // "pass without a token check": a token is not looked at, so it names no consumer either
    assertPassed(send(h, "/", [bearer(flipSignature(await ordersToken(nowOf(h))))]), null);
    assertPassed(send(h, "/", [bearer(await ordersToken(nowOf(h)))]), null);
    assert.equal(h.metric("jwt_auth.anonymous"), 3);
  });

  test("with _rules_ and no global_auth (Higress): routes outside the rules need no token, rules do", async () => {
    const h = host({ consumers: EXAMPLE_CONFIG.consumers, _rules_: [{ _match_route_: ["admin"], allow: ["orders-app"] }] });
    assertPassed(send(h, "/orders", [["x-mse-consumer", "partner"]]), null);
    assertDenied(send(h, "/admin", []), 401, "token_missing");
    assertPassed(send(h, "/admin", [bearer(await ordersToken(nowOf(h)))]), "orders-app");
  });

  test("allow at the top level; rules by domain", async () => {
    const h = host({ consumers: EXAMPLE_CONFIG.consumers, allow: ["partner"], _rules_: [{ _match_domain_: ["*.internal.example.com"], allow: ["orders-app"] }], global_auth: true });
    const now = nowOf(h);
    assertDenied(send(h, "/", [bearer(await ordersToken(now))]), 403, "consumer_not_allowed");
    assertPassed(send(h, "/", [["x-partner-token", await partnerToken(now)]]), "partner");
    assertPassed(send(h, "/", [["host", "a.internal.example.com"], bearer(await ordersToken(now))], "default"), "orders-app");
  });

  test("override: false cannot keep a client-sent claim header (removed first): the claim is set", async () => {
    const h = host({ consumers: [{ name: "c", jwks: ORDERS_JWKS, claims_to_headers: [{ claim: "sub", header: "x-sub", override: false }] }] });
    const s = send(h, "/", [bearer(await ordersToken(nowOf(h))), ["x-sub", "spoofed"]]);
    assertPassed(s, "c");
    assert.equal(s.requestHeader("x-sub"), "user-42");
  });

  test("max_token_bytes is configurable", async () => {
    const h = host({ ...EXAMPLE_CONFIG, max_token_bytes: 256 });
    const token = await ordersToken(nowOf(h), "ES256");
    assert.ok(token.length > 256);
    assertDenied(send(h, "/", [bearer(token)]), 401, "token_too_large");
  });

  test("metrics: every documented counter exists once the plugin ran", async () => {
    const h = host(EXAMPLE_CONFIG);
    send(h, "/");
    for (const name of [...COUNTERS, "cache_hit", "cache_miss", "jwks_fetch_success", "jwks_fetch_failed"]) {
      assert.notEqual(h.metric(`jwt_auth.${name}`), undefined, name);
    }
  });

  test("x-mse-consumer sent twice, in odd case, is still removed", async () => {
    const h = host(EXAMPLE_CONFIG);
    const s = send(h, "/public", [["X-Mse-Consumer", "a"], ["x-mse-consumer", "b"], ["X-USER-ID", "c"]]);
    assertPassed(s, null);
    assert.deepEqual(s.requestHeaderMap.getAll("x-mse-consumer"), []);
    assert.deepEqual(s.requestHeaderMap.getAll("x-user-id"), []);
  });
});

describe("jwt-auth configuration", () => {
  const C = EXAMPLE_CONFIG.consumers;
  const invalid: [string, unknown, RegExp][] = [
    ["not JSON", "{consumers:", /JSON/],
    ["no consumers", { global_auth: true }, /consumers: .*required/],
    ["empty consumers", { consumers: [] }, /consumers: /],
    ["unknown top-level field", { consumers: C, globalAuth: true }, /globalAuth: unknown field/],
    ["unknown consumer field", { consumers: [{ ...C[0], issuers: ["x"] }] }, /consumers\[0\]\.issuers: unknown field/],
    ["duplicate consumer", { consumers: [C[0], C[1], { ...C[1], name: "orders-app" }] }, /consumers\[2\]\.name: "orders-app" is already a consumer/],
    ["consumer without name", { consumers: [{ jwks: ORDERS_JWKS }] }, /consumers\[0\]\.name/],
    ["consumer without keys", { consumers: [{ name: "a" }] }, /consumers\[0\]/],
    ["allow naming an unknown consumer", { consumers: C, _rules_: [{ _match_route_: ["r"], allow: ["orders-app", "ghost"] }] }, /_rules_\[0\]\.allow\[1\]: "ghost" is not a consumer/],
    ["top-level allow naming an unknown consumer", { consumers: C, allow: ["ghost"] }, /allow\[0\]: "ghost" is not a consumer/],
    ["RSA 1024-bit key", { consumers: [C[0], { name: "weak", jwks: { keys: [weakRsaJwk(1024)] } }] }, /consumers\[1\]\.jwks\.keys\[0\].*1024 bits.*2048/],
    ["JWKS string that is not JSON", { consumers: [{ name: "a", jwks: "{keys" }] }, /consumers\[0\]\.jwks/],
    ["JWKS without keys", { consumers: [{ name: "a", jwks: { keys: [] } }] }, /consumers\[0\]\.jwks/],
    ["EC key on an unsupported curve", { consumers: [{ name: "a", jwks: { keys: [{ kty: "EC", crv: "P-521", x: "AA", y: "AA" }] } }] }, /consumers\[0\]\.jwks\.keys\[0\]/],
    ["EC point not on the curve", { consumers: [{ name: "a", jwks: { keys: [{ ...publicJwk(PRIVATE_JWKS.ES256), y: publicJwk(PRIVATE_JWKS.ES256).x }] } }] }, /consumers\[0\]\.jwks\.keys\[0\]/],
    ["key alg unsupported", { consumers: [{ name: "a", jwks: { keys: [{ ...publicJwk(PRIVATE_JWKS.ES256), alg: "ES512" }] } }] }, /consumers\[0\]\.jwks\.keys\[0\]/],
    ["key alg of another key type", { consumers: [{ name: "a", jwks: { keys: [{ ...publicJwk(PRIVATE_JWKS.ES256), alg: "RS256" }] } }] }, /consumers\[0\]\.jwks\.keys\[0\]/],
    ["5,000 duplicate claim headers (rejected, not out of memory)", { consumers: [{ ...C[0], claims_to_headers: Array(5000).fill({ claim: "sub", header: "x-user-id" }) }] }, /consumers\[0\]\.claims_to_headers\[1\]\.header: "x-user-id" is already mapped.*and \d+ more/],
    ["HMAC key shorter than 32 bytes", { consumers: [{ name: "a", jwks: { keys: [{ kty: "oct", kid: "short", k: Buffer.from("hunter2").toString("base64url") }] } }] }, /consumers\[0\]\.jwks: HMAC key "short" has 7 bytes, at least 32/],
    ["a key with private material", { consumers: [{ name: "a", jwks: { keys: [PRIVATE_JWKS.ES256] } }] }, /consumers\[0\]\.jwks\.keys\[0\].*private key material \("d"\)/],
    ["max_token_bytes too small", { consumers: C, max_token_bytes: 100 }, /max_token_bytes/],
    ["clock_skew_seconds out of range", { consumers: [{ ...C[0], clock_skew_seconds: 601 }] }, /consumers\[0\]\.clock_skew_seconds/],
    ["claims_to_headers into x-mse-consumer", { consumers: [{ ...C[0], claims_to_headers: [{ claim: "sub", header: "x-mse-consumer" }] }] }, /consumers\[0\]\.claims_to_headers\[0\]\.header/],
    ["claims_to_headers header not a token", { consumers: [{ ...C[0], claims_to_headers: [{ claim: "sub", header: "x user" }] }] }, /consumers\[0\]\.claims_to_headers\[0\]\.header/],
    ["claims with an object value", { consumers: [{ ...C[0], claims: { realm: { a: 1 } } }] }, /consumers\[0\]\.claims\.realm/],
    ["global_auth not a bool", { consumers: C, global_auth: "yes" }, /global_auth/],
    ["a rule without match key", { consumers: C, _rules_: [{ allow: ["orders-app"] }] }, /_rules_\[0\]/],
    ["remote_jwks without path", { consumers: [{ name: "a", remote_jwks: { cluster: "jwks" } }] }, /consumers\[0\]\.remote_jwks\.path/],
    ["jwks and remote_jwks", { consumers: [{ name: "a", jwks: ORDERS_JWKS, remote_jwks: { cluster: "jwks", path: "/k" } }] }, /consumers\[0\]/],
  ];
  for (const [name, config, message] of invalid) {
    test(`rejected: ${name}`, () => {
      const text = rejects(config);
      assert.match(text, /\[jwt-auth\] invalid configuration/);
      assert.match(text, message);
    });
  }

  test("accepted: RSA 4096, a jwks string, Higress's spelling of remote_jwks", () => {
    host({ consumers: [{ name: "big", jwks: JSON.stringify({ keys: [weakRsaJwk(4096)] }) }] });
    host({ consumers: [{ name: "r", remote_jwks: { service_name: "idp.default.svc.cluster.local", service_port: 8080, path: "/jwks" } }] }, { clusters: ["outbound|8080||idp.default.svc.cluster.local"] });
  });
});

// ---------------------------------------------------------------------------------------------------
// The Higress WasmPlugin manifest: what Higress sends the plugin loads and behaves as its comments say.

describe("Higress WasmPlugin manifest", () => {
  const manifest = parseYamlSubset(readFileSync(join(REPO_ROOT, "envoy-examples/jwt-auth/higress-wasmplugin.yaml"), "utf8"));
  const spec = manifest.spec;
  const config = {
    ...spec.defaultConfig,
    _rules_: spec.matchRules.map((r: any) => ({
      ...(r.ingress ? { _match_route_: r.ingress } : {}), ...(r.domain ? { _match_domain_: r.domain } : {}), ...r.config,
    })),
  };

  test("an authentication plugin fails closed, in the AUTHN phase", () => {
    assert.equal(manifest.kind, "WasmPlugin");
    assert.equal(spec.failStrategy, "FAIL_CLOSE");
    assert.equal(spec.phase, "AUTHN");
  });

  test("its keys are the repository's test keys (so this test can mint tokens for it)", () => {
    const keys = spec.defaultConfig.consumers.flatMap((c: any) => JSON.parse(c.jwks).keys);
    for (const k of keys) assert.deepEqual(k, publicJwk(Object.values(PRIVATE_JWKS).find((p) => p.kid === k.kid)!));
  });

  test("defaultConfig and every matchRules entry load and behave as described", async () => {
    const h = host(config);
    const now = nowOf(h);
    const orders = bearer(await ordersToken(now, "RS256"));
    const partner: [string, string] = ["x-partner-token", await partnerToken(now)];
    // default/admin: orders-app only
    assertPassed(send(h, "/", [orders], "default/admin"), "orders-app");
    assertDenied(send(h, "/", [partner], "default/admin"), 403, "consumer_not_allowed");
    assertDenied(send(h, "/", [], "default/admin"), 401, "token_missing");
    // default/orders: both; the partner's token is removed (keep_token: false)
    const p = send(h, "/", [partner], "default/orders");
    assertPassed(p, "partner");
    assert.equal(p.requestHeader("x-partner-token"), undefined);
    assertPassed(send(h, "/", [orders], "default/orders"), "orders-app");
    // shop.example.com: token optional
    assertPassed(send(h, "/", [["host", "shop.example.com"]], "default/shop"), null);
    assertDenied(send(h, "/", [["host", "shop.example.com"], bearer(flipSignature(orders[1].slice(7)))], "default/shop"), 401, "signature_invalid");
    // any other route: global_auth false, no token needed, spoofed identity removed
    const anon = send(h, "/", [["x-mse-consumer", "orders-app"], ["x-jwt-tenant", "acme"]], "default/other");
    assertPassed(anon, null);
    assert.equal(anon.requestHeader("x-jwt-tenant"), undefined);
  });
});

// ---------------------------------------------------------------------------------------------------
// Remote JWKS through emulated http calls.

describe("jwt-auth remote JWKS", () => {
  const REMOTE = {
    consumers: [{
      name: "remote-app", issuer: "https://idp.example.com",
      remote_jwks: { cluster: "jwks", authority: "idp.example.com", path: "/.well-known/jwks.json", cache_seconds: 60, timeout_ms: 2000, grace_seconds: 30, refetch_seconds: 5 },
    }],
  };
  const JWKS_TEXT = JSON.stringify({ keys: [publicJwk(PRIVATE_JWKS.ES256), publicJwk(PRIVATE_JWKS.RS256)] });

  function answerAll(h: ProxyWasmHost, response: { status?: number; body?: string }) {
    const calls = h.pendingHttpCalls();
    for (const c of calls) h.respondHttpCall(c, { status: response.status ?? 200, headers: { "content-type": "application/json" }, body: response.body ?? JWKS_TEXT });
    return calls;
  }

  test("the first request waits for the fetch, then passes; the fetch names cluster, authority and path", async () => {
    const h = host(REMOTE, { clusters: ["jwks"] });
    const token = await ordersToken(nowOf(h), "ES256", { aud: undefined });
    const s = send(h, "/", [bearer(token)], "default", 0);
    assert.equal(s.localResponse, undefined);
    const calls = h.pendingHttpCalls();
    assert.ok(calls.length >= 1, "a JWKS fetch is made");
    assert.equal(calls[0].cluster, "jwks");
    assert.equal(calls[0].authority, "idp.example.com");
    assert.equal(calls[0].path, "/.well-known/jwks.json");
    assert.equal(calls[0].method, "GET");
    answerAll(h, {});
    assertPassed(s, "remote-app");
    assert.equal(h.metric("jwt_auth.jwks_fetch_success"), 1);
  });

  test("one fetch serves every worker (shared data)", async () => {
    const h = host(REMOTE, { clusters: ["jwks"], workers: 2 });
    const now = nowOf(h);
    const a = send(h, "/", [bearer(await ordersToken(now, "ES256"))], "default", 0);
    const b = send(h, "/", [bearer(await ordersToken(now, "RS256"))], "default", 1);
    const calls = answerAll(h, {});
    assert.equal(calls.length, 1, "only one worker fetched");
    assertPassed(a, "remote-app");
    // The other worker finds the stored set on its next tick (500 ms) and wakes its request.
    assert.equal(b.requestForwarded, false);
    h.advanceTime(500);
    assert.equal(h.pendingHttpCalls().length, 0, "the other worker did not fetch too");
    assertPassed(b, "remote-app");
    assertPassed(send(h, "/", [bearer(await ordersToken(now, "ES256"))], "default", 1), "remote-app");
    assert.equal(h.pendingHttpCalls().length, 0);
  });

  test("a failed first fetch denies with jwks_unavailable (fail closed), never passes", async () => {
    const h = host(REMOTE, { clusters: ["jwks"], workers: 1 });
    const s = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]);
    answerAll(h, { status: 503, body: "unavailable" });
    assertDenied(s, 401, "jwks_unavailable");
    assert.equal(h.metric("jwt_auth.jwks_fetch_failed"), 1);
  });

  test("a fetch that times out denies with jwks_unavailable", async () => {
    const h = host(REMOTE, { clusters: ["jwks"], workers: 1 });
    const s = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]);
    assert.equal(h.pendingHttpCalls().length, 1);
    h.advanceTime(1900);
    assert.equal(s.requestForwarded, false, "still waiting within timeout_ms");
    assert.equal(s.localResponse, undefined);
    h.advanceTime(200);
    assertDenied(s, 401, "jwks_unavailable");
  });

  test("bad documents are refused, the last good set stays for grace_seconds after it ends, then requests are denied", async () => {
    const h = host(REMOTE, { clusters: ["jwks"], workers: 1 });
    const first = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]);
    answerAll(h, {});
    assertPassed(first, "remote-app");
    const bad = ["not json", '{"keys":[]}', JSON.stringify({ keys: [weakRsaJwk(1024)] }), "{" + " ".repeat(70 * 1024) + "}", '{"keys":[{"kty":"EC"}]}'];
    let refused = 0;
    const failedBefore = h.metric("jwt_auth.jwks_fetch_failed") ?? 0;
    // cache_seconds 60 + grace_seconds 30: every refresh from 48 s on gets a bad document (or a 500).
    for (let t = 1; t <= 100; t++) {
      h.advanceTime(1000);
      for (const c of h.pendingHttpCalls()) {
        const body = bad[refused % bad.length];
        h.respondHttpCall(c, refused % 6 === 5 ? { status: 500, body: "oops" } : { body });
        refused++;
      }
      if (t % 10 === 5) {
        const s = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]);
        for (const c of h.pendingHttpCalls()) { h.respondHttpCall(c, { body: bad[0] }); refused++; }
        if (t <= 85) assert.equal(s.localResponse?.bodyText, undefined, `t=${t}`);
        if (t <= 85) assertPassed(s, "remote-app");
        else assertDenied(s, 401, "jwks_unavailable");
      }
    }
    assert.ok(refused >= 5, `${refused} refreshes refused`);
    assert.equal((h.metric("jwt_auth.jwks_fetch_failed") ?? 0) - failedBefore, refused);
    assert.equal(h.metric("jwt_auth.jwks_fetch_success"), 1);
    // The next good document brings the keys back.
    for (let i = 0; i < 30 && h.pendingHttpCalls().length === 0; i++) h.advanceTime(500);
    answerAll(h, {});
    assertPassed(send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]), "remote-app");
  });

  test("an unknown kid refetches early (key rotation), at most every refetch_seconds", async () => {
    const h = host(REMOTE, { clusters: ["jwks"], workers: 1 });
    const first = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256"))]);
    answerAll(h, {});
    assertPassed(first, "remote-app");
    const rotated = await foreignKey("ES256", "rotated-in");
    h.advanceTime(6_000);
    const token = await ordersToken(nowOf(h), "ES256", {}, { key: rotated });
    const s = send(h, "/", [bearer(token)]);
    const calls = h.pendingHttpCalls();
    assert.equal(calls.length, 1, "the unknown kid triggers a fetch");
    h.respondHttpCall(calls[0], { body: JSON.stringify({ keys: [publicJwk(rotated), publicJwk(PRIVATE_JWKS.ES256)] }) });
    assertPassed(s, "remote-app");
    // another unknown kid right away: no new fetch before refetch_seconds
    const other = await foreignKey("ES256", "never-published");
    const t = send(h, "/", [bearer(await ordersToken(nowOf(h), "ES256", {}, { key: other }))]);
    if (h.pendingHttpCalls().length === 0) assertDenied(t, 401, "key_not_found");
    else assert.fail("refetched within refetch_seconds");
  });
});

// Kept apart so a reader sees what must never pass.
describe("jwt-auth never lets these through", () => {
  test("an HMAC key shorter than the hash output (RFC 7518 3.2) does not verify HS384 or HS512", () => {
    const k = Buffer.alloc(32, 9);
    const h = host({ consumers: [{ name: "a", jwks: { keys: [{ kty: "oct", k: k.toString("base64url") }] } }] });
    const hs = (alg: string, bits: string) => {
      const input = `${Buffer.from(JSON.stringify({ alg })).toString("base64url")}.${Buffer.from(JSON.stringify({ exp: nowOf(h) + 60 })).toString("base64url")}`;
      return `${input}.${createHmac(bits, k).update(input).digest("base64url")}`;
    };
    assertPassed(send(h, "/", [bearer(hs("HS256", "sha256"))]), "a");
    assertDenied(send(h, "/", [bearer(hs("HS384", "sha384"))]), 401, "signature_invalid");
    assertDenied(send(h, "/", [bearer(hs("HS512", "sha512"))]), 401, "signature_invalid");
  });

  test("a second access_token parameter that is forged never reaches the upstream next to a verified identity", async () => {
    const h = host(EXAMPLE_CONFIG);
    const good = await ordersToken(nowOf(h));
    const forged = await mint("ES256", ordersClaims(nowOf(h), { sub: "admin" }), { key: await foreignKey("ES256", "es256-test") });
    const s = send(h, `/orders?access_token=${good}&access_token=${forged}`);
    assert.ok(s.localResponse || !s.requestHeader(":path")!.includes(forged), "the forged token went upstream");
  });

  test("a token signed for the example with a key nobody configured, in every place", async () => {
    const h = host(EXAMPLE_CONFIG);
    const now = nowOf(h);
    const forged = await mint("RS256", ordersClaims(now), { key: await foreignKey("RS256", "rs256-test") });
    assertDenied(send(h, "/", [bearer(forged)]), 401, "signature_invalid");
    assertDenied(send(h, `/?access_token=${forged}`), 401, "signature_invalid");
    assertDenied(send(h, "/public", [bearer(forged)]), 401, "signature_invalid");
  });
});
