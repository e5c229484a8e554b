// jwt-auth: test keys, token minting and the request scenarios run both on the host emulator and on
// a real Envoy with the configuration of envoy-examples/jwt-auth/envoy.yaml (listener "api").
//
// Keys: test/fixtures/jwt-auth/test-only-private-keys.json (TEST KEYS, private halves published),
// one per algorithm. The example's jwks are their public halves, written into envoy.yaml, so the file
// users read is the file the tests run; EXAMPLE_CONFIG below is that configuration and both test
// suites check that envoy.yaml still equals it.
//
// Tokens are minted at test time with jose, relative to the clock of the system under test (`now`,
// seconds: the emulator's controllable clock, or the real clock for Envoy).
//
// `route` is the name of the route Envoy selects for the path (envoy.yaml); the emulator is told
// through xds.route_name, so both run the same `_rules_` entry.
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";

// ---------------------------------------------------------------------------------------------------
// Keys

export const ASYMMETRIC_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"] as const;
export const HMAC_ALGS = ["HS256", "HS384", "HS512"] as const;
export const ALL_ALGS = [...ASYMMETRIC_ALGS, ...HMAC_ALGS] as const;
export type Alg = (typeof ALL_ALGS)[number];

const KEY_FILE = new URL("../fixtures/jwt-auth/test-only-private-keys.json", import.meta.url);
/** Private JWKs by algorithm (kid `<alg lower-case>-test`, `alg` set). TEST KEYS ONLY. */
export const PRIVATE_JWKS: Record<Alg, JWK> = JSON.parse(readFileSync(KEY_FILE, "utf8")).keys;

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth"];
/** The public half of a JWK (oct keys are symmetric: returned whole). */
export function publicJwk(jwk: JWK): JWK {
  if (jwk.kty === "oct") return { ...jwk };
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.includes(k))) as JWK;
}
export const kidOf = (alg: Alg): string => PRIVATE_JWKS[alg].kid!;

/** The JWKS of consumer orders-app (every asymmetric key) and of partner (the HMAC keys). */
export const ORDERS_JWKS = { keys: ASYMMETRIC_ALGS.map((a) => publicJwk(PRIVATE_JWKS[a])) };
export const PARTNER_JWKS = { keys: HMAC_ALGS.map((a) => publicJwk(PRIVATE_JWKS[a])) };

// ---------------------------------------------------------------------------------------------------
// The example configuration (envoy-examples/jwt-auth/envoy.yaml, filter "jwt-auth")

export const ORDERS_ISS = "https://idp.example.com";
export const PARTNER_ISS = "https://partner.example.com";
export const HOST = "api.example.com";

export const EXAMPLE_CONFIG = {
  consumers: [
    {
      name: "orders-app",
      issuer: ORDERS_ISS,
      audiences: ["orders-api"],
      max_lifetime_seconds: 86400,
      jwks: ORDERS_JWKS,
      claims_to_headers: [
        { claim: "sub", header: "x-user-id" },
        { claim: "tenant", header: "x-jwt-tenant" },
        { claim: "realm.roles", header: "x-jwt-roles" },
      ],
    },
    {
      name: "partner",
      issuer: PARTNER_ISS,
      // Higress writes jwks as a JSON string.
      jwks: JSON.stringify(PARTNER_JWKS),
      claims: { scope: "orders:read" },
      claims_to_headers: [{ claim: "sub", header: "x-user-id" }, { claim: "tenant", header: "x-jwt-tenant" }],
      from_headers: [{ name: "x-partner-token", value_prefix: "" }],
      from_params: ["partner_token"],
      from_cookies: ["partner_token"],
      keep_token: false,
    },
  ],
  global_auth: true,
  _rules_: [
    { _match_route_: ["admin"], allow: ["orders-app"] },
    { _match_route_: ["public"], allow_missing: true },
    { _match_route_: ["health"], _disable_: true },
  ],
};

/** The route Envoy picks for a path in envoy-examples/jwt-auth/envoy.yaml (listener "api"). */
export function routeOf(path: string): string {
  if (path.startsWith("/admin")) return "admin";
  if (path.startsWith("/public")) return "public";
  if (path.startsWith("/healthz")) return "health";
  return "default";
}

// ---------------------------------------------------------------------------------------------------
// Minting

