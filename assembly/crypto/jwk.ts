// JSON Web Key (RFC 7517) and JWK Set parsing for signature verification keys.
//
// Input is a configured or fetched JWKS, i.e. not trusted to be well formed: nothing here aborts.
// Every problem becomes an error string that names the key (index and kid) and the reason.
//
// Decisions:
// - A JWKS is `{"keys": [...]}`. A single JWK object (`{"kty": ...}` without "keys") is accepted too,
//   as a set of one: several providers and hand-written configs publish a bare key.
// - A set where some keys are unusable keeps the good ones and reports the others in `errors`
//   (providers publish encryption keys and new algorithms next to signing keys). A document that
//   is not JSON, not an object, has no "keys" array (and is not a single JWK), is larger than
//   maxBytes, or has more than maxKeys keys, is malformed: no keys, `valid` false.
// - Supported: kty RSA (n, e), EC with crv P-256 / P-384 (x, y), OKP with crv Ed25519 (x), oct (k).
//   Anything else is reported by name ("unsupported kty \"X\"", "unsupported crv \"Y\"").
// - One validator: a key is listed as usable only if the verification key object was built from it,
//   and that object is kept on the Jwk (`rsa`, `ec`, `ed`; the `k` bytes for oct). The rules are the
//   constructors' (RsaPublicKey.check, EcPublicKey.fromXY, Ed25519PublicKey.fromBytes); this file
//   only turns their refusals into messages.
// - RSA: n is 2048..4096 bits by default (JwkOptions.minRsaBits / maxRsaBits, clamped to the
//   512..8192 that RsaPublicKey supports), odd; e is odd, >= 3, below n and at most 32 bits (real
//   keys use 65537; RsaPublicKey itself takes up to 64, but a JWKS may come from a remote fetch). Leading zero bytes of n and e are stripped (the encodings are supposed to have none).
// - EC: x and y must have the exact field length (32 or 48 bytes, RFC 7518 §6.2.1.2), be < p, and
//   be a point on the curve.
// - OKP Ed25519: x is 32 bytes and must be a canonical, non-small-order curve point.
// - oct: k is non-empty (minimum HMAC key sizes are the JWT policy's business).
// - "use", if present, must be "sig"; "key_ops", if present, must be an array of strings that
//   contains "verify"; "alg", if present, must be a JWS algorithm that fits the key type and curve
//   (RS256/384/512, PS256/384/512 for RSA; ES256 for P-256, ES384 for P-384; EdDSA or Ed25519 for
//   OKP; HS256/384/512 for oct). That stops one key being used with two algorithms.
// - Member types are checked: kid/alg/use/crv and the key material must be strings; the key
//   material must be strict unpadded base64url.
// - A key that carries private material (RSA/EC/OKP "d", RSA "p", "q", "dp", "dq", "qi", "oth") is
//   refused: a verification key set must not hold signing keys (a leaked JWKS would be a leaked IdP).

import { JsonLimits, JsonValue, parseJsonBytes } from "../lib/json";
import { base64UrlDecode } from "../lib/base64";
import { bitLengthBytes, significantBytes } from "./bigint";
import { Curve, EcPublicKey, curveFromName } from "./ecdsa";
import { Ed25519PublicKey } from "./ed25519";
import { RSA_ABSOLUTE_MIN_BITS, RSA_MAX_BITS, RSA_MAX_EXPONENT_BITS, RsaKeyError, RsaPublicKey } from "./rsa";

export class JwkOptions {
  /** Smallest RSA modulus accepted, in bits; values below 512 (RSA_ABSOLUTE_MIN_BITS) act as 512. */
  minRsaBits: i32 = 2048;
  /** Largest RSA modulus accepted, in bits; values above 8192 (RSA_MAX_BITS) act as 8192. */
  maxRsaBits: i32 = 4096;
  /** Keys beyond this make the whole document malformed (bounded memory per fetched JWKS). */
  maxKeys: i32 = 100;
  /** Larger documents are rejected before parsing. */
  maxBytes: i32 = 256 * 1024;
  constructor(minRsaBits: i32 = 2048) {
    this.minRsaBits = minRsaBits;
  }
}

const EMPTY = new Uint8Array(0);

