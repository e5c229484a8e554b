// Fuzzing jwt-auth through the emulator with the example configuration: random bytes, truncated and
// mutated tokens, hostile JSON in headers and payloads (deep nesting, claims of every type), tokens
// that really verify but carry strange claims, every token source, spoofed identity headers. Any trap
// fails (the host throws WasmTrapError). Every request the plugin lets through with a consumer is
// checked against jose: its tokens must carry a valid signature by a configured key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { compactVerify, importJWK } from "jose";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { bin, clientText, withRawBytes } from "../scenarios/header-bytes.ts";
import {
  ALL_ALGS, EXAMPLE_CONFIG, HOST, ORDERS_JWKS, PARTNER_JWKS, flipSignature, mint, ordersClaims, partnerClaims, routeOf, type Alg,
} from "../scenarios/jwt-auth.ts";

const MODULE = new WebAssembly.Module(readFileSync(pluginWasm("jwt-auth")));

/** xorshift32: deterministic, so a failure can be replayed from its index. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return { int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length], chance: (p: number) => next() / 2 ** 32 < p };
}
type Rng = ReturnType<typeof rng>;

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const SPECIAL = [".", "..", "=", "+", "/", "%", "%2E", " ", "\t", ",", ";", '"', "\\", "\u00ff", "\u4e2d", "\ud800", "{", "}", "[", "]", "eyJ"];
const b64u = (s: string | Uint8Array) => Buffer.from(s).toString("base64url");
const encode = (s: string) => { try { return encodeURIComponent(s); } catch { return s; } };
const decode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };

function randomB64(r: Rng, max: number): string {
  const n = r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += B64URL[r.int(64)];
  return s;
}

function text(r: Rng, max: number): string {
  const n = r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += r.chance(0.85) ? String.fromCharCode(0x21 + r.int(0x5e)) : r.pick(SPECIAL);
  return s;
}

function mutate(r: Rng, s: string): string {
  const ops = 1 + r.int(3);
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(7)) {
      case 0: s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(8)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s.slice(0, at) + B64URL[r.int(64)] + s.slice(at + 1); break;
      case 4: { const parts = s.split("."); parts.splice(r.int(parts.length + 1), 0, parts[r.int(parts.length)] ?? ""); s = parts.join("."); break; }
      case 5: { const parts = s.split("."); s = parts.reverse().join("."); break; }
      default: s = s + "." + randomB64(r, 40);
    }
  }
  return s;
}

/** A JSON value of every kind, sometimes deeply nested or big. */
function jsonValue(r: Rng, depth = 0): unknown {
  if (r.chance(0.003)) return JSON.parse("[".repeat(3000) + "]".repeat(3000));
  if (r.chance(0.003)) return JSON.parse('{"a":'.repeat(2000) + "1" + "}".repeat(2000));
  switch (r.int(depth > 3 ? 6 : 8)) {
    case 0: return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4102444800, 1e-300]);
    case 1: return text(r, 20);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return "";
    case 5: return r.pick(["\u0000", "a\r\nb: c", "\u007f", "\u00e9", "\ud83d\ude00", "x".repeat(5000)]);
    case 6: return Array.from({ length: r.int(5) }, () => jsonValue(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(["exp", "nbf", "iat", "iss", "aud", "sub", "tenant", "realm", "roles", text(r, 6)]), jsonValue(r, depth + 1)]));
  }
}

/** Claims that are almost right: one registered or mapped claim replaced by a value of any type. */
function oddClaims(r: Rng, base: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...base };
  for (let k = 1 + r.int(2); k > 0; k--) {
    const name = r.pick(["exp", "nbf", "iat", "iss", "aud", "sub", "tenant", "realm", "scope", "jti"]);
    if (r.chance(0.2)) delete c[name];
    else c[name] = name === "realm" && r.chance(0.5) ? { roles: jsonValue(r) } : jsonValue(r);
  }
  return c;
}

