// jwt-auth's benchmark variants: the plugin against Envoy's native envoy.filters.http.jwt_authn,
// both configured with the same key (a JWKS minted here with node:crypto at start-up) and sent the
// same tokens, for RS256 (RSA 2048), ES256 (P-256) and EdDSA (Ed25519):
//   * "one token": every request carries the same token, so after the first request both answer
//     from their verified-token cache (the plugin's default token_cache_size 1000; native's
//     jwt_cache_config, enabled here with the same size);
//   * "new token": every request carries the next token of a list of ROTATION tokens, each with its
//     own jti, so every request is a full verification: the default runs never send a variant more
//     than ROTATION requests (cpu.ts: 50 + 9 x 400), and past that a token comes back to a filter
//     only after ROTATION others (~2000 per worker with 2 workers: long evicted from a 1000-entry cache).
// Proof: the plugin sets x-mse-consumer: bench (the consumer); native copies the token's `sub`
// claim ("bench") into the same header with claim_to_headers. A token signed by another key of the
// same type and kid must be refused with 401 by both before anything is measured, and the cache
// hit / miss counters of each variant must show the cache did (or did not) answer.

import { generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import type { PluginBench, Rotation, Variant } from "./variants.ts";

const ISSUER = "https://bench.example.com";
const CONSUMER = "bench";
/** tokens in a rotating list (see above) */
export const ROTATION = 4096;
/** both caches: the plugin's default token_cache_size, and native's jwt_cache_size */
const CACHE_SIZE = 1000;

interface Alg {
  /** JWS alg */
  alg: "RS256" | "ES256" | "EdDSA";
  /** short name used in variant ids and labels */
  short: string;
  keyPair(): { publicKey: KeyObject; privateKey: KeyObject };
  signature(data: Buffer, key: KeyObject): Buffer;
}

const ALGS: Alg[] = [
  {
    alg: "RS256", short: "rs256",
    keyPair: () => generateKeyPairSync("rsa", { modulusLength: 2048 }),
    signature: (data, key) => sign("sha256", data, key),
  },
  {
    alg: "ES256", short: "es256",
    keyPair: () => generateKeyPairSync("ec", { namedCurve: "P-256" }),
    signature: (data, key) => sign("sha256", data, { key, dsaEncoding: "ieee-p1363" }),
  },
  {
    alg: "EdDSA", short: "eddsa",
    keyPair: () => generateKeyPairSync("ed25519"),
    signature: (data, key) => sign(null, data, key),
  },
];

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** A compact JWS over a fresh payload (unique jti; valid for a day, so a bench run never sees it expire). */
function mint(a: Alg, kid: string, key: KeyObject): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: a.alg, typ: "JWT", kid }));
  const payload = b64url(JSON.stringify({ iss: ISSUER, sub: CONSUMER, iat: now - 60, exp: now + 86_400, jti: randomUUID() }));
  const input = `${header}.${payload}`;
  return `${input}.${b64url(a.signature(Buffer.from(input), key))}`;
}

/** Native jwt_authn with one provider reading the same JWKS, verifying every request. */
function nativeFilter(jwks: object): string {
  // JSON.stringify of the JSON text is a valid YAML double-quoted scalar.
  const inline = JSON.stringify(JSON.stringify(jwks));
  return `
          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              providers:
                bench:
                  issuer: ${ISSUER}
                  local_jwks: { inline_string: ${inline} }
                  from_headers: [{ name: Authorization, value_prefix: "Bearer " }]
                  forward: true
                  claim_to_headers: [{ header_name: x-mse-consumer, claim_name: sub }]
                  jwt_cache_config: { jwt_cache_size: ${CACHE_SIZE} }
              rules:
              - match: { prefix: / }
                requires: { provider_name: bench }`;
}

/**
 * The variants, in the order they are measured, per algorithm: "no filter" with its token, the plugin
 * and native with that token, then with a new token per request (those are sent `scale` of the
 * requests: a full verification costs tens to hundreds of times a cached one). Each comparison is
 * next to its "no filter", so the CPU bench's paired differences are taken over the shortest time.
 */
