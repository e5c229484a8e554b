// jwt-auth: tokens (minted with jose from the repository's test keys, then truncated and mutated;
// random base64url segments; crafted headers and payloads, huge and deeply nested), in every source
// (Authorization, query parameters, cookies, a custom header), several at once, spoofed identity
// headers, the clock advancing, a remote JWKS endpoint answering well or badly. Oracle: a request
// that passes with a consumer carries a token node:crypto verifies with a key of that consumer.
import { createHmac, createPrivateKey, createPublicKey, timingSafeEqual, sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from "node:crypto";
import { exampleConfig } from "../../envoy/example-config.ts";
import {
  ALL_ALGS, EXAMPLE_CONFIG, HMAC_ALGS, ORDERS_ISS, ORDERS_JWKS, PARTNER_ISS, PRIVATE_JWKS, mint, routeOf, type Alg,
} from "../../scenarios/jwt-auth.ts";
import type { CheckContext, HostSpec, PluginFuzzer, RequestCase } from "../engine.ts";
import { b64url, bin, long, mutate as mutateBytes, RAW, text, type RawHeader } from "../bytes.ts";
import { cookieHeader, queryString, routeProperties } from "../inputs.ts";
import { Rng } from "../rng.ts";

const EXAMPLE = "envoy-examples/jwt-auth/envoy.yaml";
const CHAIN = "envoy-examples/all-in-one/envoy.yaml";
/** The emulator's clock at start (test/host/host.ts DEFAULT_START), in seconds. */
const NOW = Math.floor(Date.UTC(2026, 2, 2, 9, 0, 0) / 1000);
/** Valid pool tokens live this long: longer than the clock advances in a run, within max_lifetime_seconds 86400. */
const LIFETIME = 80_000;

const b64u = (s: string | Uint8Array) => Buffer.from(typeof s === "string" ? Buffer.from(s, "latin1") : s).toString("base64url");
const jsonB64 = (v: unknown) => Buffer.from(JSON.stringify(v) ?? "null", "utf8").toString("base64url");
const TENANTS = ["acme", "globex", "beta-1", "a\r\nb", "\u0000", "x".repeat(5000), "\u00e9t\u00e9", "\ud83d\ude00", " lead", "trail ", "a\tb", "\u007f"];

// ----- the token pool ---------------------------------------------------------------------------------

interface Pool {
  /** tokens that verify: [token, consumer it is for] */
  valid: [string, "orders-app" | "partner"][];
  /** real signatures over odd claims, odd headers, huge payloads */
  odd: string[];
}
let pool: Pool | null = null;
let poolSeed = -1;

/** A JSON value of every kind, sometimes deeply nested or big. */
function jsonValue(r: Rng, depth = 0): unknown {
  if (r.chance(0.003)) return JSON.parse("[".repeat(2500) + "]".repeat(2500));
  if (r.chance(0.003)) return JSON.parse('{"a":'.repeat(1500) + "1" + "}".repeat(1500));
  if (r.chance(0.003)) return Array.from({ length: 1000 + r.int(2000) }, (_, i) => i);
  switch (r.int(depth > 3 ? 6 : 8)) {
    case 0: return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4102444800, 1e-300, NOW, NOW + 600, NOW - 600]);
    case 1: return Buffer.from(text(r, 20), "latin1").toString("utf8");
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return "";
    case 5: return r.pick(TENANTS);
    case 6: return Array.from({ length: r.int(5) }, () => jsonValue(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(["exp", "nbf", "iat", "iss", "aud", "sub", "tenant", "realm", "roles", "scope", "a"]), jsonValue(r, depth + 1)]));
  }
}

function ordersClaims(r: Rng): Record<string, unknown> {
  return { iss: ORDERS_ISS, aud: r.chance(0.8) ? "orders-api" : ["x", "orders-api"], sub: `user-${r.int(100)}`, tenant: r.pick(TENANTS.slice(0, 3)),
    realm: { roles: ["reader", "writer"] }, iat: NOW - 10, exp: NOW + LIFETIME, jti: b64url(r, 8) };
}
function partnerClaims(r: Rng): Record<string, unknown> {
  return { iss: PARTNER_ISS, sub: `partner-${r.int(100)}`, scope: "orders:read", tenant: r.pick(TENANTS.slice(0, 3)), iat: NOW - 10, exp: NOW + LIFETIME, jti: b64url(r, 8) };
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

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };
const isHmac = (alg: Alg) => (HMAC_ALGS as readonly string[]).includes(alg);

