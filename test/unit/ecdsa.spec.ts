import { base64UrlDecode } from "../../assembly/lib/base64";
import { Curve, EcPublicKey, curveFromName, ecdsaVerify, ecdsaVerifyDigest } from "../../assembly/crypto/ecdsa";
import { sha256, sha384, sha512 } from "../../assembly/crypto/sha2";

function b64(s: string): Uint8Array {
  const r = base64UrlDecode(s);
  return r == null ? new Uint8Array(0) : r;
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(h.substr(2 * i, 2), 16);
  return out;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function flipped(b: Uint8Array, bit: i32): Uint8Array {
  const c = b.slice(0);
  c[bit >> 3] ^= <u8>(<u32>0x80 >> <u32>(bit & 7));
  return c;
}

// RFC 7515 Appendix A.3 (ES256): JWK x, y and the signature over the signing input.
const A3_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const A3_INPUT =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const A3_SIG = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// The same signature with s replaced by n - s (also valid: JWS does not require low S).
const A3_SIG_HIGH_S = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmU69fgrc8OPGycO0lD3tat_FoFp57SETepkeks4eL_QfA";

// ES384 vector made with node:crypto.
const X384 = "uDbIrNDw_Lh1jZz0L_9vfXfZ1vGammmDZc-Un679DuKjtYxlDzgwBNYQbFXjyq-p";
const Y384 = "AY21hTu8cMGP_KrxW1_Ma1Jte2m2fOc_BzLLKWi7ZkWnvM7DL7XNy0lVawGZgQ9Y";
const MSG = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJwc3MtdmVjdG9yIn0";
const ES384 = "v6FTo5Gl-wve-mSbDP7O17nvCw6vqjWbm8xd9xwzdlvtxE7a_UHPukTlI81qlR8OnfjK4ezlbgEoohS0jfGpwBs6E7f3gVYoSnZf3uEhfVyIs1mo19ttfo-LE_a6b857";
const ES384_HIGH_S = "v6FTo5Gl-wve-mSbDP7O17nvCw6vqjWbm8xd9xwzdlvtxE7a_UHPukTlI81qlR8OYgc1HhMakf7XXetLcg5WP-TF7EgIfqnXfOztoxMVsILPZrQJcNU5_F1hBXQSVVr4";

// Curve constants (big-endian hex).
const P256_P = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P256_N = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P256_GX = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
const P256_GY = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
const P256_2GX = "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978";
const P384_N = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";
const P384_GX = "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7";
const P384_GY = "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";
const P384_2GX = "08d999057ba3d2d969260045c55b97f089025959a6f434d651d207d19fb96e9e4fe0e86ebe0e64f85b96a9c75295df61";

function a3Key(): EcPublicKey {
  return EcPublicKey.fromXY(Curve.P256, b64(A3_X), b64(A3_Y))!;
}

describe("ECDSA: key import", () => {
  it("accepts on-curve points, including the generator", () => {
    expect<bool>(EcPublicKey.fromXY(Curve.P256, b64(A3_X), b64(A3_Y)) != null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P384, b64(X384), b64(Y384)) != null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, fromHex(P256_GX), fromHex(P256_GY)) != null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P384, fromHex(P384_GX), fromHex(P384_GY)) != null).toBe(true);
    expect<i32>(a3Key().signatureLength).toBe(64);
  });
  it("rejects points off the curve, coordinates >= p, wrong sizes and unknown curves", () => {
    const x = b64(A3_X);
    const y = b64(A3_Y);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, x, flipped(y, 255)) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, flipped(x, 0), y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, fromHex(P256_P), y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, x, fromHex(P256_P)) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, new Uint8Array(32), new Uint8Array(32)) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, x.slice(1), y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, concat(new Uint8Array(1), x), y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P384, x, y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, b64(X384), b64(Y384)) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(<Curve>5, x, y) == null).toBe(true);
    expect<bool>(EcPublicKey.fromXY(Curve.P256, new Uint8Array(0), new Uint8Array(0)) == null).toBe(true);
  });
  it("maps JWK crv names", () => {
    expect<i32>(curveFromName("P-256")).toBe(Curve.P256);
    expect<i32>(curveFromName("P-384")).toBe(Curve.P384);
    expect<i32>(curveFromName("P-521")).toBe(-1);
    expect<i32>(curveFromName("secp256k1")).toBe(-1);
  });
});

