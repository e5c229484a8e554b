// NIST P-256 (secp256r1) domain parameters, FIPS 186-4 §D.1.2.3 / SEC 2 §2.4.2. ECDSA hash: SHA-256 (ES256).
//
// Field arithmetic below is straight-line code for k = 8 limbs, written out by the Python script in
// the comment at the end of this file (`python3 gen.py p256` / `p384`). Its shape: a Comba
// (column-wise) product with each 64-bit partial product split into a low-word and a high-word
// accumulator, then Montgomery reduction. Because p = -1 mod 2^32 the per-limb reduction factor
// is q = t_i itself, and because p = 2^256 - 2^224 + 2^192 + 2^96 - 1 adding q*p is four
// additions / subtractions of q at limbs i+3, i+6, i+7, i+8 (the -q at limb i just clears it).
// Limbs are signed i64 accumulators, so borrows are carried lazily and each limb is normalized
// only when its value is needed. Mod n there is no such form: the reduction adds q*n_j word by
// word (same lazy carries), with q = t_i * (-n^-1 mod 2^32).

import { HashAlg } from "./sha2";
import { CurveOps, CurveParams } from "./weierstrass";

let params: CurveParams | null = null;

/** The P-256 parameters, built on first use. */
export function p256(): CurveParams {
  let c = params;
  if (c == null) {
    params = c = new CurveParams(
      "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
      "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
      "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
      "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
      HashAlg.SHA256,
      new CurveOps(p256FieldMul, p256FieldSqr, p256FieldAdd, p256FieldSub, p256ScalarMul, p256ScalarSqr),
    );
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Generated arithmetic (do not edit by hand; see the header).

// prettier-ignore
/** r = a*b/R mod p (Montgomery product; a, b < p; r may alias a or b). */
export function p256FieldMul(r: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  let p: u64, lo: u64, hi: u64, c: u64 = 0;
  lo = c; hi = 0;
  p = a0 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t0 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t1 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t2 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t3 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t4 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t5 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t6 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t7 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a1 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b1; lo += p & 0xffffffff; hi += p >> 32;
  let t8 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a2 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b2; lo += p & 0xffffffff; hi += p >> 32;
  let t9 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a3 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b3; lo += p & 0xffffffff; hi += p >> 32;
  let t10 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a4 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b4; lo += p & 0xffffffff; hi += p >> 32;
  let t11 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a5 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b5; lo += p & 0xffffffff; hi += p >> 32;
  let t12 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a6 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b6; lo += p & 0xffffffff; hi += p >> 32;
  let t13 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a7 * b7; lo += p & 0xffffffff; hi += p >> 32;
  let t14 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  let t15 = <i64>(lo + (hi << 32));
  let t16: i64 = 0;
  let q: i64;
  q = t0 & 0xffffffff;
  t1 += ((t0 - q) >> 32);
  t3 += q;
  t6 += q;
  t7 -= q;
  t8 += q;
  q = t1 & 0xffffffff;
  t2 += ((t1 - q) >> 32);
  t4 += q;
  t7 += q;
  t8 -= q;
  t9 += q;
  q = t2 & 0xffffffff;
  t3 += ((t2 - q) >> 32);
  t5 += q;
  t8 += q;
  t9 -= q;
  t10 += q;
  q = t3 & 0xffffffff;
  t4 += ((t3 - q) >> 32);
  t6 += q;
  t9 += q;
  t10 -= q;
  t11 += q;
  q = t4 & 0xffffffff;
  t5 += ((t4 - q) >> 32);
  t7 += q;
  t10 += q;
  t11 -= q;
  t12 += q;
  q = t5 & 0xffffffff;
  t6 += ((t5 - q) >> 32);
  t8 += q;
  t11 += q;
  t12 -= q;
  t13 += q;
  q = t6 & 0xffffffff;
  t7 += ((t6 - q) >> 32);
  t9 += q;
  t12 += q;
  t13 -= q;
  t14 += q;
  q = t7 & 0xffffffff;
  t8 += ((t7 - q) >> 32);
  t10 += q;
  t13 += q;
  t14 -= q;
  t15 += q;
  t9 += t8 >> 32; t8 &= 0xffffffff;
  t10 += t9 >> 32; t9 &= 0xffffffff;
  t11 += t10 >> 32; t10 &= 0xffffffff;
  t12 += t11 >> 32; t11 &= 0xffffffff;
  t13 += t12 >> 32; t12 &= 0xffffffff;
  t14 += t13 >> 32; t13 &= 0xffffffff;
  t15 += t14 >> 32; t14 &= 0xffffffff;
  t16 += t15 >> 32; t15 &= 0xffffffff;
  let bw: i64 = 0;
  bw += t8 - 0xffffffff; const d0 = bw & 0xffffffff; bw >>= 32;
  bw += t9 - 0xffffffff; const d1 = bw & 0xffffffff; bw >>= 32;
  bw += t10 - 0xffffffff; const d2 = bw & 0xffffffff; bw >>= 32;
  bw += t11 - 0x0; const d3 = bw & 0xffffffff; bw >>= 32;
  bw += t12 - 0x0; const d4 = bw & 0xffffffff; bw >>= 32;
  bw += t13 - 0x0; const d5 = bw & 0xffffffff; bw >>= 32;
  bw += t14 - 0x1; const d6 = bw & 0xffffffff; bw >>= 32;
  bw += t15 - 0xffffffff; const d7 = bw & 0xffffffff; bw >>= 32;
  if (t16 + bw >= 0) {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  } else {
    store<u32>(r, <u32>t8, 0);
    store<u32>(r, <u32>t9, 4);
    store<u32>(r, <u32>t10, 8);
    store<u32>(r, <u32>t11, 12);
    store<u32>(r, <u32>t12, 16);
    store<u32>(r, <u32>t13, 20);
    store<u32>(r, <u32>t14, 24);
    store<u32>(r, <u32>t15, 28);
  }
}

// prettier-ignore
/** r = a*a/R mod p. */
export function p256FieldSqr(r: usize, a: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  let p: u64, lo: u64, hi: u64, c: u64 = 0;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a0 * a0; lo += p & 0xffffffff; hi += p >> 32;
  let t0 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a1; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t1 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a2; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a1 * a1; lo += p & 0xffffffff; hi += p >> 32;
  let t2 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a3; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a2; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t3 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a4; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a3; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a2 * a2; lo += p & 0xffffffff; hi += p >> 32;
  let t4 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a4; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a3; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t5 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a4; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a3 * a3; lo += p & 0xffffffff; hi += p >> 32;
  let t6 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a4; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t7 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a1 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a5; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a4 * a4; lo += p & 0xffffffff; hi += p >> 32;
  let t8 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a2 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * a5; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t9 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a3 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * a6; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a5 * a5; lo += p & 0xffffffff; hi += p >> 32;
  let t10 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a4 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * a6; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t11 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a5 * a7; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a6 * a6; lo += p & 0xffffffff; hi += p >> 32;
  let t12 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a6 * a7; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t13 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a7 * a7; lo += p & 0xffffffff; hi += p >> 32;
  let t14 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  let t15 = <i64>(lo + (hi << 32));
  let t16: i64 = 0;
  let q: i64;
  q = t0 & 0xffffffff;
  t1 += ((t0 - q) >> 32);
  t3 += q;
  t6 += q;
  t7 -= q;
  t8 += q;
  q = t1 & 0xffffffff;
  t2 += ((t1 - q) >> 32);
  t4 += q;
  t7 += q;
  t8 -= q;
  t9 += q;
  q = t2 & 0xffffffff;
  t3 += ((t2 - q) >> 32);
  t5 += q;
  t8 += q;
  t9 -= q;
  t10 += q;
  q = t3 & 0xffffffff;
  t4 += ((t3 - q) >> 32);
  t6 += q;
  t9 += q;
  t10 -= q;
  t11 += q;
  q = t4 & 0xffffffff;
  t5 += ((t4 - q) >> 32);
  t7 += q;
  t10 += q;
  t11 -= q;
  t12 += q;
  q = t5 & 0xffffffff;
  t6 += ((t5 - q) >> 32);
  t8 += q;
  t11 += q;
  t12 -= q;
  t13 += q;
  q = t6 & 0xffffffff;
  t7 += ((t6 - q) >> 32);
  t9 += q;
  t12 += q;
  t13 -= q;
  t14 += q;
  q = t7 & 0xffffffff;
  t8 += ((t7 - q) >> 32);
  t10 += q;
  t13 += q;
  t14 -= q;
  t15 += q;
  t9 += t8 >> 32; t8 &= 0xffffffff;
  t10 += t9 >> 32; t9 &= 0xffffffff;
  t11 += t10 >> 32; t10 &= 0xffffffff;
  t12 += t11 >> 32; t11 &= 0xffffffff;
  t13 += t12 >> 32; t12 &= 0xffffffff;
  t14 += t13 >> 32; t13 &= 0xffffffff;
  t15 += t14 >> 32; t14 &= 0xffffffff;
  t16 += t15 >> 32; t15 &= 0xffffffff;
  let bw: i64 = 0;
  bw += t8 - 0xffffffff; const d0 = bw & 0xffffffff; bw >>= 32;
  bw += t9 - 0xffffffff; const d1 = bw & 0xffffffff; bw >>= 32;
  bw += t10 - 0xffffffff; const d2 = bw & 0xffffffff; bw >>= 32;
  bw += t11 - 0x0; const d3 = bw & 0xffffffff; bw >>= 32;
  bw += t12 - 0x0; const d4 = bw & 0xffffffff; bw >>= 32;
  bw += t13 - 0x0; const d5 = bw & 0xffffffff; bw >>= 32;
  bw += t14 - 0x1; const d6 = bw & 0xffffffff; bw >>= 32;
  bw += t15 - 0xffffffff; const d7 = bw & 0xffffffff; bw >>= 32;
  if (t16 + bw >= 0) {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  } else {
    store<u32>(r, <u32>t8, 0);
    store<u32>(r, <u32>t9, 4);
    store<u32>(r, <u32>t10, 8);
    store<u32>(r, <u32>t11, 12);
    store<u32>(r, <u32>t12, 16);
    store<u32>(r, <u32>t13, 20);
    store<u32>(r, <u32>t14, 24);
    store<u32>(r, <u32>t15, 28);
  }
}

// prettier-ignore
/** r = a + b mod the field prime (a, b reduced). */
export function p256FieldAdd(r: usize, a: usize, b: usize): void {
  let c: u64 = 0;
  c += <u64>load<u32>(a, 0) + <u64>load<u32>(b, 0); const s0 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 4) + <u64>load<u32>(b, 4); const s1 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 8) + <u64>load<u32>(b, 8); const s2 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 12) + <u64>load<u32>(b, 12); const s3 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 16) + <u64>load<u32>(b, 16); const s4 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 20) + <u64>load<u32>(b, 20); const s5 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 24) + <u64>load<u32>(b, 24); const s6 = c & 0xffffffff; c >>= 32;
  c += <u64>load<u32>(a, 28) + <u64>load<u32>(b, 28); const s7 = c & 0xffffffff; c >>= 32;
  let bw: i64 = 0;
  bw += <i64>s0 - 0xffffffff; const d0 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s1 - 0xffffffff; const d1 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s2 - 0xffffffff; const d2 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s3 - 0x0; const d3 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s4 - 0x0; const d4 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s5 - 0x0; const d5 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s6 - 0x1; const d6 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>s7 - 0xffffffff; const d7 = bw & 0xffffffff; bw >>= 32;
  if (<i64>c + bw >= 0) {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  } else {
    store<u32>(r, <u32>s0, 0);
    store<u32>(r, <u32>s1, 4);
    store<u32>(r, <u32>s2, 8);
    store<u32>(r, <u32>s3, 12);
    store<u32>(r, <u32>s4, 16);
    store<u32>(r, <u32>s5, 20);
    store<u32>(r, <u32>s6, 24);
    store<u32>(r, <u32>s7, 28);
  }
}