/** Signs any protected header (jose refuses some, e.g. unknown `crit` members) with the test key of
 *  `alg` through node:crypto. ES256, EdDSA and HS* only. */
function signRaw(alg: "ES256" | "EdDSA" | "HS256" | "HS512", header: Record<string, unknown>, payload: string): string {
  const jwk = PRIVATE_JWKS[alg];
  const input = `${jsonB64({ alg, typ: "JWT", kid: jwk.kid, ...header })}.${Buffer.from(payload, "utf8").toString("base64url")}`;
  let sig: Buffer;
  if (alg.startsWith("HS")) sig = createHmac(HASH[alg.slice(2)], Buffer.from(jwk.k!, "base64url")).update(input).digest();
  else {
    const key = createPrivateKey({ key: jwk as never, format: "jwk" });
    sig = alg === "EdDSA" ? cryptoSign(null, Buffer.from(input), key) : cryptoSign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  }
  return `${input}.${sig.toString("base64url")}`;
}

/** Mints the pool once per seed: claims and jti come from the seed. (ES* and PS* signatures are
 *  randomized by the signer, so their bytes differ between runs; their validity does not.) */
async function buildPool(seed: number): Promise<Pool> {
  const r = new Rng(seed, "jwt-auth/pool");
  const counts: Partial<Record<Alg, number>> = { ES256: 30, EdDSA: 30, HS256: 30, HS384: 6, HS512: 6, ES384: 6, RS256: 6, RS384: 2, RS512: 2, PS256: 3, PS384: 2, PS512: 2 };
  const valid: Pool["valid"] = [];
  for (const alg of ALL_ALGS) {
    for (let i = 0; i < (counts[alg] ?? 0); i++) {
      const claims = isHmac(alg) ? partnerClaims(r) : ordersClaims(r);
      // hostile claim values in tokens that verify: claim headers must still be values Envoy accepts
      if (r.chance(0.3)) claims[r.pick(["sub", "tenant"])] = r.chance(0.7) ? r.pick(TENANTS) : jsonValue(r);
      if (r.chance(0.1)) claims.realm = { roles: r.chance(0.5) ? [r.pick(TENANTS), 1, null, { a: [] }] : r.pick(TENANTS) };
      valid.push([await mint(alg, claims, r.chance(0.15) ? { header: { kid: undefined } } : {}), isHmac(alg) ? "partner" : "orders-app"]);
    }
  }
  const odd: string[] = [];
  const cheap: Alg[] = ["ES256", "EdDSA", "HS256", "HS512"];
  for (let i = 0; i < 60; i++) {
    const alg = r.pick(cheap);
    const base = isHmac(alg) ? partnerClaims(r) : ordersClaims(r);
    switch (r.int(4)) {
      case 0: case 1: odd.push(await mint(alg, oddClaims(r, base))); break;
      case 2: { // odd protected headers
        const header = r.pick<Record<string, unknown>>([{ kid: "nope" }, { kid: "" }, { kid: 7 }, { typ: "at+jwt" }, { crit: ["b64"], b64: false }, { crit: ["exp"] }, { jku: "http://evil" }, { kid: "hs256-test" }, { kid: "rs256-test" }, { x5c: ["AAAA"] }, { cty: "JWT" }]);
        odd.push(signRaw(alg as "ES256" | "EdDSA" | "HS256" | "HS512", header, JSON.stringify(base)));
        break;
      }
      default: { // huge or deeply nested payloads
        const big = r.pick([() => ({ ...base, roles: Array.from({ length: 1000 }, (_, k) => `r${k}`) }), () => ({ ...base, tenant: "t".repeat(6000) }),
          () => ({ ...base, deep: JSON.parse("[".repeat(60) + "]".repeat(60)) }), () => ({ ...base, deep: JSON.parse("[".repeat(2000) + "]".repeat(2000)) }),
          () => ({ ...base, ...Object.fromEntries(Array.from({ length: 400 }, (_, k) => [`c${k}`, k])) })]);
        odd.push(await mint(alg, big()));
        if (r.chance(0.5)) odd.push(await mint(alg, {}, { rawPayload: JSON.stringify(base).replace("{", '{"exp":1,') }));
      }
    }
  }
  return { valid, odd };
}

