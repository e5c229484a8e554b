// Ed25519 signature verification (RFC 8032 §5.1.7), strict.
//
// Accepts a signature only if all of these hold (the libsodium choices; the opposite of ZIP-215):
//   - public key is 32 bytes and signature 64 bytes;
//   - S (second half of the signature) is canonical: S < L;
//   - the public key A is a canonical encoding (y < p, and not x = 0 with the sign bit set) of a
//     point on the curve, and A is not of small order ([8]A != identity);
//   - R is not one of the 8 small-order points (canonical encodings; non-canonical R encodings can
//     never match, see next point);
//   - cofactorless equation: encode([S]B - [k]A) == R byte for byte, with k = SHA-512(R || A || M) mod L.
//     Comparing encodings also rejects every non-canonical R encoding.
// Mixed-order public keys (prime-order point plus a torsion component) are not rejected, as in
// libsodium and OpenSSL. Verification involves only public data, so it is variable time.
//
// Never aborts: wrong lengths, bad points and junk signatures return false. No allocation per call
// (static scratch; not re-entrant, which is fine in a single-threaded Wasm VM). A key that is used
// more than once can be prepared as an Ed25519PublicKey (decoded, with its table of multiples).

import {
  FE_SIZE,
  bytesAtLeastP,
  feAdd,
  feCopy,
  feFromBytes,
  feInvert,
  feIsNegative,
  feIsZero,
  feMul,
  feNeg,
  feOne,
  fePow22523,
  feSq,
  feSub,
  feToBytes,
  feZero,
} from "./field25519";
import { constantTimeEqualRaw } from "./ct";
import { Sha512 } from "./sha2";

// ---------------------------------------------------------------------------------------------
// Constants (little-endian, checked by the unit tests against their definitions).

// d = -121665/121666
const D_BYTES: usize = memory.data<u8>([
  0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
  0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
]);
// 2d
const D2_BYTES: usize = memory.data<u8>([
  0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
  0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24,
]);
// sqrt(-1) = 2^((p-1)/4)
const SQRTM1_BYTES: usize = memory.data<u8>([
  0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
  0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b,
]);
// Base point encoding: y = 4/5, x even.
const B_BYTES: usize = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);
// L = 2^252 + 27742317777372353535851937790883648493, as 8 x u32 little-endian.
const L_WORDS: usize = memory.data<u32>([
  0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0x00000000, 0x00000000, 0x00000000, 0x10000000,
]);
// Barrett constant mu = floor(2^512 / L), 9 x u32 little-endian.
const MU_WORDS: usize = memory.data<u32>([
  0x0a2c131b, 0xed9ce5a3, 0x086329a7, 0x2106215d, 0xffffffeb, 0xffffffff, 0xffffffff, 0xffffffff, 0x0000000f,
]);

// Canonical encodings of the 8 points of order dividing 8.
const SMALL_ORDER: usize = memory.data<u8>([
  // identity (0, 1)
  0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  // order 2: (0, -1)
  0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
  // order 4: (+-sqrt(-1), 0)
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
  // order 8
  0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85,
  0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa,
]);

// ---------------------------------------------------------------------------------------------
// Static scratch. Points are 4 consecutive field elements:
//   extended (p3): X, Y, Z, T with x = X/Z, y = Y/Z, xy = T/Z
//   projective (p2): X, Y, Z (a p3 can be read as a p2)
//   completed (p1p1): X, Y, Z, T with x = X/Z, y = Y/T
//   cached: Y+X, Y-X, Z, 2d*T

const PT: usize = 4 * FE_SIZE;
const X: usize = 0;
const Y: usize = FE_SIZE;
const Z: usize = 2 * FE_SIZE;
const T: usize = 3 * FE_SIZE;

const FE_D: usize = memory.data(<i32>FE_SIZE, 16);
const FE_D2: usize = memory.data(<i32>FE_SIZE, 16);
const FE_SQRTM1: usize = memory.data(<i32>FE_SIZE, 16);
const F0: usize = memory.data(<i32>FE_SIZE, 16);
const F1: usize = memory.data(<i32>FE_SIZE, 16);
const F2: usize = memory.data(<i32>FE_SIZE, 16);
const F3: usize = memory.data(<i32>FE_SIZE, 16);
const F4: usize = memory.data(<i32>FE_SIZE, 16);