// prettier-ignore
/** r = a - b mod the field prime (a, b reduced). */
export function p256FieldSub(r: usize, a: usize, b: usize): void {
  let bw: i64 = 0;
  bw += <i64>load<u32>(a, 0) - <i64>load<u32>(b, 0); const d0 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 4) - <i64>load<u32>(b, 4); const d1 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 8) - <i64>load<u32>(b, 8); const d2 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 12) - <i64>load<u32>(b, 12); const d3 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 16) - <i64>load<u32>(b, 16); const d4 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 20) - <i64>load<u32>(b, 20); const d5 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 24) - <i64>load<u32>(b, 24); const d6 = bw & 0xffffffff; bw >>= 32;
  bw += <i64>load<u32>(a, 28) - <i64>load<u32>(b, 28); const d7 = bw & 0xffffffff; bw >>= 32;
  if (bw < 0) {
    let c: u64 = 0;
    c += <u64>d0 + 0xffffffff; store<u32>(r, <u32>c, 0); c >>= 32;
    c += <u64>d1 + 0xffffffff; store<u32>(r, <u32>c, 4); c >>= 32;
    c += <u64>d2 + 0xffffffff; store<u32>(r, <u32>c, 8); c >>= 32;
    c += <u64>d3 + 0x0; store<u32>(r, <u32>c, 12); c >>= 32;
    c += <u64>d4 + 0x0; store<u32>(r, <u32>c, 16); c >>= 32;
    c += <u64>d5 + 0x0; store<u32>(r, <u32>c, 20); c >>= 32;
    c += <u64>d6 + 0x1; store<u32>(r, <u32>c, 24); c >>= 32;
    c += <u64>d7 + 0xffffffff; store<u32>(r, <u32>c, 28); c >>= 32;
  } else {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  }
}