// ----- token mutations and crafted tokens -------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function mutateToken(r: Rng, s: string): string {
  for (let k = 1 + r.int(3); k > 0; k--) {
    const at = r.int(s.length + 1);
    switch (r.int(9)) {
      case 0: s = s.slice(0, at) + r.pick([".", "..", "=", "+", "/", "%", "%2E", " ", "\t", ",", ";", '"', "\\", "{", "eyJ"]) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(8)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s.slice(0, at) + B64[r.int(64)] + s.slice(at + 1); break;
      case 4: { const p = s.split("."); p.splice(r.int(p.length + 1), 0, p[r.int(p.length)] ?? ""); s = p.join("."); break; }
      case 5: s = s.split(".").reverse().join("."); break;
      case 6: { const p = s.split("."); if (p.length === 3) p[2] = p[2].slice(0, -1) + B64[r.int(64)]; s = p.join("."); break; } // last signature character: padding bits
      case 7: s = mutateBytes(r, s, 1); break;
      default: s = s + "." + b64url(r, 40);
    }
  }
  return s;
}

function craftedToken(r: Rng): string {
  const header = r.chance(0.6)
    ? { alg: r.pick([...ALL_ALGS, "none", "None", "HS1", "", "RS257", "ES512"]), ...(r.chance(0.7) ? { kid: r.chance(0.8) ? r.pick(["es256-test", "rs256-test", "hs256-test", "eddsa-test", "x", ""]) : jsonValue(r) } : {}), ...(r.chance(0.1) ? { crit: jsonValue(r) } : {}) }
    : jsonValue(r);
  const payload = r.chance(0.5) ? oddClaims(r, r.chance(0.5) ? ordersClaims(r) : partnerClaims(r)) : jsonValue(r);
  let h = jsonB64(header);
  let p = jsonB64(payload);
  // raw JSON text: duplicate members, invalid UTF-8, escapes, numbers out of range, trailing data
  if (r.chance(0.15)) p = b64u(r.pick([`{"exp":${NOW + 60},"exp":"x","iss":"${ORDERS_ISS}"}`, `{"iss":"${ORDERS_ISS}\u0000"}`, `{"sub":"\\ud800","exp":${NOW + 60}}`, `{"exp":1e999}`, `{"exp":${NOW + 60}} x`,
    `{"a":"${"\\u0000".repeat(200)}"}`, `{"sub":"${RAW[r.int(RAW.length)]}"}`, `[{"exp":1}]`, "", "{", '{"exp":-0}', `{"exp":${NOW + 60}.5}`, `{"iss":"${ORDERS_ISS}","aud":["orders-api",1],"exp":${NOW + 60}}`]));
  if (r.chance(0.1)) h = b64u(r.pick(['{"alg":"ES256","alg":"HS256"}', '{"alg":"ES256"', '{"alg":"none"}', "null", '{"alg":"ES256","kid":"es256-test","x":"\\u0000"}', RAW[r.int(RAW.length)]]));
  const sig = r.chance(0.5) ? b64url(r, r.pick([0, 1, 43, 64, 86, 96, 128, 171, 342, 512, 683])) : b64url(r, r.length(800));
  return `${h}.${p}.${sig}`;
}

// ----- the oracle: node:crypto verifies what the plugin accepted --------------------------------------

type Jwk = Record<string, string>;
const keyObjects = new Map<string, KeyObject | Buffer>();
function keyOf(jwk: Jwk): KeyObject | Buffer {
  const id = JSON.stringify(jwk);
  let k = keyObjects.get(id);
  if (!k) keyObjects.set(id, (k = jwk.kty === "oct" ? Buffer.from(jwk.k, "base64url") : createPublicKey({ key: jwk as never, format: "jwk" })));
  return k;
}