const b64u = (b: string | Uint8Array) => Buffer.from(b).toString("base64url");
const enc = new TextEncoder();
const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
function privateKey(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
  const id = `${jwk.kid}/${alg}/${jwk.n ?? jwk.x ?? jwk.k}`;
  let p = imported.get(id);
  if (!p) imported.set(id, (p = importJWK(jwk, alg) as Promise<CryptoKey | Uint8Array>));
  return p;
}

export interface MintOptions {
  /** signing key (default: the fixture key of `alg`) */
  key?: JWK;
  /** protected header fields; `kid: undefined` leaves the kid out (default: the key's kid) */
  header?: Record<string, unknown>;
  /** raw payload text instead of JSON.stringify(claims) */
  rawPayload?: string;
}

/** A compact JWS over `claims` signed with the test key of `alg` (or opts.key). */
export async function mint(alg: Alg, claims: Record<string, unknown>, opts: MintOptions = {}): Promise<string> {
  const jwk = opts.key ?? PRIVATE_JWKS[alg];
  const header: Record<string, unknown> = { alg, typ: "JWT", kid: jwk.kid, ...(opts.header ?? {}) };
  for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
  const payload = enc.encode(opts.rawPayload ?? JSON.stringify(claims));
  return new CompactSign(payload).setProtectedHeader(header as { alg: string }).sign(await privateKey(jwk, alg));
}

/** Claims orders-app accepts at `now` (seconds), with a unique jti so no two tokens are equal. */
export function ordersClaims(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ORDERS_ISS, aud: "orders-api", sub: "user-42", tenant: "acme", realm: { roles: ["reader", "writer"] },
    iat: now - 10, exp: now + 600, jti: randomBytes(6).toString("hex"), ...extra,
  };
}
export function partnerClaims(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: PARTNER_ISS, sub: "partner-7", scope: "orders:read", iat: now - 10, exp: now + 600, jti: randomBytes(6).toString("hex"), ...extra };
}

export const ordersToken = (now: number, alg: Alg = "ES256", extra: Record<string, unknown> = {}, opts?: MintOptions) =>
  mint(alg, ordersClaims(now, extra), opts);
export const partnerToken = (now: number, alg: Alg = "HS256", extra: Record<string, unknown> = {}, opts?: MintOptions) =>
  mint(alg, partnerClaims(now, extra), opts);

/** An unsigned token: {"alg":"none"}. */
export function noneToken(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64u(JSON.stringify({ alg: "none", typ: "JWT", ...header }))}.${b64u(JSON.stringify(claims))}.`;
}

/** HMAC token keyed with arbitrary bytes (algorithm confusion: an RSA public key as the secret). */
export function hmacToken(alg: "HS256" | "HS384" | "HS512", secret: Uint8Array | string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const h: Record<string, unknown> = { alg, typ: "JWT", ...header };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${createHmac(`sha${alg.slice(2)}`, secret).update(input).digest("base64url")}`;
}

