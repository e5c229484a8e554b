// Compact JWS (RFC 7515) as JWTs use it: three base64url segments, a JSON header naming the
// algorithm, a JSON payload and a signature over "header.payload". Parsing never aborts: every
// failure is a JwsError. A token is verified only with an algorithm its key allows (jwk.ts
// allowsAlg: no HMAC keyed with an RSA key, no ES256 with an RSA key, the key's own `alg` if it has
// one), and `none` is not an algorithm here.

import { base64UrlDecodeRange } from "../lib/base64";
import { JsonLimits, JsonValue, parseJsonBytes } from "../lib/json";
import { ecdsaVerify } from "./ecdsa";
import { hmacVerify } from "./hmac";
import { Jwk } from "./jwk";
import { rsaVerifyPkcs1, rsaVerifyPss } from "./rsa";
import { HashAlg } from "./sha2";

export enum JwsError {
  None,
  /** Longer than the limit given to parseJws. */
  TooLarge,
  /** Not three base64url segments, or a segment that does not decode. */
  Malformed,
  /** The header is not a JSON object with a string `alg`, names a non-string `kid`, or asks for extensions (`crit`). */
  BadHeader,
  /** `alg` is not one of ALGORITHMS (`none` included). */
  UnsupportedAlg,
  /** The payload is not a JSON object. */
  BadPayload,
}

/** The algorithms a token may name. */
export const ALGORITHMS: string[] = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

// Headers are small; payloads are claims: both are bounded well below the token limit anyway.
const HEADER_LIMITS = new JsonLimits(4096, 8, 256);
const PAYLOAD_LIMITS = new JsonLimits(65536, 16, 4096);
const EMPTY = new Uint8Array(0);

/** A parsed token. Reused: parseJws overwrites every field. */
export class Jws {
  alg: string = "";
  /** Empty when the header has none. */
  kid: string = "";
  header: JsonValue | null = null;
  /** The claims. */
  payload: JsonValue | null = null;
  /** ASCII of "header.payload", what the signature covers. */
  signingInput: Uint8Array = EMPTY;
  signature: Uint8Array = EMPTY;
}

function isBase64UrlOrDot(c: i32): bool {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
}

/** Parses `token` (at most `maxBytes` characters) into `out`. */
export function parseJws(token: string, maxBytes: i32, out: Jws): JwsError {
  out.alg = "";
  out.kid = "";
  out.header = null;
  out.payload = null;
  out.signingInput = EMPTY;
  out.signature = EMPTY;
  const n = token.length;
  if (n > maxBytes) return JwsError.TooLarge;
  let first = -1;
  let second = -1;
  for (let i = 0; i < n; i++) {
    const c = <i32>token.charCodeAt(i);
    if (!isBase64UrlOrDot(c)) return JwsError.Malformed;
    if (c != 0x2e) continue;
    if (first < 0) first = i;
    else if (second < 0) second = i;
    else return JwsError.Malformed; // a fourth segment (JWE has five)
  }
  if (first <= 0 || second <= first + 1 || second == n - 1) return JwsError.Malformed;
  const headerBytes = base64UrlDecodeRange(token, 0, first);
  const payloadBytes = base64UrlDecodeRange(token, first + 1, second);
  const signature = base64UrlDecodeRange(token, second + 1, n);
  if (headerBytes == null || payloadBytes == null || signature == null) return JwsError.Malformed;

  const header = parseJsonBytes(headerBytes, HEADER_LIMITS).value;
  if (header == null || !header.isObject()) return JwsError.BadHeader;
  const alg = header.get("alg");
  if (alg == null || !alg.isString()) return JwsError.BadHeader;
  if (header.get("crit") != null) return JwsError.BadHeader; // no extension is understood here
  const kid = header.get("kid");
  if (kid != null && !kid.isString()) return JwsError.BadHeader;
  if (!ALGORITHMS.includes(alg.stringValue)) return JwsError.UnsupportedAlg;

  const payload = parseJsonBytes(payloadBytes, PAYLOAD_LIMITS).value;
  if (payload == null || !payload.isObject()) return JwsError.BadPayload;

  const input = new Uint8Array(second);
  for (let i = 0; i < second; i++) unchecked(input[i] = <u8>token.charCodeAt(i));
  out.alg = alg.stringValue;
  out.kid = kid != null ? kid.stringValue : "";
  out.header = header;
  out.payload = payload;
  out.signingInput = input;
  out.signature = signature;
  return JwsError.None;
}

function hashOf(alg: string): HashAlg {
  if (alg.endsWith("384")) return HashAlg.SHA384;
  if (alg.endsWith("512")) return HashAlg.SHA512;
  return HashAlg.SHA256;
}

function hashBytes(alg: string): i32 {
  const h = hashOf(alg);
  return h == HashAlg.SHA512 ? 64 : h == HashAlg.SHA384 ? 48 : 32;
}

/** True when `key` may sign `jws.alg` and its signature over the signing input is valid. */
export function verifyJws(jws: Jws, key: Jwk): bool {
  const alg = jws.alg;
  if (alg.length == 0 || !key.allowsAlg(alg)) return false;
  const input = jws.signingInput;
  const sig = jws.signature;
  const first = alg.charCodeAt(0);
  // HS: RFC 7518 3.2, a key at least as long as the hash output.
  if (first == 0x48) return key.k.length >= hashBytes(alg) && hmacVerify(hashOf(alg), key.k, input, sig);
  if (first == 0x52 || first == 0x50) { // RS, PS
    const rsa = key.rsa;
    if (rsa == null) return false;
    return first == 0x52 ? rsaVerifyPkcs1(rsa, hashOf(alg), input, sig) : rsaVerifyPss(rsa, hashOf(alg), input, sig);
  }
  if (first == 0x45 && alg != "EdDSA") { // ES: the hash follows the key's curve, which allowsAlg matched
    const ec = key.ec;
    return ec != null && ecdsaVerify(ec, input, sig);
  }
  const ed = key.ed;
  return ed != null && ed.verify(input, sig);
}

export enum KeyMatch {
  /** A key verified the signature. */
  Verified,
  /** No key fits: none with the token's kid, or none that allows its algorithm. */
  NoKey,
  /** Keys fit, but none verified the signature. */
  BadSignature,
}

/**
 * Verifies `jws` with a set of keys. A token that names a `kid` is tried only with the keys of
 * that kid; one without tries the keys that allow its algorithm, at most `maxTries` of them (each
 * try is a signature check: bounded work per request). Never "the first key" regardless of type.
 */
export function verifyWithKeys(jws: Jws, keys: Jwk[], maxTries: i32 = 8): KeyMatch {
  let tried = 0;
  for (let i = 0; i < keys.length && tried < maxTries; i++) {
    const key = unchecked(keys[i]);
    if (jws.kid.length > 0 && key.kid != jws.kid) continue;
    if (!key.allowsAlg(jws.alg)) continue;
    tried++;
    if (verifyJws(jws, key)) return KeyMatch.Verified;
  }
  return tried == 0 ? KeyMatch.NoKey : KeyMatch.BadSignature;
}