/** Does `token` carry a signature by one of `keys` (node:crypto)? */
export function verifiesWith(token: string, keys: Jwk[]): boolean {
  const parts = token.split(".");
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[2])) return false;
  let alg: string;
  try { alg = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")).alg; } catch { return false; }
  if (typeof alg !== "string") return false;
  const data = Buffer.from(`${parts[0]}.${parts[1]}`, "latin1");
  const sig = Buffer.from(parts[2], "base64url");
  for (const jwk of keys) {
    if (jwk.alg && jwk.alg !== alg) continue;
    try {
      const key = keyOf(jwk);
      const hash = HASH[alg.slice(2)];
      if (alg.startsWith("HS") && jwk.kty === "oct") {
        const mac = createHmac(hash, key as Buffer).update(data).digest();
        if (mac.length === sig.length && timingSafeEqual(mac, sig)) return true;
      } else if (alg.startsWith("RS") && jwk.kty === "RSA") {
        if (cryptoVerify(hash, data, key as KeyObject, sig)) return true;
      } else if (alg.startsWith("PS") && jwk.kty === "RSA") {
        if (cryptoVerify(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }, sig)) return true;
      } else if (alg.startsWith("ES") && jwk.kty === "EC") {
        if (cryptoVerify(hash, data, { key: key as KeyObject, dsaEncoding: "ieee-p1363" }, sig)) return true;
      } else if (alg === "EdDSA" && jwk.kty === "OKP") {
        if (cryptoVerify(null, data, key as KeyObject, sig)) return true;
      }
    } catch { /* not this key */ }
  }
  return false;
}

/** Every token-looking value of the request, from any source a consumer may read. */
function candidates(sent: RawHeader[]): string[] {
  const out: string[] = [];
  const decode = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; } };
  for (const [k, v] of sent) {
    if (k === "authorization") out.push(v.replace(/^[ \t]*bearer[ \t]+/i, "").trim(), v.trim());
    else if (k === ":path") {
      const q = v.includes("?") ? v.slice(v.indexOf("?") + 1).split("#")[0] : "";
      for (const p of q.split("&")) { const eq = p.indexOf("="); if (eq > 0) out.push(decode(p.slice(eq + 1)), p.slice(eq + 1)); }
    } else if (k === "cookie") {
      // pairs end at ';' or ',' (assembly/lib/cookie.ts)
      for (const c of v.split(/[;,]/)) { const eq = c.indexOf("="); if (eq > 0) { const x = c.slice(eq + 1).trim(); out.push(x, x.replace(/^"(.*)"$/, "$1")); } }
    } else out.push(v.trim(), v);
  }
  return [...new Set(out)].filter((t) => t.split(".").length === 3);
}

/** keep_token false: the token parameters (and empty parameters) are removed from the query, nothing else. */
function withoutParam(path: string, name: string): string {
  const q = path.indexOf("?");
  if (q < 0) return path;
  const h = path.indexOf("#", q);
  const query = path.slice(q + 1, h < 0 ? undefined : h);
  const kept = query.split("&").filter((p) => p !== "" && p.split("=")[0] !== name);
  return path.slice(0, q) + (kept.length ? `?${kept.join("&")}` : "") + (h < 0 ? "" : path.slice(h));
}
/** keep_token false: the token cookies (and empty pairs) are removed, the rest joined with "; ". Pairs
 *  end at ';' or ',' (assembly/lib/cookie.ts: Envoy joins repeated Cookie lines with ','); a pair
 *  without "=" is no cookie of that name (RFC 6265 5.2: browsers read it as a nameless value). */
function withoutCookie(cookie: string, name: string, trim = OWS): string {
  const isToken = (c: string) => c.includes("=") && c.split("=")[0].replace(trim.end, "") === name;
  return cookie.split(/[;,]/).map((c) => c.replace(trim.start, "").replace(trim.end, "")).filter((c) => c !== "" && !isToken(c)).join("; ");
}
const OWS = { start: /^[ \t]+/, end: /[ \t]+$/ };

interface Consumers {
  keys: Map<string, Jwk[]>;
  claimHeaders: string[];
}
function consumersOf(config: string, remoteKeys: Jwk[]): Consumers {
  const c = JSON.parse(config);
  const keys = new Map<string, Jwk[]>();
  const claimHeaders = new Set<string>();
  for (const consumer of c.consumers) {
    const jwks = consumer.remote_jwks ? { keys: remoteKeys } : typeof consumer.jwks === "string" ? JSON.parse(consumer.jwks) : consumer.jwks;
    keys.set(consumer.name, jwks.keys);
    for (const m of consumer.claims_to_headers ?? []) claimHeaders.add(m.header.toLowerCase());
  }
  return { keys, claimHeaders: [...claimHeaders] };
}