/** The RSA public key of `alg` as PEM text, the way an attacker would feed it to HMAC. */
export function rsaPublicPem(alg: Alg): string {
  return createPublicKey({ key: publicJwk(PRIVATE_JWKS[alg]) as any, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
}

/** The same token with one signature character changed (still valid base64url). */
export function flipSignature(token: string): string {
  const dot = token.lastIndexOf(".");
  const sig = Buffer.from(token.slice(dot + 1), "base64url");
  sig[Math.floor(sig.length / 2)] ^= 0x01;
  return token.slice(0, dot + 1) + sig.toString("base64url");
}

/** A fresh key pair of `alg`'s type that is in no JWKS (a "foreign" signer). */
const foreign = new Map<string, Promise<JWK>>();
export function foreignKey(alg: Alg, kid?: string): Promise<JWK> {
  const id = `${alg}/${kid}`;
  let p = foreign.get(id);
  if (!p) {
    p = (async () => {
      if (alg.startsWith("HS")) return { kty: "oct", k: randomBytes(64).toString("base64url"), kid, alg };
      const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
      return { ...(await exportJWK(privateKey)), kid, alg };
    })();
    foreign.set(id, p);
  }
  return p;
}

/** An RSA key of `bits` as a public JWK (node:crypto: jose refuses to make keys under 2048 bits). */
export function weakRsaJwk(bits: number, kid = "weak"): JWK {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return { ...(publicKey.export({ format: "jwk" }) as JWK), kid };
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

export const DENIALS = [
  "token_missing", "token_too_large", "token_malformed", "algorithm_unsupported", "key_not_found", "signature_invalid",
  "token_expired", "token_not_yet_valid", "token_issued_in_future", "expiration_missing", "lifetime_too_long",
  "issuer_mismatch", "audience_mismatch", "claim_mismatch", "claim_invalid", "tokens_conflict", "too_many_tokens", "jwks_unavailable",
  "consumer_not_allowed",
] as const;
export type Denial = (typeof DENIALS)[number];
export const COUNTERS = ["allowed", "anonymous", ...DENIALS.map((d) => `denied.${d}` as const)] as const;
export type CounterName = (typeof COUNTERS)[number];

export interface Scenario {
  name: string;
  /** request path (default /orders), or one built at `now` (a token in the query); the route is routeOf(path) */
  path?: string | ((now: number) => Promise<string>);
  /** request headers for a clock at `now` (seconds); `host` is added (HOST) unless given */
  headers: (now: number) => Promise<[string, string][]> | [string, string][];
  status: 200 | 401 | 403;
  /** the JSON body's `error` of a denial */
  error?: Denial;
  /** 200: x-mse-consumer upstream (null: absent) */
  consumer?: string | null;
  /** 200: further upstream request headers (null: absent) */
  upstream?: Record<string, string | null>;
  /** 200: the :path the upstream receives (default: the request's) */
  upstreamPath?: string;
  /** counters (wasmcustom.jwt_auth.<name>) that must grow by exactly this much (default: allowed/anonymous/denied.<error> + 1) */
  counters?: Partial<Record<CounterName, number>>;
}

/** The counters a scenario moves when it gives none. */
export function expectedCounters(s: Scenario): Partial<Record<CounterName, number>> {
  if (s.counters) return s.counters;
  if (s.status !== 200) return { [`denied.${s.error}`]: 1, allowed: 0, anonymous: 0 } as Partial<Record<CounterName, number>>;
  if (s.consumer) return { allowed: 1, anonymous: 0 };
  return {};
}

/** `WWW-Authenticate` a denial must carry (RFC 6750): 401 only, error= unless the token was missing. */
export function expectedWwwAuthenticate(s: Scenario, host = HOST): string | null {
  if (s.status !== 401) return null;
  return s.error === "token_missing" ? `Bearer realm="${host}"` : `Bearer realm="${host}", error="invalid_token"`;
}

const bearer = (t: string): [string, string] => ["authorization", `Bearer ${t}`];
const userHeaders = { "x-user-id": "user-42", "x-jwt-tenant": "acme", "x-jwt-roles": '["reader","writer"]' };
const partnerHeaders = { "x-user-id": "partner-7", "x-jwt-tenant": null, "x-jwt-roles": null, "x-partner-token": null };

export const SCENARIOS: Scenario[] = [
  // ---- every algorithm
  ...ASYMMETRIC_ALGS.map((alg): Scenario => ({
    name: `${alg}: a valid token passes with the consumer and its claims`,
    headers: async (now) => [bearer(await ordersToken(now, alg))],
    status: 200, consumer: "orders-app", upstream: userHeaders,
  })),
  ...HMAC_ALGS.map((alg): Scenario => ({
    name: `${alg}: a valid partner token (x-partner-token) passes and is removed (keep_token: false)`,
    headers: async (now) => [["x-partner-token", await partnerToken(now, alg)]],
    status: 200, consumer: "partner", upstream: partnerHeaders,
  })),
  {
    name: "a token without kid is verified by the keys that allow its algorithm",
    headers: async (now) => [bearer(await ordersToken(now, "PS384", {}, { header: { kid: undefined } }))],
    status: 200, consumer: "orders-app",
  },
  {
    name: "the Bearer prefix is compared ignoring case",
    headers: async (now) => [["authorization", `bEARER ${await ordersToken(now, "EdDSA")}`]],
    status: 200, consumer: "orders-app",
  },
  {
    name: "token in the access_token query parameter (keep_token: true leaves it)",
    path: async (now) => `/orders?page=2&access_token=${await ordersToken(now, "RS384")}`,
    headers: async () => [],
    status: 200, consumer: "orders-app",
  },
  {
    name: "audience: a list containing one of the audiences passes",
    headers: async (now) => [bearer(await ordersToken(now, "ES384", { aud: ["billing", "orders-api"] }))],
    status: 200, consumer: "orders-app",
  },
  {
    name: "an expiry within clock_skew_seconds (60) still passes",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { exp: now - 30 }))],
    status: 200, consumer: "orders-app",
  },
  {
    name: "a claim that is absent sets no header",
    headers: async (now) => {
      const c = ordersClaims(now);
      delete c.tenant;
      delete c.realm;
      return [bearer(await mint("ES256", c))];
    },
    status: 200, consumer: "orders-app", upstream: { "x-user-id": "user-42", "x-jwt-tenant": null, "x-jwt-roles": null },
  },
  {
    name: "numbers and booleans become text, objects compact JSON",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { sub: 12345, tenant: true, realm: { roles: { a: [1, "x"] } } }))],
    status: 200, consumer: "orders-app", upstream: { "x-user-id": "12345", "x-jwt-tenant": "true", "x-jwt-roles": '{"a":[1,"x"]}' },
  },
  {
    name: "a claim that cannot be a header value (CR LF, NUL) sets no header; the request still passes",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { sub: "a\r\nx-evil: 1", tenant: "a\u0000b" })), ["x-user-id", "spoofed"], ["x-jwt-tenant", "spoofed"]],
    status: 200, consumer: "orders-app", upstream: { "x-user-id": null, "x-jwt-tenant": null, "x-evil": null, "x-jwt-roles": '["reader","writer"]' },
  },
  {
    name: "a payload naming a member twice (a second iss) is refused: token_malformed",
    headers: async (now) => [bearer(await mint("ES256", {}, { rawPayload: JSON.stringify(ordersClaims(now)).replace('"iss":"https://idp.example.com"', '"iss":"https://idp.example.com","iss":"https://evil.example.com"') }))],
    status: 401, error: "token_malformed",
  },
  // ---- time
  {
    name: "expired beyond the skew: token_expired",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { iat: now - 900, exp: now - 120 }))],
    status: 401, error: "token_expired",
  },
  {
    name: "not yet valid (nbf): token_not_yet_valid",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { nbf: now + 300 }))],
    status: 401, error: "token_not_yet_valid",
  },
  {
    name: "issued in the future (iat): token_issued_in_future",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { iat: now + 300, exp: now + 900 }))],
    status: 401, error: "token_issued_in_future",
  },
  {
    name: "no exp: expiration_missing",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { exp: undefined }))],
    status: 401, error: "expiration_missing",
  },
  {
    name: "exp further ahead than max_lifetime_seconds: lifetime_too_long",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { exp: now + 2 * 86400 }))],
    status: 401, error: "lifetime_too_long",
  },
  {
    name: "exp as a string: claim_invalid",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { exp: String(now + 600) }))],
    status: 401, error: "claim_invalid",
  },
  // ---- issuer, audience, claims
  {
    name: "wrong issuer: issuer_mismatch",
    headers: async (now) => [bearer(await ordersToken(now, "RS256", { iss: "https://evil.example.com" }))],
    status: 401, error: "issuer_mismatch",
  },
  {
    name: "wrong audience: audience_mismatch",
    headers: async (now) => [bearer(await ordersToken(now, "RS256", { aud: "billing-api" }))],
    status: 401, error: "audience_mismatch",
  },
  {
    name: "no audience: audience_mismatch",
    headers: async (now) => [bearer(await ordersToken(now, "RS256", { aud: undefined }))],
    status: 401, error: "audience_mismatch",
  },
  {
    name: "a required claim (partner's scope) differs: claim_mismatch",
    headers: async (now) => [["x-partner-token", await partnerToken(now, "HS256", { scope: "orders:write" })]],
    status: 401, error: "claim_mismatch",
  },
  // ---- signatures and keys
  {
    name: "a changed signature: signature_invalid",
    headers: async (now) => [bearer(flipSignature(await ordersToken(now, "RS256")))],
    status: 401, error: "signature_invalid",
  },
  {
    name: "a changed payload (signature of another payload): signature_invalid",
    headers: async (now) => {
      const [h, , s] = (await ordersToken(now, "ES256")).split(".");
      return [bearer(`${h}.${b64u(JSON.stringify(ordersClaims(now, { sub: "admin" })))}.${s}`)];
    },
    status: 401, error: "signature_invalid",
  },
  {
    name: "foreign key with a known kid: signature_invalid",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", {}, { key: await foreignKey("ES256", kidOf("ES256")) }))],
    status: 401, error: "signature_invalid",
  },
  {
    name: "foreign key without kid: signature_invalid",
    headers: async (now) => [bearer(await ordersToken(now, "EdDSA", {}, { key: await foreignKey("EdDSA"), header: { kid: undefined } }))],
    status: 401, error: "signature_invalid",
  },
  {
    name: "foreign HMAC key for the partner: signature_invalid",
    headers: async (now) => [["x-partner-token", await partnerToken(now, "HS256", {}, { key: await foreignKey("HS256", kidOf("HS256")) })]],
    status: 401, error: "signature_invalid",
  },
  {
    name: "unknown kid: key_not_found",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", {}, { key: await foreignKey("ES256", "rotated-away") }))],
    status: 401, error: "key_not_found",
  },
  {
    name: "alg none with a signature segment: algorithm_unsupported",
    headers: (now) => [bearer(noneToken(ordersClaims(now)) + "c2ln")],
    status: 401, error: "algorithm_unsupported",
  },
  {
    name: "alg None (any case) with a kid: algorithm_unsupported",
    headers: (now) => [bearer(noneToken(ordersClaims(now), { alg: "None", kid: kidOf("RS256") }) + "c2ln")],
    status: 401, error: "algorithm_unsupported",
  },
  {
    // RFC 7519 6.1's unsecured JWT ends in an empty signature segment, which the parser refuses
    // before it reads alg (the README's table lists alg none under algorithm_unsupported).
    name: "an unsecured JWT (alg none, empty signature): token_malformed",
    headers: (now) => [bearer(noneToken(ordersClaims(now)))],
    status: 401, error: "token_malformed",
  },
  {
    name: "an algorithm not in the list (ES512): algorithm_unsupported",
    headers: (now) => [bearer(`${b64u(JSON.stringify({ alg: "ES512", kid: kidOf("ES256") }))}.${b64u(JSON.stringify(ordersClaims(now)))}.${b64u(randomBytes(132))}`)],
    status: 401, error: "algorithm_unsupported",
  },
  {
    name: "algorithm confusion: HS256 keyed with the RSA public key, RSA kid: key_not_found",
    headers: (now) => [bearer(hmacToken("HS256", rsaPublicPem("RS256"), ordersClaims(now), { kid: kidOf("RS256") }))],
    status: 401, error: "key_not_found",
  },
  {
    name: "algorithm confusion: HS256 keyed with the RSA public key, no kid: key_not_found",
    headers: (now) => [bearer(hmacToken("HS256", rsaPublicPem("RS256"), ordersClaims(now)))],
    status: 401, error: "key_not_found",
  },
  {
    name: "algorithm confusion: HS256 keyed with the RSA modulus bytes, RSA kid: key_not_found",
    headers: (now) => [bearer(hmacToken("HS256", Buffer.from(PRIVATE_JWKS.RS256.n!, "base64url"), ordersClaims(now), { kid: kidOf("RS256") }))],
    status: 401, error: "key_not_found",
  },
  {
    name: "ES256 token naming an RSA key's kid: key_not_found",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", {}, { header: { kid: kidOf("RS256") } }))],
    status: 401, error: "key_not_found",
  },
  {
    name: "RS256 token naming the kid of a key declared PS256: key_not_found",
    headers: async (now) => [bearer(await ordersToken(now, "RS256", {}, { key: { ...PRIVATE_JWKS.PS256, alg: "RS256" } }))],
    status: 401, error: "key_not_found",
  },
  // ---- malformed and oversized
  {
    name: "two segments: token_malformed",
    headers: async (now) => [bearer((await ordersToken(now)).split(".").slice(0, 2).join("."))],
    status: 401, error: "token_malformed",
  },
  {
    name: "four segments: token_malformed",
    headers: async (now) => [bearer(`${await ordersToken(now)}.AAAA`)],
    status: 401, error: "token_malformed",
  },
  {
    name: "a character outside base64url: token_malformed",
    headers: async (now) => {
      const [h, p, s] = (await ordersToken(now)).split(".");
      return [bearer(`${h}.${p.slice(0, 10)}+${p.slice(11)}.${s}`)];
    },
    status: 401, error: "token_malformed",
  },
  {
    name: "base64 padding: token_malformed",
    headers: async (now) => {
      const [h, p, s] = (await ordersToken(now)).split(".");
      return [bearer(`${h}=.${p}.${s}`)];
    },
    status: 401, error: "token_malformed",
  },
  {
    name: "a payload that is JSON but not an object: token_malformed",
    headers: async () => [bearer(await mint("ES256", {}, { rawPayload: '["iss","https://idp.example.com"]' }))],
    status: 401, error: "token_malformed",
  },
  {
    name: "a payload that is not JSON: token_malformed",
    headers: async () => [bearer(await mint("ES256", {}, { rawPayload: "{iss:1" }))],
    status: 401, error: "token_malformed",
  },
  {
    name: "a header that is not JSON: token_malformed",
    headers: (now) => [bearer(`${b64u("not json")}.${b64u(JSON.stringify(ordersClaims(now)))}.${b64u("sig")}`)],
    status: 401, error: "token_malformed",
  },
  {
    name: "longer than max_token_bytes (8192): token_too_large",
    headers: async (now) => [bearer(await ordersToken(now, "ES256", { pad: "x".repeat(7000) }))],
    status: 401, error: "token_too_large",
  },
  {
    name: "a token just under max_token_bytes passes",
    headers: async (now) => {
      const base = await ordersToken(now, "ES256", { pad: "" });
      // 4 payload characters per 3 bytes of JSON: fill the gap to 8192 characters.
      return [bearer(await ordersToken(now, "ES256", { pad: "x".repeat(Math.floor((8192 - base.length) * 3 / 4) - 2) }))];
    },
    status: 200, consumer: "orders-app",
  },
  // ---- where the token is
  {
    name: "no token: token_missing (WWW-Authenticate without error)",
    headers: () => [],
    status: 401, error: "token_missing",
  },
  {
    name: "an Authorization header of another scheme holds no token: token_missing",
    headers: () => [["authorization", "Basic dXNlcjpwYXNz"]],
    status: 401, error: "token_missing",
  },
  {
    name: "a good header token and a bad query token: denied",
    path: "/orders?access_token=BAD",
    headers: async (now) => [bearer(await ordersToken(now))],
    status: 401, error: "token_malformed",
  },
  {
    name: "a bad header token and a good query token: denied",
    path: async (now) => `/orders?access_token=${await ordersToken(now, "ES384")}`,
    headers: async (now) => [bearer(flipSignature(await ordersToken(now, "PS256")))],
    status: 401, error: "signature_invalid",
  },
  {
    name: "the same consumer in header and query: passes",
    path: async (now) => `/orders?access_token=${await ordersToken(now, "RS256")}`,
    headers: async (now) => [bearer(await ordersToken(now, "RS512"))],
    status: 200, consumer: "orders-app",
  },
  {
    name: "tokens of two consumers: tokens_conflict",
    headers: async (now) => [bearer(await ordersToken(now)), ["x-partner-token", await partnerToken(now)]],
    status: 401, error: "tokens_conflict",
  },
  // ---- keep_token: false (partner)
  {
    name: "keep_token: false removes the query parameter and keeps the others",
    path: async (now) => `/orders/7?a=1&partner_token=${await partnerToken(now)}&b=%20x&c`,
    headers: () => [],
    status: 200, consumer: "partner", upstreamPath: "/orders/7?a=1&b=%20x&c",
  },
  {
    name: "keep_token: false with the parameter first and last",
    path: async (now) => `/orders?partner_token=${await partnerToken(now, "HS512")}`,
    headers: () => [],
    status: 200, consumer: "partner", upstreamPath: "/orders",
  },
  {
    name: "keep_token: false removes the cookie and keeps the others",
    headers: async (now) => [["cookie", `theme=dark; partner_token=${await partnerToken(now, "HS384")}; sid=1`]],
    status: 200, consumer: "partner", upstream: { cookie: "theme=dark; sid=1" },
  },
  // ---- identity headers the client cannot set
  {
    name: "spoofed x-mse-consumer and claim headers with a valid token: replaced by the verified ones",
    headers: async (now) => [bearer(await ordersToken(now)), ["x-mse-consumer", "partner"], ["x-user-id", "root"], ["x-jwt-tenant", "globex"], ["x-jwt-roles", "admin"]],
    status: 200, consumer: "orders-app", upstream: userHeaders,
  },
  {
    name: "spoofed claim header the token does not carry: removed",
    headers: async (now) => {
      const c = ordersClaims(now);
      delete c.tenant;
      return [bearer(await mint("RS384", c)), ["x-jwt-tenant", "globex"]];
    },
    status: 200, consumer: "orders-app", upstream: { "x-jwt-tenant": null, "x-user-id": "user-42" },
  },
  {
    name: "spoofed identity without a token on an allow_missing route: passes anonymous, headers removed",
    path: "/public/catalog",
    headers: () => [["x-mse-consumer", "orders-app"], ["x-user-id", "root"], ["x-jwt-tenant", "acme"]],
    status: 200, consumer: null, upstream: { "x-user-id": null, "x-jwt-tenant": null },
    counters: { anonymous: 1, allowed: 0 },
  },
  {
    name: "spoofed identity without a token where a token is needed: 401",
    headers: () => [["x-mse-consumer", "orders-app"], ["x-user-id", "root"]],
    status: 401, error: "token_missing",
  },
  // ---- per route
  {
    name: "admin route: an allowed consumer passes",
    path: "/admin/users",
    headers: async (now) => [bearer(await ordersToken(now, "PS512"))],
    status: 200, consumer: "orders-app",
  },
  {
    name: "admin route: a verified consumer not in allow gets 403",
    path: "/admin/users",
    headers: async (now) => [["x-partner-token", await partnerToken(now, "HS512")]],
    status: 403, error: "consumer_not_allowed",
  },
  {
    name: "admin route: no token is 401",
    path: "/admin/users",
    headers: () => [],
    status: 401, error: "token_missing",
  },
  {
    name: "allow_missing route: no token passes anonymous",
    path: "/public/catalog",
    headers: () => [],
    status: 200, consumer: null, counters: { anonymous: 1, allowed: 0 },
  },
  {
    name: "allow_missing route: a valid token still names the consumer",
    path: "/public/catalog",
    headers: async (now) => [bearer(await ordersToken(now, "RS256"))],
    status: 200, consumer: "orders-app", upstream: userHeaders,
  },
  {
    name: "allow_missing route: a bad token is refused",
    path: "/public/catalog",
    headers: async (now) => [bearer(await ordersToken(now, "RS256", { exp: now - 3600, iat: now - 7200 }))],
    status: 401, error: "token_expired",
  },
  {
    name: "allow_missing route: an empty access_token is no token",
    path: "/public/catalog?access_token=",
    headers: () => [["authorization", "Bearer "]],
    status: 200, consumer: null, counters: { anonymous: 1, allowed: 0 },
  },
  {
    name: "five access_token parameters: too_many_tokens (each would cost a signature check)",
    path: async (now) => `/orders?${Array(5).fill(`access_token=${await ordersToken(now, "RS256")}`).join("&")}`,
    headers: () => [],
    status: 401, error: "too_many_tokens",
  },
  {
    name: "two partner_token cookies, the second forged: refused",
    headers: async (now) => [["cookie", `partner_token=${await partnerToken(now, "HS256")}; partner_token=${await partnerToken(now, "HS256", { sub: "admin" }, { key: { ...PRIVATE_JWKS.HS256, k: Buffer.alloc(32, 7).toString("base64url") } })}`]],
    status: 401, error: "signature_invalid",
  },
  {
    name: "_disable_ route: no token needed, a client's identity headers still removed",
    path: "/healthz",
    headers: () => [["x-mse-consumer", "orders-app"], ["x-user-id", "admin"]],
    status: 200, consumer: null, upstream: { "x-user-id": null }, counters: { anonymous: 1, allowed: 0 },
  },
];

export async function scenarioPath(s: Scenario, now: number): Promise<string> {
  return typeof s.path === "function" ? s.path(now) : (s.path ?? "/orders");
}