const P_A: usize = memory.data(<i32>PT, 16); // decoded public key, then -A
const P_R: usize = memory.data(<i32>PT, 16); // accumulator (p2 / p3)
const P_T: usize = memory.data(<i32>PT, 16); // p1p1 temp
const P_U: usize = memory.data(<i32>PT, 16); // p3 temp
const P_C: usize = memory.data(<i32>PT, 16); // cached temp
const TABLE_A: usize = memory.data(<i32>PT * 8, 16); // cached (2i+1)(-A), i = 0..7
const TABLE_B: usize = memory.data(<i32>PT * 8, 16); // cached (2i+1)B
const NAF_A: usize = memory.data(264, 16);
const NAF_B: usize = memory.data(264, 16);
const ENC: usize = memory.data(32, 16);
const HASH: usize = memory.data(64, 16);
const KSC: usize = memory.data(32, 16); // k mod L, little-endian

let initialized = false;

function init(): void {
  if (initialized) return;
  feFromBytes(FE_D, D_BYTES);
  feFromBytes(FE_D2, D2_BYTES);
  feFromBytes(FE_SQRTM1, SQRTM1_BYTES);
  // Table of odd multiples of B.
  decodePoint(P_U, B_BYTES);
  buildTable(TABLE_B, P_U);
  initialized = true;
}

// ---------------------------------------------------------------------------------------------
// Point arithmetic (twisted Edwards, a = -1; formulas of Hisil-Wong-Carter-Dawson 2008).

/** r (p1p1) = 2p, p read as p2. */
function dbl(r: usize, p: usize): void {
  feSq(r + X, p + X); // XX
  feSq(r + Z, p + Y); // YY
  feSq(r + T, p + Z);
  feAdd(r + T, r + T, r + T); // 2ZZ
  feAdd(r + Y, p + X, p + Y);
  feSq(F0, r + Y); // (X+Y)^2
  feAdd(r + Y, r + Z, r + X); // YY + XX
  feSub(r + Z, r + Z, r + X); // YY - XX
  feSub(r + X, F0, r + Y); // 2XY
  feSub(r + T, r + T, r + Z); // 2ZZ - (YY - XX)
}