function identityCheck(consumers: Consumers, removes?: { param: string; cookie: string }) {
  const verifiedCache = new Map<string, boolean>(); // per host: consumers of the same name differ between hosts
  return ({ sent, s }: CheckContext): string | null => {
    const lr = s.localResponse;
    if (removes && !lr) {
      const path = sent.find(([k]) => k === ":path")?.[1] ?? "/";
      const out = bin(s.requestHeaderMap.getBytes(":path")!);
      if (out !== path && out !== withoutParam(path, removes.param)) return `:path rewritten to ${JSON.stringify(out.slice(0, 200))} from ${JSON.stringify(path.slice(0, 200))}`;
      const cookies = sent.filter(([k]) => k === "cookie").map(([, v]) => v);
      if (cookies.length) {
        const before = cookies.join("; ");
        const after = s.requestHeaderMap.getAllBytes("cookie").map(bin);
        const removed = withoutCookie(before, removes.cookie);
        const joined = after.join("; ");
        const ok = (after.length > 0 && (joined === before || joined === removed)) || (after.length === 0 && removed === "");
        if (!ok) return `cookie rewritten to ${JSON.stringify(after.map((c) => c.slice(0, 200)))} from ${JSON.stringify(before.slice(0, 200))}`;
      }
    }
    if (lr) {
      let error: unknown;
      try { error = JSON.parse(lr.bodyText).error; } catch { /* below */ }
      if (typeof error !== "string" || !/^[a-z_]+$/.test(error)) return `denial body ${JSON.stringify(lr.bodyText.slice(0, 200))}`;
      if (lr.status === 401 && !/^Bearer realm="[^"]*"(, error="invalid_token")?$/.test(s.responseHeaderMap.get("www-authenticate") ?? "")) {
        return `401 with www-authenticate ${JSON.stringify(s.responseHeaderMap.get("www-authenticate"))}`;
      }
      return null;
    }
    const consumer = s.requestHeaderMap.getAll("x-mse-consumer");
    if (consumer.length === 0) {
      for (const h of consumers.claimHeaders) if (s.requestHeaderMap.has(h)) return `${h} reached the upstream without a verified token`;
      return null;
    }
    if (consumer.length > 1) return `x-mse-consumer ${consumer.length} times`;
    const keys = consumers.keys.get(consumer[0]);
    if (!keys) return `x-mse-consumer ${JSON.stringify(consumer[0])} is no consumer`;
    for (const t of candidates(sent)) {
      const id = `${consumer[0]} ${t}`;
      let ok = verifiedCache.get(id);
      if (ok === undefined) {
        ok = verifiesWith(t, keys);
        if (verifiedCache.size > 100_000) verifiedCache.clear();
        verifiedCache.set(id, ok);
      }
      if (ok) return null;
    }
    return `passed as ${consumer[0]} without a token node:crypto verifies with its keys: ${JSON.stringify(candidates(sent).map((t) => t.slice(0, 80)))}`;
  };
}

// ----- hosts ------------------------------------------------------------------------------------------

const REMOTE_KEYS = ORDERS_JWKS.keys as unknown as Jwk[];
const GOOD_JWKS = JSON.stringify(ORDERS_JWKS);

/** The JWKS endpoint: usually the good document, sometimes a damaged one, an error, a reset, silence. */
function answerJwks(host: import("../../host/index.ts").ProxyWasmHost, r: Rng): void {
  for (let round = 0; round < 3; round++) {
    const calls = host.pendingHttpCalls();
    if (!calls.length) return;
    for (const c of calls) {
      switch (r.weighted([[85, 0], [5, 1], [3, 2], [3, 3], [2, 4], [2, 5]] as const)) {
        case 0: host.respondHttpCall(c, { body: GOOD_JWKS }); break;
        case 1: host.respondHttpCall(c, { body: mutateBytes(r, GOOD_JWKS, 1 + r.int(4)) }); break;
        case 2: host.respondHttpCall(c, { status: r.pick([500, 404, 301, 204]), body: GOOD_JWKS }); break;
        case 3: host.respondHttpCall(c, { body: JSON.stringify(r.chance(0.5) ? { keys: jsonValue(r) } : jsonValue(r)) ?? "" }); break;
        case 4: host.failHttpCall(c); break;
        default: break; // no answer: the timeout (advanceTime below) ends it
      }
    }
  }
}