test("fuzz: 20,000 hostile tokens and headers against the example configuration, zero traps, nothing unverified passes", { timeout: 300_000 }, async () => {
  const host = ProxyWasmHost.create({ wasm: MODULE, workers: 2, rootId: "jwt-auth", pluginConfig: JSON.stringify(EXAMPLE_CONFIG) });
  const now = Math.floor(host.now / 1000);
  const r = rng(20261205);

  // Tokens that verify, one per algorithm, to truncate and mutate.
  const valid = new Map<Alg, string>();
  for (const alg of ALL_ALGS) valid.set(alg, await mint(alg, alg.startsWith("HS") ? partnerClaims(now) : ordersClaims(now)));
  // Public keys by kid, to check what the plugin accepted.
  const keys = new Map<string, { alg: string; key: CryptoKey | Uint8Array }>();
  for (const jwk of [...ORDERS_JWKS.keys, ...PARTNER_JWKS.keys]) keys.set(jwk.kid!, { alg: jwk.alg!, key: await importJWK(jwk, jwk.alg) as CryptoKey | Uint8Array });

  const statuses = new Map<number, number>();
  let verified = 0;
  for (let i = 0; i < 20_000; i++) {
    // The token: random, truncated, mutated, crafted JSON, or a real signature over odd claims.
    let token: string;
    const kind = r.int(6);
    const alg = r.pick(ALL_ALGS);
    if (kind === 0) token = r.chance(0.5) ? randomB64(r, r.chance(0.02) ? 12000 : 300) : text(r, 300);
    else if (kind === 1) { const v = valid.get(alg)!; token = v.slice(0, r.int(v.length + 1)); }
    else if (kind === 2) token = mutate(r, valid.get(alg)!);
    else if (kind === 3) {
      const header = r.chance(0.5) ? { alg: r.pick([...ALL_ALGS, "none", "HS1", ""]), kid: r.chance(0.7) ? r.pick(["es256-test", "rs256-test", "hs256-test", "x"]) : jsonValue(r), ...(r.chance(0.1) ? { crit: ["b64"] } : {}) } : jsonValue(r);
      const payload = r.chance(0.5) ? oddClaims(r, ordersClaims(now)) : jsonValue(r);
      token = `${b64u(JSON.stringify(header) ?? "")}.${b64u(JSON.stringify(payload) ?? "")}.${r.chance(0.5) ? valid.get(alg)!.split(".")[2] : randomB64(r, 400)}`;
    } else if (kind === 4) {
      const base = alg.startsWith("HS") ? partnerClaims(now) : ordersClaims(now);
      token = await mint(alg, oddClaims(r, base));
      if (r.chance(0.2)) token = flipSignature(token);
    } else token = valid.get(alg)!;

    const headers: [string, string | Uint8Array][] = [];
    let path = "/" + r.pick(["orders", "admin/users", "public/catalog", "healthz", ""]) + (r.chance(0.2) ? text(r, 20) : "");
    const query: string[] = r.chance(0.3) ? [`a=${text(r, 8)}`] : [];
    switch (r.int(5)) {
      case 0: headers.push(["authorization", `${r.pick(["Bearer ", "bearer ", "BEARER  ", "Bearer", "Basic ", ""])}${token}`]); break;
      case 1: query.push(`access_token=${r.chance(0.8) ? token : encode(token)}`); break;
      case 2: headers.push(["x-partner-token", token]); break;
      case 3: headers.push(["cookie", `${r.chance(0.5) ? "a=1; " : ""}partner_token=${token}${r.chance(0.5) ? "; b=2" : ""}`]); break;
      default: query.push(`partner_token=${token}`);
    }
    if (r.chance(0.15)) headers.push(["authorization", `Bearer ${r.chance(0.5) ? valid.get("ES256")! : mutate(r, valid.get("RS256")!)}`]);
    if (r.chance(0.1)) query.push(`access_token=${mutate(r, valid.get("EdDSA")!)}`);
    if (query.length) path += "?" + query.join("&");
    headers.unshift([":path", clientText(path)], [":authority", HOST]);
    if (r.chance(0.3)) headers.push(["x-mse-consumer", r.chance(0.3) ? withRawBytes("orders-app", 1, r.int) : r.pick(["orders-app", "partner", text(r, 10)])]);
    if (r.chance(0.2)) headers.push([r.pick(["x-user-id", "x-jwt-tenant", "x-jwt-roles"]), clientText(text(r, 20))]);
    // Envoy's codec refuses control characters in header values (400) before any filter runs.
    const sendable = headers.map(([k, v]): [string, string | Uint8Array] => [k, typeof v === "string" ? clientText(v) : v]);

    const route = routeOf(path);
    let s;
    try {
      s = host.request({ headers: sendable, properties: { "xds.route_name": route } });
    } catch (err) {
      assert.fail(`request ${i} ${JSON.stringify(sendable.map(([k, v]) => [k, bin(v).slice(0, 300)]))}: ${(err as Error).message}`);
    }
    const status = s.localResponse?.status ?? 200;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.ok([200, 401, 403].includes(status), `request ${i}: ${status} ${s.localResponse?.details}`);
    if (status !== 200) {
      assert.equal(s.requestForwarded, false);
      assert.match(JSON.parse(s.localResponse!.bodyText).error, /^[a-z_]+$/);
      continue;
    }
    const consumer = s.requestHeader("x-mse-consumer");
    if (route === "health") continue; // the plugin is off there
    if (consumer === undefined) {
      // anonymous: only where a token is optional, and no claim header survives
      assert.equal(route, "public", `request ${i}: passed without a consumer on ${route}`);
      for (const h of ["x-user-id", "x-jwt-tenant", "x-jwt-roles"]) assert.equal(s.requestHeader(h), undefined, `request ${i}: ${h} without a verified token`);
      continue;
    }
    assert.ok(consumer === "orders-app" || consumer === "partner", `request ${i}: x-mse-consumer ${consumer}`);
    assert.deepEqual(s.requestHeaderMap.getAll("x-mse-consumer"), [consumer]);
    // Everything a consumer passed with must really be signed by a key of that consumer (jose says so).
    const candidates = [...sendable.flatMap(([k, v]) => {
      const t = bin(v);
      if (k === "authorization") return [t.replace(/^bearer\s+/i, "").trim()];
      if (k === "x-partner-token") return [t];
      if (k === "cookie") return t.split(/;\s*/).filter((c) => c.startsWith("partner_token=")).map((c) => c.slice(14));
      if (k === ":path") return (t.includes("?") ? t.slice(t.indexOf("?") + 1) : "").split("&").filter((p) => /^(access|partner)_token=/.test(p)).map((p) => decode(p.slice(p.indexOf("=") + 1)));
      return [];
    })].filter((t) => t.split(".").length === 3);
    assert.ok(candidates.length > 0, `request ${i}: consumer ${consumer} without a token: ${JSON.stringify(sendable.map(([k, v]) => [k, bin(v)]))}`);
    let ok = false;
    for (const t of candidates) {
      try {
        const h = JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString());
        const k = keys.get(h.kid) ?? [...keys.values()].find((x) => x.alg === h.alg);
        if (!k) continue;
        await compactVerify(t, k.key, { algorithms: [k.alg] });
        ok = true;
      } catch { /* not this one */ }
    }
    assert.ok(ok, `request ${i}: ${consumer} passed with no token jose can verify: ${JSON.stringify(candidates).slice(0, 400)}`);
    verified++;
  }
  assert.equal(host.vms.filter((vm) => vm.failed).length, 0);
  console.log(`# jwt-auth fuzz: statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${verified} verified`);
  // The checks above look at requests that passed: a plugin refusing everything would pass them.
  assert.ok(verified >= 600, `only ${verified} requests passed with a consumer`);
  assert.ok((statuses.get(401) ?? 0) >= 7000);
});