// prettier-ignore
/** r = a*b/R mod n (Montgomery product; a, b < n). */
export function p256ScalarMul(r: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  let p: u64, lo: u64, hi: u64, c: u64 = 0;
  lo = c; hi = 0;
  p = a0 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t0 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t1 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t2 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t3 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t4 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t5 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t6 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a0 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b1; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b0; lo += p & 0xffffffff; hi += p >> 32;
  let t7 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a1 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b2; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b1; lo += p & 0xffffffff; hi += p >> 32;
  let t8 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a2 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b3; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b2; lo += p & 0xffffffff; hi += p >> 32;
  let t9 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a3 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b4; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b3; lo += p & 0xffffffff; hi += p >> 32;
  let t10 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a4 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b5; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b4; lo += p & 0xffffffff; hi += p >> 32;
  let t11 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a5 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a6 * b6; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b5; lo += p & 0xffffffff; hi += p >> 32;
  let t12 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a6 * b7; lo += p & 0xffffffff; hi += p >> 32;
  p = a7 * b6; lo += p & 0xffffffff; hi += p >> 32;
  let t13 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  p = a7 * b7; lo += p & 0xffffffff; hi += p >> 32;
  let t14 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = c; hi = 0;
  let t15 = <i64>(lo + (hi << 32));
  let t16: i64 = 0;
  let qq: u64, q32: u32;
  q32 = <u32>t0 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t0 += <i64>(p & 0xffffffff); t1 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xffffffff; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xffffffff; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  t1 += t0 >> 32;
  q32 = <u32>t1 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xffffffff; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  t2 += t1 >> 32;
  q32 = <u32>t2 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  t3 += t2 >> 32;
  q32 = <u32>t3 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  t4 += t3 >> 32;
  q32 = <u32>t4 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  t5 += t4 >> 32;
  q32 = <u32>t5 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t12 += <i64>(p & 0xffffffff); t13 += <i64>(p >> 32);
  t6 += t5 >> 32;
  q32 = <u32>t6 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  p = qq * 0xffffffff; t13 += <i64>(p & 0xffffffff); t14 += <i64>(p >> 32);
  t7 += t6 >> 32;
  q32 = <u32>t7 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  p = qq * 0xffffffff; t12 += <i64>(p & 0xffffffff); t13 += <i64>(p >> 32);
  p = qq * 0xffffffff; t14 += <i64>(p & 0xffffffff); t15 += <i64>(p >> 32);
  t8 += t7 >> 32;
  t9 += t8 >> 32; t8 &= 0xffffffff;
  t10 += t9 >> 32; t9 &= 0xffffffff;
  t11 += t10 >> 32; t10 &= 0xffffffff;
  t12 += t11 >> 32; t11 &= 0xffffffff;
  t13 += t12 >> 32; t12 &= 0xffffffff;
  t14 += t13 >> 32; t13 &= 0xffffffff;
  t15 += t14 >> 32; t14 &= 0xffffffff;
  t16 += t15 >> 32; t15 &= 0xffffffff;
  let bw: i64 = 0;
  bw += t8 - 0xfc632551; const d0 = bw & 0xffffffff; bw >>= 32;
  bw += t9 - 0xf3b9cac2; const d1 = bw & 0xffffffff; bw >>= 32;
  bw += t10 - 0xa7179e84; const d2 = bw & 0xffffffff; bw >>= 32;
  bw += t11 - 0xbce6faad; const d3 = bw & 0xffffffff; bw >>= 32;
  bw += t12 - 0xffffffff; const d4 = bw & 0xffffffff; bw >>= 32;
  bw += t13 - 0xffffffff; const d5 = bw & 0xffffffff; bw >>= 32;
  bw += t14 - 0x0; const d6 = bw & 0xffffffff; bw >>= 32;
  bw += t15 - 0xffffffff; const d7 = bw & 0xffffffff; bw >>= 32;
  if (t16 + bw >= 0) {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  } else {
    store<u32>(r, <u32>t8, 0);
    store<u32>(r, <u32>t9, 4);
    store<u32>(r, <u32>t10, 8);
    store<u32>(r, <u32>t11, 12);
    store<u32>(r, <u32>t12, 16);
    store<u32>(r, <u32>t13, 20);
    store<u32>(r, <u32>t14, 24);
    store<u32>(r, <u32>t15, 28);
  }
}

