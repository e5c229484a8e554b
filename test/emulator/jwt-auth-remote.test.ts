// jwt-auth remote JWKS on the host emulator (two workers sharing shared data, as Envoy's workers
// do): the first requests wait for one fetch, workers share it, background refresh, key rotation
// through an unknown kid, bad responses, the grace period after fetches fail, and never a pass
// without keys.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";

const WASM = pluginWasm("jwt-auth");

interface Pair { privateKey: KeyObject; publicKey: KeyObject }
const K1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const K2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = (k: Pair, kid: string) => ({ ...k.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" });
const jwks = (...keys: object[]) => JSON.stringify({ keys });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

const REMOTE = { cluster: "jwks", authority: "idp.example.com", path: "/.well-known/jwks.json", cache_seconds: 300, timeout_ms: 1000, grace_seconds: 60, refetch_seconds: 10 };

function setup(remote: object = REMOTE) {
  const config = { consumers: [{ name: "app", issuer: "https://idp.example.com", remote_jwks: remote }] };
  const h = ProxyWasmHost.create({ wasm: WASM, pluginConfig: JSON.stringify(config), workers: 2, rootId: "jwt-auth" });
  h.addCluster("jwks", "outbound|8080||idp.default.svc.cluster.local");
  const now = () => Number(h.realtimeNs() / 1_000_000_000n);
  const mint = (k: Pair, kid: string, ttl = 3600) => {
    const input = `${b64({ alg: "RS256", kid, typ: "JWT" })}.${b64({ iss: "https://idp.example.com", sub: "u1", exp: now() + ttl })}`;
    return `${input}.${createSign("sha256").update(input).sign(k.privateKey).toString("base64url")}`;
  };
  const send = (token: string, vm: number): HttpStream =>
    h.request({ vm, headers: [[":path", "/"], [":authority", "api.example.com"], ["authorization", `Bearer ${token}`]] });
  const calls = () => h.pendingHttpCalls();
  const metric = (name: string) => Number(h.metric(`jwt_auth.${name}`) ?? 0);
  return { h, mint, send, calls, metric };
}

/** "pass <consumer>", "paused", or "<status> <error code>". */
function outcome(s: HttpStream): string {
  const r = s.localResponse;
  if (r) return `${r.status} ${JSON.parse(Buffer.from(r.body ?? "").toString()).error}`;
  if (s.paused) return "paused";
  return `pass ${s.requestHeader("x-mse-consumer")}`;
}

describe("jwt-auth remote JWKS", () => {
  test("the first requests of both workers wait for one fetch, then pass", () => {
    const { h, mint, send, calls, metric } = setup();
    const token = mint(K1, "k1");
    const a = send(token, 0);
    const b = send(token, 1);
    assert.equal(outcome(a), "paused");
    assert.equal(outcome(b), "paused");
    const pending = calls();
    assert.equal(pending.length, 1, "one worker fetches, the other waits for it");
    assert.equal(pending[0].path, REMOTE.path);
    assert.equal(pending[0].authority, REMOTE.authority);
    h.respondHttpCall(pending[0], { body: jwks(jwk(K1, "k1")) });
    // The fetching worker resumes at once; the other finds the keys on its next tick.
    assert.equal(outcome(pending[0].vm === 0 ? a : b), "pass app");
    h.advanceTime(600);
    assert.equal(outcome(a), "pass app");
    assert.equal(outcome(b), "pass app");
    assert.equal(metric("jwks_fetch_success"), 1);
    assert.equal(calls().length, 0);
    // Later requests on either worker use the shared keys without fetching.
    assert.equal(outcome(send(mint(K1, "k1"), 1)), "pass app");
    assert.equal(calls().length, 0);
  });

  test("the keys are refreshed in the background before cache_seconds end", () => {
    const { h, mint, send, calls, metric } = setup();
    send(mint(K1, "k1"), 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1")) });
    h.advanceTime(230_000);
    assert.equal(calls().length, 0, "no refresh before 80% of cache_seconds");
    h.advanceTime(20_000);
    assert.equal(calls().length, 1, "one refresh for both workers");
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1"), jwk(K2, "k2")) });
    h.advanceTime(600);
    assert.equal(outcome(send(mint(K2, "k2"), 0)), "pass app");
    assert.equal(outcome(send(mint(K2, "k2"), 1)), "pass app");
    assert.equal(metric("jwks_fetch_success"), 2);
  });

  test("an unknown kid fetches early (at most once per refetch_seconds) and the request waits for it", () => {
    const { h, mint, send, calls, metric } = setup();
    send(mint(K1, "k1"), 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1")) });
    // Within refetch_seconds of the last fetch: refused at once, no fetch.
    assert.equal(outcome(send(mint(K2, "k2"), 1)), "401 key_not_found");
    assert.equal(calls().length, 0);
    h.advanceTime(11_000);
    const rotated = send(mint(K2, "k2"), 1);
    assert.equal(outcome(rotated), "paused");
    assert.equal(calls().length, 1);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1"), jwk(K2, "k2")) });
    assert.equal(outcome(rotated), "pass app");
    // The other worker takes the rotated keys from shared data, without a fetch of its own.
    assert.equal(outcome(send(mint(K2, "k2"), 0)), "pass app");
    assert.equal(calls().length, 0);
    // A kid nobody publishes: one refetch per interval, then plain refusals.
    h.advanceTime(11_000);
    const ghost = send(mint(K2, "ghost"), 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1"), jwk(K2, "k2")) });
    assert.equal(outcome(ghost), "401 key_not_found");
    for (let i = 0; i < 20; i++) assert.equal(outcome(send(mint(K2, "ghost"), i % 2)), "401 key_not_found");
    assert.equal(calls().length, 0);
    assert.equal(metric("jwks_fetch_success"), 3);
  });

  test("a key removed from the set stops verifying its cached tokens", () => {
    const { h, mint, send, calls } = setup();
    const token = mint(K1, "k1");
    send(token, 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1")) });
    assert.equal(outcome(send(token, 0)), "pass app");
    h.advanceTime(250_000);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K2, "k2")) });
    h.advanceTime(600);
    assert.equal(outcome(send(token, 0)), "401 key_not_found");
    assert.equal(outcome(send(token, 1)), "401 key_not_found");
  });

  test("bad responses are refused and counted; the last good set stays", () => {
    const { h, mint, send, calls, metric } = setup({ ...REMOTE, grace_seconds: 3600 });
    send(mint(K1, "k1"), 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1")) });
    const bad: Array<{ status?: number; body?: string }> = [
      { status: 500, body: jwks(jwk(K2, "k2")) },
      { body: "not json" },
      { body: JSON.stringify({ keys: [{ kty: "RSA", n: "AQAB", e: "AQAB" }] }) },
      { body: JSON.stringify({ keys: [jwk(K2, "k2")], pad: "x".repeat(70_000) }) },
    ];
    h.advanceTime(239_000);
    for (const [i, response] of bad.entries()) {
      // The background refresh, then a retry refetch_seconds after each failure.
      let waited = 0;
      while (calls().length === 0 && waited < 12_000) { h.advanceTime(100); waited += 100; }
      assert.equal(calls().length, 1, `fetch ${i}`);
      h.respondHttpCall(calls()[0], response);
      assert.equal(outcome(send(mint(K1, "k1"), 1)), "pass app");
      assert.equal(outcome(send(mint(K2, "k2"), 0)), "401 key_not_found");
    }
    assert.equal(metric("jwks_fetch_failed"), bad.length);
  });

  test("with the JWKS server down, requests pass until the grace period ends, then are denied, never allowed", () => {
    const { h, mint, send, calls, metric } = setup();
    send(mint(K1, "k1"), 0);
    h.respondHttpCall(calls()[0], { body: jwks(jwk(K1, "k1")) });
    const token = mint(K1, "k1", 7200);
    // cache_seconds 300 + grace_seconds 60: every fetch from 240 s on fails.
    let t = 0;
    while (t < 420_000) {
      h.advanceTime(5_000);
      t += 5_000;
      for (const c of calls()) h.failHttpCall(c);
      const got = outcome(send(token, (t / 5_000) % 2));
      if (t <= 355_000) assert.equal(got, "pass app", `at ${t / 1000} s`);
      if (t >= 365_000) assert.match(got, /^(401 jwks_unavailable|paused)$/, `at ${t / 1000} s`);
    }
    assert.ok(metric("jwks_fetch_failed") > 0);
    assert.equal(metric("denied.jwks_unavailable") > 0, true);
  });

  test("a first fetch that never answers denies the waiting requests after the timeout", () => {
    const { h, mint, send, calls } = setup();
    const a = send(mint(K1, "k1"), 0);
    const b = send(mint(K1, "k1"), 1);
    assert.equal(calls().length, 1);
    h.advanceTime(2_500); // the call times out (504) and the other worker's wait ends
    assert.equal(outcome(a), "401 jwks_unavailable");
    assert.equal(outcome(b), "401 jwks_unavailable");
  });

  test("Higress spelling: service_name, service_port, service_host, jwks_cache_duration", () => {
    const { h, mint, send, calls } = setup({ service_name: "idp.default.svc.cluster.local", service_port: 8080, service_host: "idp.example.com", path: "/jwks", jwks_cache_duration: 600 });
    send(mint(K1, "k1"), 0);
    const [call] = calls();
    assert.equal(call.cluster, "outbound|8080||idp.default.svc.cluster.local");
    assert.equal(call.authority, "idp.example.com");
    h.respondHttpCall(call, { body: jwks(jwk(K1, "k1")) });
    h.advanceTime(470_000);
    assert.equal(calls().length, 0, "cache 600 s: no refresh before 480 s");
  });
});
