// The soak's request mix: valid and hostile requests for the chain baggage-tag -> jwt-auth ->
// tenant-gray -> local-rate-limit (scripts/bench/soak-config.ts), each of a named kind with the
// statuses it may get. Requests are built as bytes (test/envoy/keepalive.ts), so header values
// may be anything a client can put on the wire.
//
// Tokens are minted once, at start (jose, the repository's test keys): more distinct valid tokens
// than jwt-auth's per-worker cache holds (1000), picked at random, so the cache both hits and
// evicts; bad tokens of every denial the chain's jwt-auth can give.
import { randomBytes } from "node:crypto";
import { httpRequest, type HeaderValue } from "../../test/envoy/keepalive.ts";
import { RAW_SEQUENCES } from "../../test/scenarios/header-bytes.ts";
import { flipSignature, foreignKey, mint, noneToken, ordersClaims, partnerClaims } from "../../test/scenarios/jwt-auth.ts";

/** A small seeded PRNG (mulberry32): the same seed gives the same request sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Tokens {
  /** valid for orders-app (ES256 / EdDSA) or partner (HS256), various tenant claims */
  valid: Array<{ consumer: "orders-app" | "partner"; token: string }>;
  /** each refused by jwt-auth with 401 */
  bad: Array<{ what: string; token: string }>;
}

const TENANTS = ["acme", "hooli", "globex", "beta-1", "initech", "umbrella", "tenant-7", "a".repeat(200)];

/** Mints `validCount` valid tokens (valid for `ttlSeconds`) and the bad ones. */
export async function mintTokens(validCount: number, ttlSeconds: number): Promise<Tokens> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  const valid: Tokens["valid"] = [];
  for (let i = 0; i < validCount; i++) {
    const tenant = TENANTS[i % TENANTS.length];
    const kind = i % 3;
    if (kind === 2) {
      valid.push({ consumer: "partner", token: await mint("HS256", partnerClaims(now, { exp, sub: `partner-${i}`, tenant })) });
    } else {
      valid.push({ consumer: "orders-app", token: await mint(kind === 0 ? "ES256" : "EdDSA", ordersClaims(now, { exp, sub: `user-${i}`, tenant })) });
    }
  }
  const good = valid[0]!.token;
  const [h, p] = good.split(".");
  const bad: Tokens["bad"] = [
    { what: "expired", token: await mint("ES256", ordersClaims(now, { iat: now - 7200, exp: now - 3600 })) },
    { what: "signature", token: flipSignature(good) },
    { what: "issuer", token: await mint("ES256", ordersClaims(now, { iss: "https://evil.example.com", exp })) },
    { what: "foreign key, known kid", token: await mint("ES256", ordersClaims(now, { exp }), { key: await foreignKey("ES256", "es256-test") }) },
    { what: "unknown kid", token: await mint("EdDSA", ordersClaims(now, { exp }), { key: await foreignKey("EdDSA", "nobody") }) },
    { what: "alg none", token: noneToken(ordersClaims(now, { exp })) },
    { what: "alg none with a signature", token: `${noneToken(ordersClaims(now, { exp }))}c2ln` },
    { what: "two segments", token: `${h}.${p}` },
    { what: "garbage", token: "not.a.jwt" },
    { what: "bad base64", token: `${h}.@@@@.${good.split(".")[2]}` },
    { what: "payload not JSON", token: `${h}.${Buffer.from("[1,2,").toString("base64url")}.${good.split(".")[2]}` },
    { what: "nested JSON 2000 deep", token: `${h}.${Buffer.from("[".repeat(2000) + "]".repeat(2000)).toString("base64url")}.${good.split(".")[2]}` },
    { what: "header 4 KiB of members", token: `${Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, i])))).toString("base64url")}.${p}.${good.split(".")[2]}` },
    { what: "too large", token: `${h}.${"A".repeat(9000)}.${good.split(".")[2]}` },
    { what: "HS256 keyed with nothing", token: await mint("HS256", partnerClaims(now, { exp }), { key: await foreignKey("HS256", "hs256-test") }) },
    { what: "exp not a number", token: await mint("ES256", ordersClaims(now, { exp: "soon" })) },
  ];
  return { valid, bad };
}

export interface SoakRequest {
  kind: string;
  bytes: Buffer;
  /** statuses this request may get */
  expect: readonly number[];
}

const b = (...parts: HeaderValue[]) => Buffer.concat(parts.map((x) => Buffer.from(x)));