export class Jwk {
  /** "RSA", "EC", "OKP" or "oct". */
  kty: string = "";
  /** Empty when absent. */
  kid: string = "";
  /** Empty when absent; otherwise a JWS algorithm compatible with kty/crv. */
  alg: string = "";
  /** Empty when absent, else "sig". */
  use: string = "";
  /** "P-256", "P-384" or "Ed25519"; empty for RSA and oct. */
  crv: string = "";
  /** RSA modulus and public exponent, big-endian, no leading zeros. */
  n: Uint8Array = EMPTY;
  e: Uint8Array = EMPTY;
  /** RSA modulus size in bits (0 for other types). */
  bits: i32 = 0;
  /** EC coordinates (big-endian, field length) or the OKP public key (x only). */
  x: Uint8Array = EMPTY;
  y: Uint8Array = EMPTY;
  /** oct key bytes. */
  k: Uint8Array = EMPTY;
  /** The verification key, built from n and e (kty RSA; null otherwise). */
  rsa: RsaPublicKey | null = null;
  /** The verification key, built from crv, x and y (kty EC; null otherwise). */
  ec: EcPublicKey | null = null;
  /** The verification key, built from x (kty OKP; null otherwise). */
  ed: Ed25519PublicKey | null = null;

  /** True if a JWS with header alg `alg` may be verified with this key (alg and kty/crv agree). */
  allowsAlg(alg: string): bool {
    if (this.alg.length > 0 && this.alg != alg) return false;
    return algFitsKey(alg, this.kty, this.crv);
  }
}

export class JwkResult {
  key: Jwk | null = null;
  /** Empty on success. */
  error: string = "";
  constructor(key: Jwk | null, error: string) {
    this.key = key;
    this.error = error;
  }
}

export class JwksResult {
  /** Usable keys, in document order. */
  keys: Jwk[] = [];
  /** One message per rejected key, or one message for a malformed document. */
  errors: string[] = [];
  /** False if the document itself is malformed (then keys is empty). */
  valid: bool = true;
}

/** Whether JWS algorithm `alg` can be used with a key of type kty (and curve crv). */
export function algFitsKey(alg: string, kty: string, crv: string): bool {
  if (kty == "RSA") {
    return alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256" || alg == "PS384" || alg == "PS512";
  }
  if (kty == "EC") return (alg == "ES256" && crv == "P-256") || (alg == "ES384" && crv == "P-384");
  if (kty == "OKP") return (alg == "EdDSA" || alg == "Ed25519") && crv == "Ed25519";
  if (kty == "oct") return alg == "HS256" || alg == "HS384" || alg == "HS512";
  return false;
}

// A printable, bounded rendering of an untrusted string for error messages.
function quote(s: string): string {
  const max = 40;
  let out = '"';
  const n = min(s.length, max);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x20 || c == 0x7f || c == 0x22 || c == 0x5c || c > 0x7e ? "?" : String.fromCharCode(c);
  }
  if (s.length > max) out += "...";
  return out + '"';
}

// Optional string member: returns null when absent; sets err when present but not a string.
class Fields {
  err: string = "";

  str(v: JsonValue, name: string): string | null {
    const m = v.get(name);
    if (m == null) return null;
    if (!m.isString()) {
      if (this.err.length == 0) this.err = '"' + name + '" is not a string';
      return null;
    }
    return m.stringValue;
  }

  /** Required base64url member. */
  bytes(v: JsonValue, name: string): Uint8Array | null {
    const m = v.get(name);
    if (m == null) {
      if (this.err.length == 0) this.err = 'missing "' + name + '"';
      return null;
    }
    if (!m.isString()) {
      if (this.err.length == 0) this.err = '"' + name + '" is not a string';
      return null;
    }
    const b = base64UrlDecode(m.stringValue);
    if (b == null) {
      if (this.err.length == 0) this.err = '"' + name + '" is not valid base64url';
      return null;
    }
    return b;
  }
}

// The bytes without their leading zero bytes (the same array when there are none).
function trimmed(b: Uint8Array): Uint8Array {
  const sig = significantBytes(b.dataStart, b.length);
  return sig == b.length ? b : b.slice(b.length - sig);
}

// a < b for big-endian a (with `aBytes` significant bytes) and b, leading zero bytes ignored.
function bytesLess(a: Uint8Array, aBytes: i32, b: Uint8Array): bool {
  const bBytes = significantBytes(b.dataStart, b.length);
  if (aBytes != bBytes) return aBytes < bBytes;
  const pa = a.dataStart + <usize>(a.length - aBytes);
  const pb = b.dataStart + <usize>(b.length - bBytes);
  return memory.compare(pa, pb, <usize>aBytes) < 0;
}