describe("ECDSA: RFC 7515 A.3 (ES256)", () => {
  it("verifies the RFC signature and its high-S twin", () => {
    const k = a3Key();
    expect<bool>(ecdsaVerify(k, utf8(A3_INPUT), b64(A3_SIG))).toBe(true);
    expect<bool>(ecdsaVerify(k, utf8(A3_INPUT), b64(A3_SIG_HIGH_S))).toBe(true);
    expect<bool>(ecdsaVerifyDigest(k, sha256(utf8(A3_INPUT)), b64(A3_SIG))).toBe(true);
  });
  it("rejects other messages and every bit flip of the signature", () => {
    const k = a3Key();
    const msg = utf8(A3_INPUT);
    const sig = b64(A3_SIG);
    expect<bool>(ecdsaVerify(k, utf8(A3_INPUT + "."), sig)).toBe(false);
    for (let bit = 0; bit < 512; bit++) {
      expect<bool>(ecdsaVerify(k, msg, flipped(sig, bit))).toBe(false);
    }
  });
  it("rejects r or s out of range and wrong lengths", () => {
    const k = a3Key();
    const msg = utf8(A3_INPUT);
    const sig = b64(A3_SIG);
    const r = sig.slice(0, 32);
    const s = sig.slice(32);
    const zero = new Uint8Array(32);
    const n = fromHex(P256_N);
    const ff = new Uint8Array(32);
    ff.fill(0xff);
    expect<bool>(ecdsaVerify(k, msg, concat(zero, s))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(r, zero))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(n, s))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(r, n))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(ff, s))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(r, ff))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, sig.slice(1))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, concat(sig, new Uint8Array(1)))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, new Uint8Array(0))).toBe(false);
    expect<bool>(ecdsaVerify(k, msg, new Uint8Array(96))).toBe(false);
  });
  it("uses the leftmost bytes of a longer digest", () => {
    const k = a3Key();
    const h = sha256(utf8(A3_INPUT));
    expect<bool>(ecdsaVerifyDigest(k, concat(h, sha512(h)), b64(A3_SIG))).toBe(true);
    expect<bool>(ecdsaVerifyDigest(k, h.slice(0, 31), b64(A3_SIG))).toBe(false);
    expect<bool>(ecdsaVerifyDigest(k, new Uint8Array(0), b64(A3_SIG))).toBe(false);
  });
});

describe("ECDSA: ES384 vector (node:crypto)", () => {
  it("verifies, also with high S", () => {
    const k = EcPublicKey.fromXY(Curve.P384, b64(X384), b64(Y384))!;
    expect<bool>(ecdsaVerify(k, utf8(MSG), b64(ES384))).toBe(true);
    expect<bool>(ecdsaVerify(k, utf8(MSG), b64(ES384_HIGH_S))).toBe(true);
    expect<bool>(ecdsaVerifyDigest(k, sha384(utf8(MSG)), b64(ES384))).toBe(true);
  });
  it("rejects bit flips, other messages and the P-256 signature size", () => {
    const k = EcPublicKey.fromXY(Curve.P384, b64(X384), b64(Y384))!;
    const sig = b64(ES384);
    for (let bit = 0; bit < 768; bit += 7) {
      expect<bool>(ecdsaVerify(k, utf8(MSG), flipped(sig, bit))).toBe(false);
    }
    expect<bool>(ecdsaVerify(k, utf8(MSG + "!"), sig)).toBe(false);
    expect<bool>(ecdsaVerify(k, utf8(MSG), sig.slice(0, 64))).toBe(false);
    const n = fromHex(P384_N);
    expect<bool>(ecdsaVerify(k, utf8(MSG), concat(n, sig.slice(48)))).toBe(false);
  });
});

// With Q = G, u1 = e/s and u2 = r/s can be chosen directly: e = r = s gives u1 = u2 = 1, and the
// interleaved loop adds G (from the G table) and then G again (from the key table) to the
// accumulator, taking the "same point: double" branch of the mixed addition: R = 2G. With
// r = n - e, s = e instead, u1 + u2 = n and R is the point at infinity.
describe("ECDSA: exceptional cases of the point arithmetic", () => {
  it("doubles when adding a point to itself (P-256, P-384)", () => {
    const g256 = EcPublicKey.fromXY(Curve.P256, fromHex(P256_GX), fromHex(P256_GY))!;
    const x2 = fromHex(P256_2GX);
    expect<bool>(ecdsaVerifyDigest(g256, x2, concat(x2, x2))).toBe(true);
    const g384 = EcPublicKey.fromXY(Curve.P384, fromHex(P384_GX), fromHex(P384_GY))!;
    const y2 = fromHex(P384_2GX);
    expect<bool>(ecdsaVerifyDigest(g384, y2, concat(y2, y2))).toBe(true);
    // the same with a different r fails
    expect<bool>(ecdsaVerifyDigest(g256, x2, concat(flipped(x2, 255), x2))).toBe(false);
  });
  it("rejects a result at infinity", () => {
    const g = EcPublicKey.fromXY(Curve.P256, fromHex(P256_GX), fromHex(P256_GY))!;
    const e = fromHex("0000000000000000000000000000000000000000000000000000000000000011");
    // r = n - 0x11 (n ends in 0x51, so no borrow)
    const r = fromHex(P256_N);
    r[31] = <u8>(r[31] - 0x11);
    expect<bool>(ecdsaVerifyDigest(g, e, concat(r, e))).toBe(false);
  });
});