function toP2(r: usize, p: usize): void {
  feMul(r + X, p + X, p + T);
  feMul(r + Y, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
}

function toP3(r: usize, p: usize): void {
  feMul(r + X, p + X, p + T);
  feMul(r + Y, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
  feMul(r + T, p + X, p + Y);
}

function toCached(r: usize, p: usize): void {
  feAdd(r + X, p + Y, p + X);
  feSub(r + Y, p + Y, p + X);
  feCopy(r + Z, p + Z);
  feMul(r + T, p + T, FE_D2);
}

/** r (p1p1) = p (p3) + q (cached) when sub is false, p - q when true. r must not alias p or q. */
function addCached(r: usize, p: usize, q: usize, sub: bool): void {
  feAdd(F1, p + Y, p + X);
  feSub(F2, p + Y, p + X);
  if (sub) {
    feMul(r + Z, F1, q + Y); // PP = (Y1+X1)(Y2-X2)
    feMul(r + Y, F2, q + X); // MM = (Y1-X1)(Y2+X2)
  } else {
    feMul(r + Z, F1, q + X); // PP
    feMul(r + Y, F2, q + Y); // MM
  }
  feMul(r + T, q + T, p + T); // TT = 2d T1 T2
  feMul(F3, p + Z, q + Z);
  feAdd(F3, F3, F3); // ZZ = 2 Z1 Z2
  feSub(r + X, r + Z, r + Y); // PP - MM
  feAdd(r + Y, r + Z, r + Y); // PP + MM
  if (sub) {
    feSub(r + Z, F3, r + T);
    feAdd(r + T, F3, r + T);
  } else {
    feAdd(r + Z, F3, r + T);
    feSub(r + T, F3, r + T);
  }
}

/** table[i] = cached (2i+1)p for i = 0..7; p is a p3. Uses P_T, P_R, P_C as scratch. */
function buildTable(table: usize, p: usize): void {
  toCached(table, p);
  dbl(P_T, p);
  toP3(P_R, P_T); // 2p
  for (let i: usize = 1; i < 8; i++) {
    addCached(P_T, P_R, table + (i - 1) * PT, false);
    toP3(P_C, P_T);
    toCached(table + i * PT, P_C);
  }
}

/**
 * Decodes 32 bytes into r (p3, Z = 1). RFC 8032 §5.1.3 with strict canonicity: false if y >= p, if
 * there is no x, or if x = 0 with the sign bit set.
 */
function decodePoint(r: usize, s: usize): bool {
  if (bytesAtLeastP(s)) return false;
  const sign = (load<u8>(s, 31) >> 7) != 0;
  const u = F0;
  const v = F1;
  const x = r + X;
  const y = r + Y;
  feFromBytes(y, s);
  feOne(r + Z);
  feSq(u, y);
  feMul(v, u, FE_D);
  feSub(u, u, r + Z); // u = y^2 - 1
  feAdd(v, v, r + Z); // v = d y^2 + 1
  // x = u v^3 (u v^7)^((p-5)/8)
  feSq(F2, v);
  feMul(F2, F2, v); // v^3
  feSq(F3, F2);
  feMul(F3, F3, v); // v^7
  feMul(F3, F3, u); // u v^7
  fePow22523(F4, F3);
  feMul(F4, F4, F2);
  feMul(x, F4, u);
  // check v x^2 == +-u
  feSq(F2, x);
  feMul(F2, F2, v);
  feSub(F3, F2, u);
  if (!feIsZero(F3)) {
    feAdd(F3, F2, u);
    if (!feIsZero(F3)) return false;
    feMul(x, x, FE_SQRTM1);
  }
  if (feIsZero(x)) {
    if (sign) return false;
  } else if (feIsNegative(x) != sign) {
    feNeg(x, x);
  }
  feMul(r + T, x, y);
  return true;
}

/** True if [8]p is the identity (p a p3). Uses P_T, P_U. */
function hasSmallOrder(p: usize): bool {
  dbl(P_T, p);
  toP2(P_U, P_T);
  dbl(P_T, P_U);
  toP2(P_U, P_T);
  dbl(P_T, P_U);
  toP2(P_U, P_T);
  // On this curve [8]p has x = 0 only if it is the identity (no points of order 16).
  return feIsZero(P_U + X);
}

/** Canonical encoding of p (p2) into s (32 bytes). */
function encodePoint(s: usize, p: usize): void {
  feInvert(F0, p + Z);
  feMul(F1, p + X, F0);
  feMul(F2, p + Y, F0);
  feToBytes(s, F2);
  if (feIsNegative(F1)) store<u8>(s, load<u8>(s, 31) | 0x80, 31);
}

// ---------------------------------------------------------------------------------------------
// Scalars

/** True if the 32-byte little-endian value at s is < L. */
function scalarIsCanonical(s: usize): bool {
  for (let i = 7; i >= 0; i--) {
    const a = load<u32>(s + (<usize>i << 2));
    const l = load<u32>(L_WORDS + (<usize>i << 2));
    if (a < l) return true;
    if (a > l) return false;
  }
  return false; // equal to L
}

const BQ1: usize = memory.data(9 * 4, 16);
const BQ2: usize = memory.data(18 * 4, 16);
const BR: usize = memory.data(9 * 4, 16);

/** out (32 bytes) = x mod L for a 64-byte little-endian x (Barrett, HAC 14.42 with b = 2^32, k = 8). */
function reduce512(out: usize, x: usize): void {
  // q1 = x >> 224 (9 words); q2 = q1 * mu (18 words)
  memory.fill(BQ2, 0, 18 * 4);
  for (let i: usize = 0; i < 9; i++) {
    const a = <u64>load<u32>(x + ((i + 7) << 2));
    let carry: u64 = 0;
    for (let j: usize = 0; j < 9; j++) {
      const idx = BQ2 + ((i + j) << 2);
      const t = <u64>load<u32>(idx) + a * <u64>load<u32>(MU_WORDS + (j << 2)) + carry;
      store<u32>(idx, <u32>t);
      carry = t >> 32;
    }
    store<u32>(BQ2 + ((i + 9) << 2), <u32>carry);
  }
  // q3 = q2 >> 288 (words 9..17); r2 = (q3 * L) mod 2^288 (9 words)
  memory.fill(BR, 0, 9 * 4);
  for (let i: usize = 0; i < 9; i++) {
    const a = <u64>load<u32>(BQ2 + ((i + 9) << 2));
    let carry: u64 = 0;
    for (let j: usize = 0; i + j < 9; j++) {
      const idx = BR + ((i + j) << 2);
      const l: u64 = j < 8 ? <u64>load<u32>(L_WORDS + (j << 2)) : 0;
      const t = <u64>load<u32>(idx) + a * l + carry;
      store<u32>(idx, <u32>t);
      carry = t >> 32;
    }
  }
  // r = (x mod 2^288) - r2 mod 2^288, into BQ1
  let borrow: i64 = 0;
  for (let i: usize = 0; i < 9; i++) {
    const t = <i64>load<u32>(x + (i << 2)) - <i64>load<u32>(BR + (i << 2)) + borrow;
    store<u32>(BQ1 + (i << 2), <u32>t);
    borrow = t >> 32;
  }
  // while r >= L: r -= L (at most twice)
  for (let round = 0; round < 3; round++) {
    if (load<u32>(BQ1, 32) == 0 && scalarIsCanonical(BQ1)) break;
    let b: i64 = 0;
    for (let i: usize = 0; i < 9; i++) {
      const l: i64 = i < 8 ? <i64>load<u32>(L_WORDS + (i << 2)) : 0;
      const t = <i64>load<u32>(BQ1 + (i << 2)) - l + b;
      store<u32>(BQ1 + (i << 2), <u32>t);
      b = t >> 32;
    }
  }
  memory.copy(out, BQ1, 32);
}

/**
 * Width-5 non-adjacent form of a 256-bit little-endian scalar < 2^255: naf[i] in {0, +-1, ..., +-15},
 * odd where non-zero, sum naf[i] 2^i = s. Writes 256 entries.
 */
function wnaf5(naf: usize, s: usize): void {
  memory.fill(naf, 0, 256);
  let pos: u32 = 0;
  let carry: u64 = 0;
  while (pos < 256) {
    const word = pos >> 6;
    const bit = <u64>(pos & 63);
    let buf = load<u64>(s + (<usize>word << 3)) >> bit;
    if (bit > 59 && word < 3) buf |= load<u64>(s + (<usize>(word + 1) << 3)) << (64 - bit);
    const window = carry + (buf & 31);
    if ((window & 1) == 0) {
      pos++;
      continue;
    }
    if (window < 16) {
      carry = 0;
      store<i8>(naf + <usize>pos, <i8>window);
    } else {
      carry = 1;
      store<i8>(naf + <usize>pos, <i8>(<i64>window - 32));
    }
    pos += 5;
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

let H: Sha512 | null = null;

/** The checks on a signature alone: S (at sig + 32) < L, and R (at sig) not a small-order point. */
function signatureShapeOk(sig: usize): bool {
  if (!scalarIsCanonical(sig + 32)) return false;
  for (let i: usize = 0; i < 8; i++) {
    if (constantTimeEqualRaw(sig, SMALL_ORDER + (i << 5), 32)) return false;
  }
  return true;
}

/** Decodes the public key at pk into P_A; false if it is not canonical, not a point, or of small order. */
function decodePublicKey(pk: usize): bool {
  init();
  if (!decodePoint(P_A, pk)) return false;
  return !hasSmallOrder(P_A);
}

/** table[i] = cached (2i+1)(-A) for the A in P_A (which is negated in place). */
function buildNegTable(table: usize): void {
  feNeg(P_A + X, P_A + X);
  feNeg(P_A + T, P_A + T);
  buildTable(table, P_A);
}

/**
 * The cofactorless check encode([S]B + [k](-A)) == R, k = SHA-512(R || A || M) mod L, for a signature
 * that passed signatureShapeOk, the 32-byte encoding of A at pk, and tableA from buildNegTable.
 */
function verifyWithTable(tableA: usize, pk: usize, msg: usize, msgLen: i32, sig: usize): bool {
  // k = SHA-512(R || A || M) mod L
  let h = H;
  if (h == null) H = h = new Sha512(false);
  h.reset();
  h.updateRaw(sig, 32);
  h.updateRaw(pk, 32);
  h.updateRaw(msg, msgLen);
  h.finishRaw(HASH);
  reduce512(KSC, HASH);

  // R' = [k](-A) + [S]B
  wnaf5(NAF_A, KSC);
  wnaf5(NAF_B, sig + 32);

  let i = 255;
  while (i >= 0 && load<i8>(NAF_A + <usize>i) == 0 && load<i8>(NAF_B + <usize>i) == 0) i--;
  const r = P_R;
  feZero(r + X);
  feOne(r + Y);
  feOne(r + Z);
  for (; i >= 0; i--) {
    dbl(P_T, r);
    const a = <i32>load<i8>(NAF_A + <usize>i);
    const b = <i32>load<i8>(NAF_B + <usize>i);
    if (a != 0) {
      toP3(P_U, P_T);
      if (a > 0) addCached(P_T, P_U, tableA + <usize>(a >> 1) * PT, false);
      else addCached(P_T, P_U, tableA + <usize>(-a >> 1) * PT, true);
    }
    if (b != 0) {
      toP3(P_U, P_T);
      if (b > 0) addCached(P_T, P_U, TABLE_B + <usize>(b >> 1) * PT, false);
      else addCached(P_T, P_U, TABLE_B + <usize>(-b >> 1) * PT, true);
    }
    toP2(r, P_T);
  }
  encodePoint(ENC, r);
  return constantTimeEqualRaw(ENC, sig, 32);
}

/** RFC 8032 Ed25519 verification on raw memory; see the file comment for the exact rules. */
export function ed25519VerifyRaw(pk: usize, pkLen: i32, msg: usize, msgLen: i32, sig: usize, sigLen: i32): bool {
  if (pkLen != 32 || sigLen != 64 || msgLen < 0) return false;
  if (!signatureShapeOk(sig)) return false;
  if (!decodePublicKey(pk)) return false;
  buildNegTable(TABLE_A);
  return verifyWithTable(TABLE_A, pk, msg, msgLen, sig);
}

/** Strict Ed25519 verification (RFC 8032 §5.1.7; rules in the file comment). Never aborts. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): bool {
  return ed25519VerifyRaw(
    publicKey.dataStart,
    publicKey.length,
    message.dataStart,
    message.length,
    signature.dataStart,
    signature.length,
  );
}

/**
 * True if `publicKey` could ever verify under ed25519Verify: 32 bytes, a canonical encoding of a
 * curve point, not of small order. For checking keys once at configuration time.
 */
export function ed25519PublicKeyValid(publicKey: Uint8Array): bool {
  if (publicKey.length != 32) return false;
  return decodePublicKey(publicKey.dataStart);
}

/**
 * A validated Ed25519 public key, decoded once with its table of odd multiples of -A, so a
 * verification skips the point decompression and the table (about a tenth of a verify). Accepts
 * and rejects exactly what ed25519Verify does with the same key bytes.
 */
export class Ed25519PublicKey {
  /** The 32-byte encoding of A (a copy of the bytes it was built from). */
  readonly bytes: Uint8Array;
  // cached (2i+1)(-A), i = 0..7
  private table: StaticArray<u8>;

  private constructor(bytes: Uint8Array, table: StaticArray<u8>) {
    this.bytes = bytes;
    this.table = table;
  }

  /** A key from its 32-byte encoding (e.g. the JWK "x"); null if ed25519PublicKeyValid is false. */
  static fromBytes(publicKey: Uint8Array): Ed25519PublicKey | null {
    if (publicKey.length != 32) return null;
    if (!decodePublicKey(publicKey.dataStart)) return null;
    const table = new StaticArray<u8>(<i32>(PT * 8));
    buildNegTable(changetype<usize>(table));
    return new Ed25519PublicKey(publicKey.slice(0), table);
  }

  /** ed25519VerifyRaw with this key. */
  verifyRaw(msg: usize, msgLen: i32, sig: usize, sigLen: i32): bool {
    if (sigLen != 64 || msgLen < 0) return false;
    if (!signatureShapeOk(sig)) return false;
    init();
    return verifyWithTable(changetype<usize>(this.table), this.bytes.dataStart, msg, msgLen, sig);
  }

  /** ed25519Verify with this key. Never aborts. */
  verify(message: Uint8Array, signature: Uint8Array): bool {
    return this.verifyRaw(message.dataStart, message.length, signature.dataStart, signature.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Test hooks (pure functions over the internals, used by the unit tests).

/** Decodes `enc` (32 bytes) and re-encodes it into `out`; false if decoding fails. */
export function ed25519RoundTripPoint(enc: Uint8Array, out: Uint8Array): bool {
  if (enc.length != 32 || out.length != 32) return false;
  init();
  if (!decodePoint(P_U, enc.dataStart)) return false;
  encodePoint(out.dataStart, P_U);
  return true;
}

/** True if `enc` decodes to a point of order dividing 8. */
export function ed25519IsSmallOrder(enc: Uint8Array): bool {
  if (enc.length != 32) return false;
  init();
  if (!decodePoint(P_A, enc.dataStart)) return false;
  return hasSmallOrder(P_A);
}

/** 64-byte little-endian x mod L, 32 bytes (null on wrong length). */
export function ed25519ReduceScalar(x: Uint8Array): Uint8Array | null {
  if (x.length != 64) return null;
  const out = new Uint8Array(32);
  reduce512(out.dataStart, x.dataStart);
  return out;
}