export const jwtAuth: PluginFuzzer = {
  name: "jwt-auth",
  shapes: ["json", "query", "cookie", "headers"],
  configShare: 0.02,
  async init(seed: number) {
    if (pool && poolSeed === seed) return;
    pool = await buildPool(seed);
    poolSeed = seed;
  },
  hosts(): HostSpec[] {
    const example = exampleConfig(EXAMPLE, "jwt-auth");
    const chain = exampleConfig(CHAIN, "jwt-auth");
    const remote = exampleConfig(EXAMPLE, "jwt-auth-remote");
    return [
      { name: "example", config: example, ownedBaggageKeys: [], ownedHeaders: ["x-mse-consumer", "x-user-id", "x-jwt-tenant", "x-jwt-roles", "x-partner-token", ":path", "cookie"], // partner: keep_token false
        check: identityCheck(consumersOf(example, []), { param: "partner_token", cookie: "partner_token" }) },
      { name: "chain", workers: 1, config: chain, ownedBaggageKeys: [], ownedHeaders: ["x-mse-consumer", "x-user-id", "x-jwt-tenant"], check: identityCheck(consumersOf(chain, [])) },
      { name: "remote", config: remote, clusters: ["jwks"], ownedBaggageKeys: [], ownedHeaders: ["x-mse-consumer", "x-user-id"], check: identityCheck(consumersOf(remote, REMOTE_KEYS)),
        drive(host, s, r) {
          answerJwks(host, r);
          if (!s.completed) host.advanceTime(1100); // the first requests wait at most timeout_ms (1000) for keys
        } },
    ];
  },
  driveMutated(host, _s, r) {
    answerJwks(host, r);
  },
  configSeeds() {
    return [
      { name: "example", config: EXAMPLE_CONFIG },
      { name: "chain", config: exampleConfig(CHAIN, "jwt-auth") },
      { name: "remote", config: exampleConfig(EXAMPLE, "jwt-auth-remote") },
      { name: "higress-remote", config: { consumers: [{ name: "p", issuer: "https://i", remote_jwks: { service_name: "jwks", service_port: 80, service_host: "i", path: "/k", jwks_cache_duration: 60 } }], allow_missing: true, token_cache_size: 0, max_token_bytes: 65536 } },
    ];
  },
  warmupRequests(spec: HostSpec, hostIndex: number): RequestCase[] {
    // every token that verifies, once on every worker: the verified-token caches hold them all before memory is measured
    const out: RequestCase[] = [];
    for (let vm = 0; vm < (spec.workers ?? 2); vm++) {
      for (const [token, consumer] of pool!.valid) {
        const h: RawHeader[] = [[":path", "/orders"], consumer === "partner" ? ["x-partner-token", token] : ["authorization", `Bearer ${token}`]];
        out.push({ host: hostIndex, vm, headers: h, properties: { "xds.route_name": "default" } });
      }
    }
    return out;
  },
  request(r: Rng, { shape }): RequestCase {
    const p = pool!;
    const valid = () => r.pick(p.valid)[0];
    const token = (): string => {
      if (shape === "json") return r.chance(0.5) ? r.pick(p.odd) : craftedToken(r);
      switch (r.weighted([[25, 0], [8, 1], [10, 2], [20, 3], [12, 4], [15, 5], [5, 6], [5, 7]] as const)) {
        case 0: return valid();
        case 1: return r.pick(p.odd);
        case 2: { const v = valid(); return v.slice(0, r.int(v.length + 1)); }
        case 3: return mutateToken(r, r.chance(0.8) ? valid() : r.pick(p.odd));
        case 4: return Array.from({ length: r.pick([1, 2, 3, 3, 3, 4, 5]) }, () => b64url(r, r.chance(0.02) ? 10000 : r.length(400))).join(".");
        case 5: return craftedToken(r);
        case 6: return r.chance(0.5) ? text(r, 300) : r.pick(["", ".", "..", "...", "a.b.c", "Bearer", "null", "e30.e30.", "e30.e30.AA", long(r, 9000)]);
        default: { const v = valid().split("."); return r.chance(0.5) ? `${v[0]}.${v[1]}.` : `${jsonB64({ alg: "none" })}.${v[1]}.`; }
      }
    };
    const base = r.pick(["orders", "admin/users", "public/catalog", "healthz", "", "x", "orders/1"]);
    let path = "/" + base + (r.chance(0.2) ? text(r, 20).replace(/[?#]/g, "") : "");
    const headers: RawHeader[] = [];
    const query: string[] = [];
    // sometimes one verified partner token among many other cookies or parameters and nothing else:
    // keep_token false then rewrites all of them
    const rewrite = shape === "cookie" || shape === "query" ? r.chance(0.5) : r.chance(0.01) ? r.pick(["cookie", "query"]) : false;
    const partner = () => r.pick(p.valid.filter(([, c]) => c === "partner"))[0];
    if (rewrite === "cookie" || (rewrite && shape === "cookie")) headers.push(["cookie", `${cookieHeader(r, ["sid", "a"], ["1", "x"], shape === "cookie")}; partner_token=${partner()}`]);
    else if (rewrite) query.push(`${queryString(r, ["a", "b"], ["1", "x"], shape === "query")}&partner_token=${partner()}`);
    const tokens = rewrite ? 0 : shape === "headers" ? 90 : r.chance(0.1) ? 2 + r.int(5) : 1;
    for (let i = 0; i < tokens; i++) {
      const t = token();
      switch (shape === "headers" ? 0 : r.int(5)) {
        case 0: headers.push(["authorization", `${r.chance(0.6) ? "Bearer " : r.pick(["bearer ", "BEARER  ", "Bearer", "Basic ", "", "Bearer\t", " Bearer ", "Bearer  "])}${t}`]); break;
        case 1: query.push(`${r.pick(["access_token", "partner_token"])}=${r.chance(0.8) ? t : encodeURIComponent(Buffer.from(t, "latin1").toString("utf8"))}`); break;
        case 2: headers.push(["x-partner-token", t]); break;
        case 3: headers.push(["cookie", `${r.chance(0.5) ? "a=1; " : ""}partner_token=${r.chance(0.9) ? t : `"${t}"`}${r.chance(0.5) ? "; b=2" : ""}`]); break;
        default: query.push(`partner_token=${t}`);
      }
    }
    if (!rewrite && (shape === "query" || r.chance(0.1))) query.push(queryString(r, ["access_token", "partner_token"], [valid(), "", "a.b.c"], shape === "query"));
    if (!rewrite && (shape === "cookie" || r.chance(0.08))) headers.push(["cookie", cookieHeader(r, ["partner_token", "sid"], [valid(), "a.b.c"], shape === "cookie")]);
    if (query.length) path += "?" + query.join("&");
    if (r.chance(0.3)) headers.push(["x-mse-consumer", r.pick(["orders-app", "partner", "remote-app", "orders-app\xff", text(r, 10)])]);
    if (r.chance(0.2)) headers.push([r.pick(["x-user-id", "x-jwt-tenant", "x-jwt-roles"]), text(r, 20)]);
    if (r.chance(0.05)) headers.push(["baggage", `x-mse-tag=gray,${text(r, 30)}`]);
    if (r.chance(0.05)) headers.push([":authority", r.pick(["api.example.com", "API.EXAMPLE.COM:8443", "[::1]:80", "a\"b", "x".repeat(300), "a,b"])]);
    headers.unshift([":path", path]);
    const route = r.chance(0.9) ? routeOf(path) : r.pick(["public", "public-gray", "admin", "health", "other", ""]);
    const advanceMs = r.chance(0.0001) ? r.int(600_000) : r.chance(0.01) ? r.int(1000) : 0;
    return { host: 0, headers, advanceMs, properties: routeProperties(r, route) };
  },
  statusOk(status, { s }) {
    return s.localResponse ? [401, 403].includes(status) : status === 200;
  },
};