test("fuzz: 2,000 hostile JWKS documents from a remote endpoint (and as configuration), zero traps", { timeout: 120_000 }, async () => {
  const REMOTE = { consumers: [{ name: "remote-app", remote_jwks: { cluster: "jwks", path: "/jwks", cache_seconds: 1, timeout_ms: 5000, refetch_seconds: 1, grace_seconds: 0 } }] };
  const host = ProxyWasmHost.create({ wasm: MODULE, workers: 1, rootId: "jwt-auth", clusters: ["jwks"], pluginConfig: JSON.stringify(REMOTE) });
  const r = rng(777);
  const good = { keys: [...ORDERS_JWKS.keys, ...PARTNER_JWKS.keys] };
  const goodText = JSON.stringify(good);
  const token = await mint("ES256", ordersClaims(Math.floor(host.now / 1000)));
  const members = ["kty", "crv", "x", "y", "n", "e", "k", "kid", "alg", "use", "key_ops"];
  let answered = 0;
  let passed = 0;
  for (let i = 0; i < 2000; i++) {
    let doc: string;
    switch (r.int(4)) {
      case 0: doc = mutate(r, goodText); break;
      case 1: {
        const keys = good.keys.map((k) => ({ ...k })) as Record<string, unknown>[];
        const k = r.pick(keys);
        k[r.pick(members)] = r.chance(0.5) ? jsonValue(r) : randomB64(r, 600);
        doc = JSON.stringify({ keys: r.chance(0.9) ? keys : jsonValue(r) });
        break;
      }
      case 2: doc = JSON.stringify(jsonValue(r)) ?? ""; break;
      default: doc = text(r, 2000);
    }
    host.advanceTime(1100);
    const calls = host.pendingHttpCalls();
    for (const c of calls) { host.respondHttpCall(c, { status: r.chance(0.95) ? 200 : 500, body: doc }); answered++; }
    const s = host.request({ headers: [[":path", "/"], [":authority", HOST], ["authorization", `Bearer ${token}`]], properties: { "xds.route_name": "r" } });
    for (const c of host.pendingHttpCalls()) { host.respondHttpCall(c, { body: doc }); answered++; }
    if (!s.localResponse && !s.requestForwarded) host.advanceTime(5100); // still waiting: the wait ends
    const status = s.localResponse?.status ?? (s.requestForwarded ? 200 : 0);
    assert.ok(status === 200 || status === 401, `document ${i}: ${status} ${doc.slice(0, 200)}`);
    if (status === 200) passed++;
    // the same text as a configured jwks: rejected or accepted, never a trap
    const h = new ProxyWasmHost({ wasm: MODULE, workers: 1, rootId: "jwt-auth", pluginConfig: JSON.stringify({ consumers: [{ name: "c", jwks: doc }] }) });
    h.start();
  }
  assert.equal(host.vms.filter((vm) => vm.failed).length, 0);
  console.log(`# jwt-auth JWKS fuzz: ${answered} fetches answered, ${passed} requests passed`);
  assert.ok(answered >= 1500, `${answered} fetches`);
  assert.ok(passed >= 80, `only ${passed} passed (mutations that keep the ES256 key usable)`);
});