// prettier-ignore
/** r = a*a/R mod n. */
export function p256ScalarSqr(r: usize, a: usize): void {
  const a0 = <u64>load<u32>(a, 0);
  const a1 = <u64>load<u32>(a, 4);
  const a2 = <u64>load<u32>(a, 8);
  const a3 = <u64>load<u32>(a, 12);
  const a4 = <u64>load<u32>(a, 16);
  const a5 = <u64>load<u32>(a, 20);
  const a6 = <u64>load<u32>(a, 24);
  const a7 = <u64>load<u32>(a, 28);
  let p: u64, lo: u64, hi: u64, c: u64 = 0;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a0 * a0; lo += p & 0xffffffff; hi += p >> 32;
  let t0 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a1; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t1 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a2; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a1 * a1; lo += p & 0xffffffff; hi += p >> 32;
  let t2 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a3; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a2; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t3 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a4; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a3; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a2 * a2; lo += p & 0xffffffff; hi += p >> 32;
  let t4 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a4; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a3; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t5 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a4; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a3 * a3; lo += p & 0xffffffff; hi += p >> 32;
  let t6 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a0 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a1 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a5; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a4; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t7 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a1 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a2 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a5; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a4 * a4; lo += p & 0xffffffff; hi += p >> 32;
  let t8 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a2 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a3 * a6; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * a5; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t9 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a3 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a4 * a6; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a5 * a5; lo += p & 0xffffffff; hi += p >> 32;
  let t10 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a4 * a7; lo += p & 0xffffffff; hi += p >> 32;
  p = a5 * a6; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t11 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a5 * a7; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a6 * a6; lo += p & 0xffffffff; hi += p >> 32;
  let t12 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  p = a6 * a7; lo += p & 0xffffffff; hi += p >> 32;
  lo = (lo << 1) + c; hi = hi << 1;
  let t13 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  p = a7 * a7; lo += p & 0xffffffff; hi += p >> 32;
  let t14 = <i64>(lo & 0xffffffff); c = (lo >> 32) + hi;
  lo = 0; hi = 0;
  lo = (lo << 1) + c; hi = hi << 1;
  let t15 = <i64>(lo + (hi << 32));
  let t16: i64 = 0;
  let qq: u64, q32: u32;
  q32 = <u32>t0 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t0 += <i64>(p & 0xffffffff); t1 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xffffffff; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xffffffff; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  t1 += t0 >> 32;
  q32 = <u32>t1 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t1 += <i64>(p & 0xffffffff); t2 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xffffffff; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  t2 += t1 >> 32;
  q32 = <u32>t2 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t2 += <i64>(p & 0xffffffff); t3 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xffffffff; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  t3 += t2 >> 32;
  q32 = <u32>t3 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t3 += <i64>(p & 0xffffffff); t4 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xffffffff; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  t4 += t3 >> 32;
  q32 = <u32>t4 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t4 += <i64>(p & 0xffffffff); t5 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xffffffff; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  t5 += t4 >> 32;
  q32 = <u32>t5 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t5 += <i64>(p & 0xffffffff); t6 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xffffffff; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t12 += <i64>(p & 0xffffffff); t13 += <i64>(p >> 32);
  t6 += t5 >> 32;
  q32 = <u32>t6 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t6 += <i64>(p & 0xffffffff); t7 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xffffffff; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  p = qq * 0xffffffff; t13 += <i64>(p & 0xffffffff); t14 += <i64>(p >> 32);
  t7 += t6 >> 32;
  q32 = <u32>t7 * <u32>0xee00bc4f; qq = <u64>q32;
  p = qq * 0xfc632551; t7 += <i64>(p & 0xffffffff); t8 += <i64>(p >> 32);
  p = qq * 0xf3b9cac2; t8 += <i64>(p & 0xffffffff); t9 += <i64>(p >> 32);
  p = qq * 0xa7179e84; t9 += <i64>(p & 0xffffffff); t10 += <i64>(p >> 32);
  p = qq * 0xbce6faad; t10 += <i64>(p & 0xffffffff); t11 += <i64>(p >> 32);
  p = qq * 0xffffffff; t11 += <i64>(p & 0xffffffff); t12 += <i64>(p >> 32);
  p = qq * 0xffffffff; t12 += <i64>(p & 0xffffffff); t13 += <i64>(p >> 32);
  p = qq * 0xffffffff; t14 += <i64>(p & 0xffffffff); t15 += <i64>(p >> 32);
  t8 += t7 >> 32;
  t9 += t8 >> 32; t8 &= 0xffffffff;
  t10 += t9 >> 32; t9 &= 0xffffffff;
  t11 += t10 >> 32; t10 &= 0xffffffff;
  t12 += t11 >> 32; t11 &= 0xffffffff;
  t13 += t12 >> 32; t12 &= 0xffffffff;
  t14 += t13 >> 32; t13 &= 0xffffffff;
  t15 += t14 >> 32; t14 &= 0xffffffff;
  t16 += t15 >> 32; t15 &= 0xffffffff;
  let bw: i64 = 0;
  bw += t8 - 0xfc632551; const d0 = bw & 0xffffffff; bw >>= 32;
  bw += t9 - 0xf3b9cac2; const d1 = bw & 0xffffffff; bw >>= 32;
  bw += t10 - 0xa7179e84; const d2 = bw & 0xffffffff; bw >>= 32;
  bw += t11 - 0xbce6faad; const d3 = bw & 0xffffffff; bw >>= 32;
  bw += t12 - 0xffffffff; const d4 = bw & 0xffffffff; bw >>= 32;
  bw += t13 - 0xffffffff; const d5 = bw & 0xffffffff; bw >>= 32;
  bw += t14 - 0x0; const d6 = bw & 0xffffffff; bw >>= 32;
  bw += t15 - 0xffffffff; const d7 = bw & 0xffffffff; bw >>= 32;
  if (t16 + bw >= 0) {
    store<u32>(r, <u32>d0, 0);
    store<u32>(r, <u32>d1, 4);
    store<u32>(r, <u32>d2, 8);
    store<u32>(r, <u32>d3, 12);
    store<u32>(r, <u32>d4, 16);
    store<u32>(r, <u32>d5, 20);
    store<u32>(r, <u32>d6, 24);
    store<u32>(r, <u32>d7, 28);
  } else {
    store<u32>(r, <u32>t8, 0);
    store<u32>(r, <u32>t9, 4);
    store<u32>(r, <u32>t10, 8);
    store<u32>(r, <u32>t11, 12);
    store<u32>(r, <u32>t12, 16);
    store<u32>(r, <u32>t13, 20);
    store<u32>(r, <u32>t14, 24);
    store<u32>(r, <u32>t15, 28);
  }
}