// Why RsaPublicKey.fromBytes refused n and e, with the bounds it applied.
function rsaError(n: Uint8Array, e: Uint8Array, minBits: i32, maxBits: i32): string {
  const why = RsaPublicKey.check(n, e, minBits, maxBits);
  const bits = bitLengthBytes(n.dataStart, n.length).toString();
  if (why == RsaKeyError.MODULUS_ZERO) return "RSA modulus is zero";
  if (why == RsaKeyError.MODULUS_TOO_SHORT) return "RSA modulus has " + bits + " bits, minimum is " + minBits.toString();
  if (why == RsaKeyError.MODULUS_TOO_LONG) return "RSA modulus has " + bits + " bits, maximum is " + maxBits.toString();
  if (why == RsaKeyError.MODULUS_EVEN) return "RSA modulus is even";
  if (why == RsaKeyError.EXPONENT_NOT_ODD) return "RSA exponent is not odd";
  if (why == RsaKeyError.EXPONENT_TOO_LARGE) return "RSA exponent is larger than " + RSA_MAX_EXPONENT_BITS.toString() + " bits";
  if (why == RsaKeyError.EXPONENT_TOO_SMALL) return "RSA exponent is less than 3";
  return "RSA key rejected";
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth"];

function fail(error: string): JwkResult {
  return new JwkResult(null, error);
}

/** Validates one JWK (see the file comment for the rules). Never aborts. */
export function parseJwk(v: JsonValue, options: JwkOptions | null = null): JwkResult {
  const opt = options != null ? options : new JwkOptions();
  if (!v.isObject()) return fail("not a JSON object");
  const f = new Fields();
  const ktyV = v.get("kty");
  if (ktyV == null) return fail('missing "kty"');
  if (!ktyV.isString()) return fail('"kty" is not a string');
  const kty = ktyV.stringValue;
  const key = new Jwk();
  key.kty = kty;
  const kid = f.str(v, "kid");
  const alg = f.str(v, "alg");
  const use = f.str(v, "use");
  if (f.err.length != 0) return fail(f.err);
  if (kid != null) key.kid = kid;
  if (use != null) {
    if (use != "sig") return fail('"use" is ' + quote(use) + ', not "sig"');
    key.use = use;
  }
  const ops = v.get("key_ops");
  if (ops != null) {
    if (!ops.isArray()) return fail('"key_ops" is not an array');
    let verify = false;
    for (let i = 0; i < ops.items.length; i++) {
      const op = ops.items[i];
      if (!op.isString()) return fail('"key_ops" has a non-string entry');
      if (op.stringValue == "verify") verify = true;
    }
    if (!verify) return fail('"key_ops" does not include "verify"');
  }

  if (kty != "oct") {
    for (let i = 0; i < PRIVATE_MEMBERS.length; i++) {
      const m = unchecked(PRIVATE_MEMBERS[i]);
      if (v.get(m) != null) return fail("has private key material (" + quote(m) + "): publish only the public key");
    }
  }

  if (kty == "RSA") {
    const n = f.bytes(v, "n");
    const e = f.bytes(v, "e");
    if (n == null || e == null) return fail(f.err);
    // JWKS policy on top of what RsaPublicKey accepts: e at most 32 bits (real keys use 65537; a
    // large e from a fetched JWKS would only make every verification slower) and below n.
    const eBytes = significantBytes(e.dataStart, e.length);
    if (eBytes > 4) return fail("RSA exponent is larger than 32 bits");
    if (significantBytes(n.dataStart, n.length) > 0 && !bytesLess(e, eBytes, n)) return fail("RSA exponent is not less than the modulus");
    // The options, clamped to what RsaPublicKey supports (it would apply the same bounds).
    const minBits = max(opt.minRsaBits, RSA_ABSOLUTE_MIN_BITS);
    const maxBits = min(opt.maxRsaBits, RSA_MAX_BITS);
    const rk = RsaPublicKey.fromBytes(n, e, minBits, maxBits);
    if (rk == null) return fail(rsaError(n, e, minBits, maxBits));
    key.rsa = rk;
    key.n = trimmed(n);
    key.e = trimmed(e);
    key.bits = rk.bits;
  } else if (kty == "EC") {
    const crv = f.str(v, "crv");
    if (f.err.length != 0) return fail(f.err);
    if (crv == null) return fail('missing "crv"');
    const curve = curveFromName(crv);
    if (curve < 0) return fail("unsupported crv " + quote(crv) + " for kty EC");
    const size = curve == Curve.P256 ? 32 : 48;
    const x = f.bytes(v, "x");
    const y = f.bytes(v, "y");
    if (x == null || y == null) return fail(f.err);
    if (x.length != size || y.length != size) {
      return fail(crv + ' "x" and "y" must be ' + size.toString() + " bytes each");
    }
    const ek = EcPublicKey.fromXY(<Curve>curve, x, y);
    if (ek == null) return fail(crv + ' ("x", "y") is not a point on the curve');
    key.ec = ek;
    key.crv = crv;
    key.x = x;
    key.y = y;
  } else if (kty == "OKP") {
    const crv = f.str(v, "crv");
    if (f.err.length != 0) return fail(f.err);
    if (crv == null) return fail('missing "crv"');
    if (crv != "Ed25519") return fail("unsupported crv " + quote(crv) + " for kty OKP");
    const x = f.bytes(v, "x");
    if (x == null) return fail(f.err);
    if (x.length != 32) return fail('Ed25519 "x" must be 32 bytes');
    const ek = Ed25519PublicKey.fromBytes(x);
    if (ek == null) return fail('Ed25519 "x" is not a valid public key');
    key.ed = ek;
    key.crv = crv;
    key.x = x;
  } else if (kty == "oct") {
    const k = f.bytes(v, "k");
    if (k == null) return fail(f.err);
    if (k.length == 0) return fail('"k" is empty');
    key.k = k;
  } else {
    return fail("unsupported kty " + quote(kty));
  }

  if (alg != null) {
    if (!algFitsKey(alg, key.kty, key.crv)) {
      const what = key.crv.length > 0 ? key.kty + " " + key.crv : key.kty;
      return fail('"alg" ' + quote(alg) + " is not a JWS algorithm for " + what + " keys");
    }
    key.alg = alg;
  }
  return new JwkResult(key, "");
}

function label(index: i32, v: JsonValue): string {
  let s = "keys[" + index.toString() + "]";
  const kid = v.get("kid");
  if (kid != null && kid.isString()) s += " (kid " + quote(kid.stringValue) + ")";
  return s;
}

function malformed(error: string): JwksResult {
  const r = new JwksResult();
  r.valid = false;
  r.errors.push("invalid JWKS: " + error);
  return r;
}

/** Parses a JWK Set (or a single JWK) from UTF-8 bytes. Never aborts. */
export function parseJwksBytes(data: Uint8Array, options: JwkOptions | null = null): JwksResult {
  const opt = options != null ? options : new JwkOptions();
  if (data.length > opt.maxBytes) return malformed("larger than " + opt.maxBytes.toString() + " bytes");
  const parsed = parseJsonBytes(data, new JsonLimits(opt.maxBytes, 16));
  const doc = parsed.value;
  if (doc == null || !parsed.ok) return malformed(parsed.error + " at byte " + parsed.offset.toString());
  if (!doc.isObject()) return malformed("not a JSON object");
  const result = new JwksResult();
  const keys = doc.get("keys");
  if (keys == null) {
    if (!doc.has("kty")) return malformed('no "keys" array');
    const one = parseJwk(doc, opt);
    if (one.key != null) result.keys.push(one.key!);
    else result.errors.push(label(0, doc) + ": " + one.error);
    return result;
  }
  if (!keys.isArray()) return malformed('"keys" is not an array');
  const n = keys.items.length;
  if (n > opt.maxKeys) return malformed("more than " + opt.maxKeys.toString() + " keys");
  for (let i = 0; i < n; i++) {
    const item = keys.items[i];
    const r = parseJwk(item, opt);
    if (r.key != null) result.keys.push(r.key!);
    else result.errors.push(label(i, item) + ": " + r.error);
  }
  return result;
}

/** Parses a JWK Set (or a single JWK) from text. Never aborts. */
export function parseJwks(text: string, options: JwkOptions | null = null): JwksResult {
  return parseJwksBytes(Uint8Array.wrap(String.UTF8.encode(text)), options);
}