/** A request generator for the mix; `next()` never ends (the caller bounds it). */
export function requestMix(tokens: Tokens, seed = 1): { next(): SoakRequest; kinds: string[] } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (n: number) => Math.floor(rnd() * n);
  let seq = 0;
  const validToken = () => pick(tokens.valid);
  const ordersToken = () => {
    for (;;) {
      const t = validToken();
      if (t.consumer === "orders-app") return t.token;
    }
  };
  const auth = (): Array<[string, HeaderValue]> => {
    const t = validToken();
    return t.consumer === "partner" ? [["x-partner-token", t.token]] : [["authorization", `Bearer ${t.token}`]];
  };
  const raw = () => pick(RAW_SEQUENCES);

  // Baggage of every kind baggage-tag and tenant-gray read: W3C (valid, properties, percent-encoded,
  // malformed, long, many members, several lines, bytes that are not UTF-8), Jaeger, OpenTracing,
  // SkyWalking.
  const baggage = (): Array<[string, HeaderValue]> => {
    switch (int(16)) {
      case 0: return [["baggage", "x-mse-tag=gray"]];
      case 1: return [["baggage", `userId=alice,x-mse-tag=${pick(["gray", "base", "blue", "red"])};ttl=30,tenant=${pick(TENANTS).slice(0, 20)}`]];
      case 2: return [["baggage", "x-mse-tag=%67%72%61%79, tenant = acme ;p"]];
      case 3: return [["baggage", pick(["%", "x-mse-tag=%", "x-mse-tag=%zz", "x-mse-tag=%f", "x-mse-tag=%%%%", "x-mse-tag=%00gray", "x-mse-tag=%ff%fe", "x-mse-tag=%C0%9C", "tenant=%E4%B8%AD%E6%96%87"])]];
      case 4: return [["baggage", pick(["=", ",,,,", "x-mse-tag==gray", "x-mse-tag", ";;;", "x-mse-tag=gray;;;;=;", " = , = ", "k=v;;p=\"q\""])]];
      case 5: return [["baggage", Array.from({ length: 200 }, (_, i) => `k${i}=v${i}`).join(",") + ",x-mse-tag=gray"]];
      case 6: return [["baggage", `big=${"x".repeat(9000)},x-mse-tag=gray`]];
      case 7: return Array.from({ length: 1 + int(20) }, (_, i): [string, HeaderValue] => ["baggage", i === 5 ? "x-mse-tag=blue" : `m${i}=${i}`]);
      case 8: return [["baggage", b("a=", raw(), ",x-mse-tag=gray,z=", raw())]];
      case 9: return [["baggage", b("x-mse-tag=", raw())]];
      case 10: return [["uberctx-x-mse-tag", pick(["gray", "%67ray", "%zz", "gr%00ay", "blue"])]];
      case 11: return [["ot-baggage-x-mse-tag", pick(["gray", " gray ", "base", "x".repeat(100)])]];
      case 12: return [["sw8-correlation", pick([
        `${Buffer.from("x-mse-tag").toString("base64")}:${Buffer.from("gray").toString("base64")}`,
        "!!!:???", ":", ",,,", `${Buffer.from("x-mse-tag").toString("base64")}:`, "eC1tc2UtdGFn:Z3Jhe",
      ])]];
      case 13: return [["baggage", b("tenant=", raw(), raw())], ["uberctx-tenant", b(raw())]];
      case 14: return [["baggage", "tenant=" + "t".repeat(17) + ",x-mse-tag=base"]];
      default: return [];
    }
  };

  type Builder = () => { method?: string; path: string | Buffer; headers: Array<[string, HeaderValue]>; expect: readonly number[] };
  const KINDS: Array<[kind: string, weight: number, build: Builder]> = [
    // Valid tokens (header or query), a tenant claim that picks a lane or not, any baggage.
    ["valid token", 22, () => ({ path: `/items/${int(1000)}`, headers: [...auth(), ...baggage()], expect: [200] })],
    ["valid token in the query", 3, () => {
      const t = validToken();
      const param = t.consumer === "partner" ? "x" : "access_token";
      // partner reads only x-partner-token in the chain: a token in ?x= is no token there.
      return t.consumer === "partner"
        ? { path: `/items?x=${t.token}`, headers: [["x-partner-token", t.token]], expect: [200] }
        : { path: `/items?${param}=${t.token}&q=%zz`, headers: baggage(), expect: [200] };
    }],
    // Denials.
    ["bad token", 12, () => {
      const t = pick(tokens.bad);
      return { path: "/items", headers: [[rnd() < 0.5 ? "authorization" : "x-partner-token", rnd() < 0.5 || t.what === "too large" ? `Bearer ${t.token}` : t.token], ...baggage()], expect: [401] };
    }],
    ["missing token", 3, () => ({ path: "/items", headers: [["authorization", pick(["", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "bearer  x"])]], expect: [401] })],
    ["too many or conflicting tokens", 3, () => rnd() < 0.5
      ? { path: `/items?${Array.from({ length: 5 }, () => `access_token=${ordersToken()}`).join("&")}`, headers: [], expect: [401] }
      : { path: "/items", headers: [["authorization", `Bearer ${ordersToken()}`], ["x-partner-token", tokens.valid.find((t) => t.consumer === "partner")!.token]], expect: [401] }],
    // Anonymous requests (/public allows them) carrying every kind of baggage and spoofed identity.
    ["anonymous, baggage", 20, () => ({ path: `/public/${int(100)}`, headers: baggage(), expect: [200] })],
    ["anonymous, spoofed identity", 4, () => ({
      path: "/public/me",
      headers: [["x-jwt-tenant", pick(TENANTS)], ["x-mse-consumer", "orders-app"], ["x-mse-tag", "gray"], ["x-user-id", "root"], ...baggage()],
      expect: [200],
    })],
    // Rate-limited keys (every key source of local-rate-limit), behind a valid token.
    ["rate-limited keys", 15, () => {
      const a = auth();
      switch (int(8)) {
        case 0: return { path: "/api/items", headers: [...a, ["x-api-key", `key-${int(3000)}`]], expect: [200, 429] };
        case 1: return { path: "/api/items", headers: [...a, ["x-api-key", pick(["vip-1", `gold-${int(50)}`, "", "x".repeat(5000)])]], expect: [200, 429] };
        case 2: return { path: "/api/items", headers: a, expect: [200, 429] };
        case 3: return { path: `/search?tenant=${pick(["acme", "hooli", "%zz", "a+b", "%E4%B8%AD", `t${int(500)}`])}&tenant=second`, headers: a, expect: [200, 429] };
        case 4: return { path: "/cart", headers: [...a, ["cookie", `a=1; sid=${pick(["s1", `s${int(800)}`, '"quoted"', ""])}; sid=again`]], expect: [200, 429] };
        case 5: return { method: "POST", path: "/login", headers: [...a, ["content-length", "0"]], expect: [200, 429] };
        case 6: return { path: "/fast", headers: a, expect: [200, 429] };
        default: return { path: "/orders", headers: a, expect: [200, 429] };
      }
    }],
    // Bytes that are not text, percent-encoding abuse, control characters (Envoy's codec: 400).
    ["hostile bytes", 8, () => {
      switch (int(8)) {
        case 0: return { path: "/public/x", headers: [["x-tenant-id", b(raw(), "acme", raw())], ["cookie", b("tenant=", raw(), "; sid=", raw())], ...baggage()], expect: [200] };
        case 1: return { path: b("/public/", raw(), "/%zz/%00/%ff%fe/%%%/%C0%AF?tenant=", raw(), "&q=%"), headers: [], expect: [200, 400] };
        case 2: return { path: "/api/x", headers: [["authorization", b("Bearer ", raw(), ".", raw(), ".", raw())], ["x-api-key", b(raw())]], expect: [401] };
        case 3: return { path: "/public/x", headers: [["baggage", b("x-mse-tag=gr", Buffer.from([1 + int(8)]), "ay")]], expect: [400] };
        case 4: return { path: "/public/x", headers: [["x-mse-consumer", b(raw())], ["x-jwt-tenant", b(raw(), raw())], ["uberctx-x-mse-tag", b(raw())]], expect: [200] };
        case 5: return { path: `/public/${"%2e%2e/".repeat(50)}${"%25".repeat(200)}`, headers: [], expect: [200, 400, 404] };
        case 6: return { path: "/items", headers: [["authorization", `Bearer ${ordersToken()}${pick(["\t", " ", "  x", "%00"])}`]], expect: [200, 401] };
        default: return { path: "/public/x", headers: [["x-tenant-id", "\x7f"]], expect: [400] };
      }
    }],
    // Near and over Envoy's header limits (60 KiB, 100 headers by default).
    ["oversized", 1, () => {
      switch (int(4)) {
        case 0: return { path: "/public/big", headers: [["baggage", `x-mse-tag=gray,big=${"b".repeat(59 * 1024)}`]], expect: [200] };
        case 1: return { path: "/public/big", headers: [["x-pad", "p".repeat(61 * 1024)]], expect: [431] };
        case 2: return { path: "/public/many", headers: Array.from({ length: 90 }, (_, i): [string, HeaderValue] => ["baggage", `k${i}=${"v".repeat(100)}`]), expect: [200] };
        default: return { path: "/public/many", headers: Array.from({ length: 101 }, (_, i): [string, HeaderValue] => ["baggage", `k${i}=v`]), expect: [431] };
      }
    }],
  ];
  const total = KINDS.reduce((s, [, w]) => s + w, 0);
  return {
    kinds: KINDS.map(([k]) => k),
    next(): SoakRequest {
      let r = rnd() * total;
      let i = 0;
      while (r >= KINDS[i]![1]) r -= KINDS[i++]![1];
      const [kind, , build] = KINDS[i]!;
      const q = build();
      seq++;
      const headers: Array<[string, HeaderValue]> = [...q.headers, ["x-soak-kind", kind.replace(/[^a-z]+/g, "-")], ["x-request-seq", String(seq)]];
      return { kind, bytes: httpRequest(q.method ?? "GET", q.path, headers), expect: q.expect };
    },
  };
}

export const randomSeed = () => randomBytes(4).readUInt32LE(0);
