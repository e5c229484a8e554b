// ECDSA signature verification for JWS ES256 (P-256 + SHA-256) and ES384 (P-384 + SHA-384),
// RFC 7518 §3.4: the signature is the raw concatenation r || s, each exactly the coordinate size
// (64 or 96 bytes in all), not DER.
//
// A public key is validated and prepared once (EcPublicKey.fromXY from the JWK "x" / "y" bytes):
// coordinates must be full-size and < p, and the point must be on the curve. The key keeps a small
// table of its odd multiples so a verification is one interleaved double-scalar product.
// Checks per signature: exact length, 1 <= r, s < n, result not at infinity, x(R) mod n == r.
// High-S signatures are accepted (JWS does not require low-S).
//
// Nothing aborts: every rejection is a `false` / `null`.

import { ptr } from "./bigint";
import { p256 } from "./p256";
import { p384 } from "./p384";
import { digestLength, digestRaw } from "./sha2";
import { CurveParams } from "./weierstrass";

/** Supported curves (JWK "crv": "P-256", "P-384"). */
export enum Curve {
  P256 = 0,
  P384 = 1,
}

/** The parameters of a curve, or null for an unknown value. */
export function curveParams(curve: Curve): CurveParams | null {
  if (curve == Curve.P256) return p256();
  if (curve == Curve.P384) return p384();
  return null;
}

/** The curve named by a JWK "crv" value ("P-256" / "P-384"), or -1. */
export function curveFromName(crv: string): i32 {
  if (crv == "P-256") return Curve.P256;
  if (crv == "P-384") return Curve.P384;
  return -1;
}

// Message digest scratch (up to SHA-512 size).
let digestBuf: StaticArray<u8> | null = null;

/** A validated EC public key with its precomputed multiples. */
export class EcPublicKey {
  readonly curve: Curve;
  readonly params: CurveParams;
  /** Odd multiples 1Q, 3Q, ..., 15Q (affine, Montgomery form). */
  readonly table: StaticArray<u32>;

  private constructor(curve: Curve, params: CurveParams, table: StaticArray<u32>) {
    this.curve = curve;
    this.params = params;
    this.table = table;
  }

  /**
   * A key from its big-endian affine coordinates (decoded JWK "x" and "y", each exactly 32 bytes for
   * P-256 / 48 for P-384). Null for an unknown curve, wrong lengths, a coordinate >= p or a point not
   * on the curve.
   */
  static fromXY(curve: Curve, x: Uint8Array, y: Uint8Array): EcPublicKey | null {
    const c = curveParams(curve);
    if (c == null) return null;
    const k = c.k;
    const qx = new StaticArray<u32>(k);
    const qy = new StaticArray<u32>(k);
    if (!c.decodePoint(ptr(qx), ptr(qy), x, y)) return null;
    return new EcPublicKey(curve, c, c.keyTable(ptr(qx), ptr(qy)));
  }

  /** Signature length for this curve (2 * coordinate size). */
  get signatureLength(): i32 {
    return 2 * this.params.size;
  }
}

/**
 * Verifies an ECDSA signature (raw r || s) over a precomputed digest. The digest may be of any
 * length: per SEC 1 §4.1.4 its leftmost bits (as many as the order has) are used.
 */
export function ecdsaVerifyDigest(key: EcPublicKey, digest: Uint8Array, signature: Uint8Array): bool {
  const c = key.params;
  const size = c.size;
  if (signature.length != 2 * size) return false;
  // The orders of P-256 / P-384 are exactly 8*size bits long: truncation keeps the first size bytes.
  const eLen = digest.length > size ? size : digest.length;
  return c.verify(key.table, signature.dataStart, signature.dataStart + <usize>size, digest.dataStart, eLen);
}

/** Verifies an ECDSA signature (raw r || s) over a message hashed with the curve's hash (ES256 / ES384). */
export function ecdsaVerify(key: EcPublicKey, message: Uint8Array, signature: Uint8Array): bool {
  const c = key.params;
  const size = c.size;
  if (signature.length != 2 * size) return false;
  let buf = digestBuf;
  if (buf == null) digestBuf = buf = new StaticArray<u8>(64);
  const h = changetype<usize>(buf);
  if (!digestRaw(c.hash, message.dataStart, message.length, h)) return false;
  const hLen = digestLength(c.hash);
  const eLen = hLen > size ? size : hLen;
  return c.verify(key.table, signature.dataStart, signature.dataStart + <usize>size, h, eLen);
}