// ---------------------------------------------------------------------------------------------
// The generator of the straight-line code above and in p384.ts (Python 3; output pasted verbatim
// after the "Generated arithmetic" marker; p384.ts omits the scalar functions, which fall back to
// the generic Montgomery code).
//
// # Generates straight-line Montgomery field code for P-256 / P-384 (AssemblyScript).
// import sys
//
// M = "0xffffffff"
//
// def limbs(h, k):
//     v = int(h, 16)
//     return [(v >> (32 * i)) & 0xffffffff for i in range(k)]
//
// def neg_inv32(x):
//     return (-pow(x, -1, 1 << 32)) % (1 << 32)
//
// def load_operands(out, k, names):
//     for nm in names:
//         out.append("  " + " ".join(f"const {nm}{i} = <u64>load<u32>({nm}, {4*i});" for i in range(k)).replace("; const", ";\n  const"))
//
// def product(out, k, sq):
//     # Comba product into t0..t{2k-1} (i64 locals); lo/hi split column accumulators.
//     out.append("  let p: u64, lo: u64, hi: u64, c: u64 = 0;")
//     for col in range(2 * k):
//         pairs = [(i, col - i) for i in range(k) if 0 <= col - i < k]
//         if sq:
//             off = [(i, j) for (i, j) in pairs if i < j]
//             diag = [(i, j) for (i, j) in pairs if i == j]
//             out.append("  lo = 0; hi = 0;")
//             for (i, j) in off:
//                 out.append(f"  p = a{i} * a{j}; lo += p & {M}; hi += p >> 32;")
//             line = "  lo = (lo << 1) + c; hi = hi << 1;"
//             out.append(line)
//             for (i, j) in diag:
//                 out.append(f"  p = a{i} * a{i}; lo += p & {M}; hi += p >> 32;")
//         else:
//             out.append("  lo = c; hi = 0;")
//             for (i, j) in pairs:
//                 out.append(f"  p = a{i} * b{j}; lo += p & {M}; hi += p >> 32;")
//         if col < 2 * k - 1:
//             out.append(f"  let t{col} = <i64>(lo & {M}); c = (lo >> 32) + hi;")
//         else:
//             out.append(f"  let t{col} = <i64>(lo + (hi << 32));")
//     out.append(f"  let t{2*k}: i64 = 0;")
//
// def special_reduce(out, k, terms):
//     # terms: dict position -> +1/-1 for p = sum sign * 2^(32 pos), position 0 must be -1, position k +1.
//     for i in range(k):
//         out.append(f"  q = t{i} & {M};")
//         extra = ""
//         if terms.get(1) == 1:
//             extra = " + q"
//         elif terms.get(1) == -1:
//             extra = " - q"
//         out.append(f"  t{i+1} += ((t{i} - q) >> 32){extra};")
//         for pos, sgn in sorted(terms.items()):
//             if pos <= 1:
//                 continue
//             out.append(f"  t{i+pos} {'+=' if sgn > 0 else '-='} q;")
//
// def generic_reduce(out, k, n, n0):
//     # lazy-carry Montgomery reduction with constant modulus limbs
//     for i in range(k):
//         if i > 0:
//             out.append(f"  t{i} += t{i-1} >> 32;")
//         out.append(f"  q32 = <u32>t{i} * <u32>{hex(n0)}; qq = <u64>q32;")
//         for j in range(k):
//             if n[j] == 0:
//                 continue
//             out.append(f"  p = qq * {hex(n[j])}; t{i+j} += <i64>(p & {M}); t{i+j+1} += <i64>(p >> 32);")
//     out.append(f"  t{k} += t{k-1} >> 32;")
//
// def normalize_and_subtract(out, k, mod):
//     # carries from t{k} .. t{2k-1} into t{2k}; then conditional subtraction of mod.
//     for j in range(k, 2 * k):
//         out.append(f"  t{j+1} += t{j} >> 32; t{j} &= {M};")
//     out.append("  let bw: i64 = 0;")
//     for j in range(k):
//         out.append(f"  bw += t{k+j} - {hex(mod[j])}; const d{j} = bw & {M}; bw >>= 32;")
//     out.append(f"  if (t{2*k} + bw >= 0) {{")
//     for j in range(k):
//         out.append(f"    store<u32>(r, <u32>d{j}, {4*j});")
//     out.append("  } else {")
//     for j in range(k):
//         out.append(f"    store<u32>(r, <u32>t{k+j}, {4*j});")
//     out.append("  }")
//
// def gen_mul(name, k, sq, reduce_fn, mod, doc):
//     out = [f"/** {doc} */", f"export function {name}(r: usize, a: usize{'' if sq else ', b: usize'}): void {{"]
//     load_operands(out, k, ["a"] if sq else ["a", "b"])
//     product(out, k, sq)
//     reduce_fn(out)
//     normalize_and_subtract(out, k, mod)
//     out.append("}")
//     return "\n".join(out)
//
// def gen_add(name, k, mod):
//     out = [f"/** r = a + b mod the field prime (a, b reduced). */", f"export function {name}(r: usize, a: usize, b: usize): void {{"]
//     out.append("  let c: u64 = 0;")
//     for j in range(k):
//         out.append(f"  c += <u64>load<u32>(a, {4*j}) + <u64>load<u32>(b, {4*j}); const s{j} = c & {M}; c >>= 32;")
//     out.append("  let bw: i64 = 0;")
//     for j in range(k):
//         out.append(f"  bw += <i64>s{j} - {hex(mod[j])}; const d{j} = bw & {M}; bw >>= 32;")
//     out.append("  if (<i64>c + bw >= 0) {")
//     for j in range(k):
//         out.append(f"    store<u32>(r, <u32>d{j}, {4*j});")
//     out.append("  } else {")
//     for j in range(k):
//         out.append(f"    store<u32>(r, <u32>s{j}, {4*j});")
//     out.append("  }")
//     out.append("}")
//     return "\n".join(out)
//
// def gen_sub(name, k, mod):
//     out = [f"/** r = a - b mod the field prime (a, b reduced). */", f"export function {name}(r: usize, a: usize, b: usize): void {{"]
//     out.append("  let bw: i64 = 0;")
//     for j in range(k):
//         out.append(f"  bw += <i64>load<u32>(a, {4*j}) - <i64>load<u32>(b, {4*j}); const d{j} = bw & {M}; bw >>= 32;")
//     out.append("  if (bw < 0) {")
//     out.append("    let c: u64 = 0;")
//     for j in range(k):
//         out.append(f"    c += <u64>d{j} + {hex(mod[j])}; store<u32>(r, <u32>c, {4*j}); c >>= 32;")
//     out.append("  } else {")
//     for j in range(k):
//         out.append(f"    store<u32>(r, <u32>d{j}, {4*j});")
//     out.append("  }")
//     out.append("}")
//     return "\n".join(out)
//
// def gen_curve(prefix, k, phex, nhex, terms):
//     p = limbs(phex, k)
//     n = limbs(nhex, k)
//     assert sum(s * (1 << (32 * pos)) for pos, s in terms.items()) == int(phex, 16)
//     n0 = neg_inv32(n[0])
//     assert neg_inv32(p[0]) == 1
//     parts = []
//     def sred(out):
//         out.append("  let q: i64;")
//         special_reduce(out, k, terms)
//     def gred(out):
//         out.append("  let qq: u64, q32: u32;")
//         generic_reduce(out, k, n, n0)
//     parts.append(gen_mul(f"{prefix}FieldMul", k, False, sred, p, "r = a*b/R mod p (Montgomery product; a, b < p; r may alias a or b)."))
//     parts.append(gen_mul(f"{prefix}FieldSqr", k, True, sred, p, "r = a*a/R mod p."))
//     parts.append(gen_add(f"{prefix}FieldAdd", k, p))
//     parts.append(gen_sub(f"{prefix}FieldSub", k, p))
//     parts.append(gen_mul(f"{prefix}ScalarMul", k, False, gred, n, "r = a*b/R mod n (Montgomery product; a, b < n)."))
//     parts.append(gen_mul(f"{prefix}ScalarSqr", k, True, gred, n, "r = a*a/R mod n."))
//     return "\n\n".join(parts)
//
// which = sys.argv[1]
// if which == "p256":
//     print(gen_curve("p256", 8,
//         "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
//         "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
//         {0: -1, 3: 1, 6: 1, 7: -1, 8: 1}))
// else:
//     print(gen_curve("p384", 12,
//         "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
//         "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
//         {0: -1, 1: 1, 3: -1, 4: -1, 12: 1}))