export function jwtBench(plugin: (id: string, label: string, name: string, config: object, headers: [string, string][], proof?: [string, string]) => Variant): PluginBench {
  const proof: [string, string] = ["x-mse-consumer", CONSUMER];
  const variants: Variant[] = [];
  for (const a of ALGS) {
    const kid = `bench-${a.short}`;
    const { publicKey, privateKey } = a.keyPair();
    const jwks = { keys: [{ ...(publicKey.export({ format: "jwk" }) as object), kid, alg: a.alg, use: "sig" }] };
    const token = mint(a, kid, privateKey);
    const bad = mint(a, kid, a.keyPair().privateKey); // right kid, another key: the signature fails
    const reject = { headers: [["authorization", `Bearer ${bad}`]] as [string, string][], status: 401 };
    const headers: [string, string][] = [["authorization", `Bearer ${token}`]];
    // Each algorithm's tokens have their own length (RS256 ~550 bytes, the others ~290): Envoy reading
    // the header alone costs ~45 instructions a byte, so each algorithm has its own "no filter".
    const baseline = `jwt-none-${a.short}`;
    variants.push({ id: baseline, label: `no filter, ${a.alg} token`, filters: "", headers });
    const config = { consumers: [{ name: CONSUMER, issuer: ISSUER, jwks }], global_auth: true };
    const native = nativeFilter(jwks);
    // One list of tokens (minted when first needed) for the plugin and the native variant, each going
    // through it from the start on its own (the plugin's host-call floor shares the plugin's place).
    let tokens: string[] = [];
    const rotation = (): Rotation => {
      let next = 0;
      return {
        header: "authorization",
        next() {
          if (tokens.length === 0) tokens = Array.from({ length: ROTATION }, () => `Bearer ${mint(a, kid, privateKey)}`);
          return tokens[next++ % tokens.length]!;
        },
      };
    };
    const nativeStat = (id: string, what: string) => `http.${id.replace(/-/g, "_")}.jwt_authn.${what}`;
    variants.push(
      { ...plugin(`jwt-${a.short}`, `jwt-auth ${a.alg}, one token (cached)`, "jwt-auth", config, headers, proof),
        memoryScale: 0.3, baseline, reject, stats: { "wasmcustom.jwt_auth.cache_hit": 1, "wasmcustom.jwt_auth.cache_miss": 0 }, native: `jwt-native-${a.short}`, goal: 1.2 },
      { id: `jwt-native-${a.short}`, label: `native jwt_authn ${a.alg}, one token (cached)`, filters: native, headers, proof,
        baseline, reject, stats: { [nativeStat(`jwt-native-${a.short}`, "jwt_cache_hit")]: 1, [nativeStat(`jwt-native-${a.short}`, "jwt_cache_miss")]: 0 } },
    );
    variants.push(
      { ...plugin(`jwt-${a.short}-new`, `jwt-auth ${a.alg}, new token per request`, "jwt-auth", config, headers, proof),
        rotate: rotation(), scale: 0.1, memoryScale: 0.02, baseline, reject, stats: { "wasmcustom.jwt_auth.cache_hit": 0, "wasmcustom.jwt_auth.cache_miss": 1 }, native: `jwt-native-${a.short}-new`, goal: a.alg === "RS256" ? 3 : undefined },
      { id: `jwt-native-${a.short}-new`, label: `native jwt_authn ${a.alg}, new token per request`, filters: native, headers, proof,
        rotate: rotation(), scale: 0.1, baseline, reject, stats: { [nativeStat(`jwt-native-${a.short}-new`, "jwt_cache_hit")]: 0, [nativeStat(`jwt-native-${a.short}-new`, "jwt_cache_miss")]: 1 } },
    );
  }
  return {
    plugin: "jwt-auth",
    echo: ["x-mse-consumer"],
    sizeGoalKiB: 160,
    variants,
  };
}
