// Short Weierstrass curves y^2 = x^3 - 3x + b over a prime field (the NIST P-256 and P-384 curves),
// just what ECDSA verification needs: public-key validation and the double-scalar product u1*G + u2*Q.
//
// Representation: field elements are k-limb values in Montgomery form (bigint.ts), always fully
// reduced (< p), so equality is limb equality and zero is all-zero limbs. Points are Jacobian
// (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity. Precomputed tables hold
// affine points (x, y).
//
// Double-scalar multiplication: Straus/Shamir interleaving of two width-w NAF expansions, one shared
// doubling chain. G uses a per-curve table of the odd multiples 1G..63G (w = 7, 32 points, built on
// first use); Q uses the odd multiples 1Q..15Q (w = 5, 8 points) built once per key when the key is
// imported. Additions are mixed (Jacobian + affine); the exceptional cases (adding a point to itself
// or to its negation) are handled, so the result is right for every input, including crafted ones.
//
// Verification handles public data only, so nothing here is constant-time.
// Nothing aborts: all buffers are allocated with their final sizes up front.

import {
  Montgomery,
  add,
  bitLength,
  copy,
  equal,
  isZero,
  limbsFromBytes,
  ptr,
  setZero,
  sub,
  testBit,
} from "./bigint";
import { HashAlg } from "./sha2";

/** wNAF width for the fixed generator table: odd multiples up to (2^(W_G-1) - 1) G. */
export const W_G: i32 = 7;
/** wNAF width for the per-key table. */
export const W_Q: i32 = 5;
const G_POINTS: i32 = 1 << (W_G - 2); // 32
const Q_POINTS: i32 = 1 << (W_Q - 2); // 8

// Scratch temporaries per curve (field elements), indices into the arena.
const T_COUNT: i32 = 16;
const ACC = T_COUNT; // accumulator point (3 elements)
const NEGY = T_COUNT + 3; // negated y of a table point
const ARENA_ELEMS = T_COUNT + 4;

/** r = f(a, b) on k-limb values at the given addresses. */
export type BinaryOp = (r: usize, a: usize, b: usize) => void;
/** r = f(a). */
export type UnaryOp = (r: usize, a: usize) => void;

/**
 * Field and scalar arithmetic of a curve: Montgomery products (R = 2^(32k), the same R as the
 * generic Montgomery class, which supplies the conversion constants) and modular add / sub, all on
 * fully reduced operands.
 */
export class CurveOps {
  constructor(
    public fieldMul: BinaryOp,
    public fieldSqr: UnaryOp,
    public fieldAdd: BinaryOp,
    public fieldSub: BinaryOp,
    /** Null: use the generic Montgomery code (smaller, slower). */
    public scalarMul: BinaryOp | null = null,
    public scalarSqr: UnaryOp | null = null,
  ) {}
}

/** Parameters and scratch of one curve. */
export class CurveParams {
  /** Limbs per field element / scalar. */
  readonly k: i32;
  /** Bytes per coordinate / scalar (32 or 48). */
  readonly size: i32;
  /** Field modulus p and group order n. */
  readonly fp: Montgomery;
  readonly fn: Montgomery;
  /** b in Montgomery form. */
  readonly b: StaticArray<u32>;
  /** Generator (affine, Montgomery form). */
  readonly gx: StaticArray<u32>;
  readonly gy: StaticArray<u32>;
  /** Exponents p - 2 and n - 2 (Fermat inversion). */
  readonly pMinus2: StaticArray<u32>;
  readonly nMinus2: StaticArray<u32>;
  /** Hash used by ECDSA on this curve (JWS: ES256 -> SHA-256, ES384 -> SHA-384). */
  readonly hash: HashAlg;
  /** n as limbs (normal form, for range checks). */
  readonly n: StaticArray<u32>;
  /** p as limbs. */
  readonly p: StaticArray<u32>;
  /** Odd multiples of G (affine, Montgomery form), G_POINTS * 2 elements; built on first use. */
  private gTable: StaticArray<u32> | null = null;
  /** Field-element temporaries and the accumulator point. */
  private arena: StaticArray<u32>;
  /** wNAF digits of the two scalars (bits + 1 each). */
  private naf1: StaticArray<i32>;
  private naf2: StaticArray<i32>;
  /** Scalar-side scratch: u1, u2, s^-1, e, r (5 elements). */
  private sc: StaticArray<u32>;

  /** Specialized arithmetic. */
  private fmul: BinaryOp;
  private fsqr: UnaryOp;
  private fadd: BinaryOp;
  private fsub: BinaryOp;
  private nmul: BinaryOp | null;
  private nsqr: UnaryOp | null;
  /** Scratch for inversions: 16 window powers. */
  private powTable: StaticArray<u32>;

  constructor(hexP: string, hexN: string, hexB: string, hexGx: string, hexGy: string, hash: HashAlg, ops: CurveOps) {
    const p = limbsFromHex(hexP);
    const n = limbsFromHex(hexN);
    const k = p.length;
    // Both moduli are odd, normalized constants: fromLimbs cannot fail for them.
    const fp = changetype<Montgomery>(Montgomery.fromLimbs(p));
    const fn = changetype<Montgomery>(Montgomery.fromLimbs(n));
    const two = new StaticArray<u32>(k);
    unchecked((two[0] = 2));
    const pMinus2 = new StaticArray<u32>(k);
    sub(ptr(pMinus2), ptr(p), ptr(two), k);
    const nMinus2 = new StaticArray<u32>(k);
    sub(ptr(nMinus2), ptr(n), ptr(two), k);
    const b = limbsFromHex(hexB);
    fp.toMont(ptr(b), ptr(b));
    const gx = limbsFromHex(hexGx);
    fp.toMont(ptr(gx), ptr(gx));
    const gy = limbsFromHex(hexGy);
    fp.toMont(ptr(gy), ptr(gy));
    this.k = k;
    this.size = k * 4;
    this.p = p;
    this.n = n;
    this.fp = fp;
    this.fn = fn;
    this.hash = hash;
    this.pMinus2 = pMinus2;
    this.nMinus2 = nMinus2;
    this.b = b;
    this.gx = gx;
    this.gy = gy;
    this.arena = new StaticArray<u32>(ARENA_ELEMS * k);
    this.naf1 = new StaticArray<i32>(k * 32 + 1);
    this.naf2 = new StaticArray<i32>(k * 32 + 1);
    this.sc = new StaticArray<u32>(5 * k);
    this.fmul = ops.fieldMul;
    this.fsqr = ops.fieldSqr;
    this.fadd = ops.fieldAdd;
    this.fsub = ops.fieldSub;
    this.nmul = ops.scalarMul;
    this.nsqr = ops.scalarSqr;
    this.powTable = new StaticArray<u32>(16 * k);
  }

  /** Address of temporary i. */
  // @ts-ignore: decorator
  @inline t(i: i32): usize {
    return ptr(this.arena) + ((<usize>i * <usize>this.k) << 2);
  }

  // --- field helpers (all operands fully reduced, Montgomery form) ---

  // @ts-ignore: decorator
  @inline private mul(r: usize, a: usize, b: usize): void {
    this.fmul(r, a, b);
  }
  // @ts-ignore: decorator
  @inline private sqr(r: usize, a: usize): void {
    this.fsqr(r, a);
  }
  // @ts-ignore: decorator
  @inline private add(r: usize, a: usize, b: usize): void {
    this.fadd(r, a, b);
  }
  // @ts-ignore: decorator
  @inline private sub(r: usize, a: usize, b: usize): void {
    this.fsub(r, a, b);
  }

  /** r = a^-1 mod p (Montgomery form in and out; a != 0; r must not alias a). */
  invert(r: usize, a: usize): void {
    powWindow(r, a, ptr(this.pMinus2), this.k, ptr(this.fp.one), ptr(this.powTable), this.fmul, this.fsqr);
  }

  /** r = a^-1 mod n (Montgomery form mod n in and out; a != 0; r must not alias a). */
  invertScalar(r: usize, a: usize): void {
    const mul = this.nmul;
    const sqr = this.nsqr;
    if (mul != null && sqr != null) {
      powWindow(r, a, ptr(this.nMinus2), this.k, ptr(this.fn.one), ptr(this.powTable), mul, sqr);
    } else {
      this.fn.powMont(r, a, ptr(this.nMinus2), this.k);
    }
  }

  /** r = a*b/R mod n. */
  scalarMul(r: usize, a: usize, b: usize): void {
    const mul = this.nmul;
    if (mul != null) mul(r, a, b);
    else this.fn.mul(r, a, b);
  }

  /**
   * Reads an affine point from big-endian coordinates (exactly `size` bytes each) into x, y
   * (Montgomery form). False if a coordinate is >= p or the point is not on the curve.
   * (The point at infinity has no affine encoding, and the curves have cofactor 1, so an on-curve
   * point is in the prime-order group.)
   */
  decodePoint(x: usize, y: usize, xb: Uint8Array, yb: Uint8Array): bool {
    const k = this.k;
    const size = this.size;
    if (xb.length != size || yb.length != size) return false;
    if (!limbsFromBytes(x, k, xb.dataStart, size) || !limbsFromBytes(y, k, yb.dataStart, size)) return false;
    if (!this.fp.isReduced(x) || !this.fp.isReduced(y)) return false;
    this.fp.toMont(x, x);
    this.fp.toMont(y, y);
    // y^2 == x^3 - 3x + b
    const t0 = this.t(0);
    const t1 = this.t(1);
    this.sqr(t0, y);
    this.sqr(t1, x);
    this.mul(t1, t1, x);
    this.sub(t1, t1, x);
    this.sub(t1, t1, x);
    this.sub(t1, t1, x);
    this.add(t1, t1, ptr(this.b));
    return equal(t0, t1, k);
  }

  // --- point arithmetic ---

  /** r = 2a (Jacobian; r may alias a). dbl-2001-b for a = -3: 3M + 5S. */
  dbl(r: usize, a: usize): void {
    const k = this.k;
    const st = <usize>k << 2;
    const X = a;
    const Y = a + st;
    const Z = a + 2 * st;
    const t0 = this.t(0);
    const t1 = this.t(1);
    const t2 = this.t(2);
    const t3 = this.t(3);
    const t4 = this.t(4);
    const t5 = this.t(5);
    this.sqr(t0, Z); // delta
    this.sqr(t1, Y); // gamma
    this.mul(t2, X, t1); // beta
    this.sub(t3, X, t0);
    this.add(t4, X, t0);
    this.mul(t3, t3, t4);
    this.add(t4, t3, t3);
    this.add(t3, t4, t3); // alpha = 3 (X - delta)(X + delta)
    this.add(t4, Y, Z); // before r.Z is written
    this.sqr(t4, t4);
    this.sub(t4, t4, t1);
    this.sub(r + 2 * st, t4, t0); // Z3 = (Y + Z)^2 - gamma - delta
    this.add(t2, t2, t2);
    this.add(t2, t2, t2); // 4 beta
    this.sqr(t4, t3);
    this.add(t5, t2, t2); // 8 beta
    this.sub(r, t4, t5); // X3 = alpha^2 - 8 beta
    this.sub(t2, t2, r); // 4 beta - X3
    this.mul(t2, t3, t2);
    this.sqr(t1, t1); // gamma^2
    this.add(t1, t1, t1);
    this.add(t1, t1, t1);
    this.add(t1, t1, t1); // 8 gamma^2
    this.sub(r + st, t2, t1); // Y3 = alpha (4 beta - X3) - 8 gamma^2
  }

  /**
   * a = a + (x2, y2) (Jacobian += affine; madd-2007-bl, 7M + 4S). Handles a = infinity, a = (x2, y2)
   * (doubles) and a = -(x2, y2) (gives infinity).
   */
  madd(a: usize, x2: usize, y2: usize): void {
    const k = this.k;
    const st = <usize>k << 2;
    const X = a;
    const Y = a + st;
    const Z = a + 2 * st;
    if (isZero(Z, k)) {
      copy(X, x2, k);
      copy(Y, y2, k);
      copy(Z, ptr(this.fp.one), k);
      return;
    }
    const t0 = this.t(6);
    const t1 = this.t(7);
    const t2 = this.t(8);
    const t3 = this.t(9);
    const t4 = this.t(10);
    const t5 = this.t(11);
    const t6 = this.t(12);
    const t7 = this.t(13);
    this.sqr(t0, Z); // Z1Z1
    this.mul(t1, x2, t0); // U2
    this.mul(t2, y2, Z);
    this.mul(t2, t2, t0); // S2
    this.sub(t1, t1, X); // H
    this.sub(t2, t2, Y); // S2 - Y1
    if (isZero(t1, k)) {
      if (isZero(t2, k)) this.dbl(a, a); // same point
      else setZero(Z, k); // opposite points
      return;
    }
    this.add(t2, t2, t2); // r
    this.sqr(t3, t1); // HH
    this.add(t4, t3, t3);
    this.add(t4, t4, t4); // I = 4 HH
    this.mul(t5, t1, t4); // J
    this.mul(t6, X, t4); // V
    this.sqr(t7, t2);
    this.sub(t7, t7, t5);
    this.sub(t7, t7, t6);
    this.sub(t7, t7, t6); // X3 = r^2 - J - 2V
    // Z3 = (Z1 + H)^2 - Z1Z1 - HH, written now: Z1 is not needed below.
    this.add(t4, Z, t1);
    this.sqr(t4, t4);
    this.sub(t4, t4, t0);
    this.sub(Z, t4, t3);
    this.sub(t6, t6, t7); // V - X3
    this.mul(t6, t2, t6);
    this.mul(t5, Y, t5);
    this.add(t5, t5, t5); // 2 Y1 J
    this.sub(Y, t6, t5); // Y3
    copy(X, t7, k);
  }

  /**
   * Odd multiples 1P, 3P, ..., (2*count - 1)P of the affine point (px, py) (Montgomery form) as
   * affine points: count * 2 elements, x then y per point.
   */
  oddMultiples(px: usize, py: usize, count: i32): StaticArray<u32> {
    const k = this.k;
    const st = <usize>k << 2;
    const jac = new StaticArray<u32>(count * 3 * k);
    const jp = ptr(jac);
    const out = new StaticArray<u32>(count * 2 * k);
    const op = ptr(out);
    // 2P in affine (one inversion), then (2i+1)P = (2i-1)P + 2P by mixed additions.
    const acc = this.t(ACC);
    copy(acc, px, k);
    copy(acc + st, py, k);
    copy(acc + 2 * st, ptr(this.fp.one), k);
    this.dbl(acc, acc);
    const x2 = this.t(14);
    const y2 = this.t(15);
    this.toAffine(x2, y2, acc);
    copy(jp, px, k);
    copy(jp + st, py, k);
    copy(jp + 2 * st, ptr(this.fp.one), k);
    for (let i = 1; i < count; i++) {
      const cur = jp + <usize>i * 3 * st;
      copy(cur, cur - 3 * st, 3 * k);
      this.madd(cur, x2, y2);
    }
    // Batch inversion of the Z coordinates (Montgomery's trick): prefix products, one inversion.
    const pre = new StaticArray<u32>(count * k);
    const pp = ptr(pre);
    copy(pp, jp + 2 * st, k);
    for (let i = 1; i < count; i++) this.mul(pp + <usize>i * st, pp + <usize>(i - 1) * st, jp + <usize>i * 3 * st + 2 * st);
    const inv = this.t(14);
    const zi = this.t(15);
    const z2 = this.t(5);
    this.invert(inv, pp + <usize>(count - 1) * st);
    for (let i = count - 1; i >= 0; i--) {
      const cur = jp + <usize>i * 3 * st;
      if (i > 0) {
        this.mul(zi, inv, pp + <usize>(i - 1) * st); // 1/Z_i
        this.mul(inv, inv, cur + 2 * st); // 1/(Z_0..Z_{i-1})
      } else {
        copy(zi, inv, k);
      }
      this.sqr(z2, zi);
      this.mul(op + <usize>i * 2 * st, cur, z2);
      this.mul(z2, z2, zi);
      this.mul(op + <usize>i * 2 * st + st, cur + st, z2);
    }
    return out;
  }

  /** (x, y) = affine form of the Jacobian point a (not infinity). Uses temporaries 0..5. */
  private toAffine(x: usize, y: usize, a: usize): void {
    const st = <usize>this.k << 2;
    const zi = this.t(4);
    const z2 = this.t(5);
    this.invert(zi, a + 2 * st);
    this.sqr(z2, zi);
    this.mul(x, a, z2);
    this.mul(z2, z2, zi);
    this.mul(y, a + st, z2);
  }

  private generatorTable(): StaticArray<u32> {
    let g = this.gTable;
    if (g == null) {
      g = this.oddMultiples(ptr(this.gx), ptr(this.gy), G_POINTS);
      this.gTable = g;
    }
    return g;
  }

  /** Table of odd multiples of a public key, for use with verify (Q_POINTS affine points). */
  keyTable(qx: usize, qy: usize): StaticArray<u32> {
    return this.oddMultiples(qx, qy, Q_POINTS);
  }

  /**
   * ECDSA verification core (SEC 1 §4.1.4 steps 4-8): r, s and e are big-endian byte ranges of
   * exactly `size` bytes (e already truncated to the order's bit length); qTable from keyTable.
   */
  verify(qTable: StaticArray<u32>, rp: usize, sp: usize, ep: usize, eLen: i32): bool {
    const k = this.k;
    const size = this.size;
    const fn = this.fn;
    const scp = ptr(this.sc);
    const st = <usize>k << 2;
    const u1 = scp;
    const u2 = scp + st;
    const w = scp + 2 * st;
    const e = scp + 3 * st;
    const r = scp + 4 * st;
    // r, s in [1, n-1]
    if (!limbsFromBytes(r, k, rp, size) || !limbsFromBytes(w, k, sp, size)) return false;
    if (isZero(r, k) || isZero(w, k) || !fn.isReduced(r) || !fn.isReduced(w)) return false;
    // e mod n (e < 2^(8 size) < 2n, so one subtraction)
    if (!limbsFromBytes(e, k, ep, eLen)) return false;
    if (!fn.isReduced(e)) sub(e, e, ptr(this.n), k);
    // w = s^-1 (Montgomery form), u1 = e w, u2 = r w (normal form)
    fn.toMont(u1, w);
    this.invertScalar(w, u1);
    this.scalarMul(u1, e, w);
    this.scalarMul(u2, r, w);
    // R = u1 G + u2 Q
    const bits = k * 32 + 1;
    const n1 = changetype<usize>(this.naf1);
    const n2 = changetype<usize>(this.naf2);
    wnaf(n1, bits, u1, k, W_G);
    wnaf(n2, bits, u2, k, W_Q);
    const gt = ptr(this.generatorTable());
    const qt = ptr(qTable);
    const acc = this.t(ACC);
    const negy = this.t(NEGY);
    setZero(acc, 3 * k); // infinity
    let started = false;
    for (let i = bits - 1; i >= 0; i--) {
      if (started) this.dbl(acc, acc);
      const d1 = load<i32>(n1 + (<usize>i << 2));
      if (d1 != 0) {
        const entry = gt + <usize>((abs<i32>(d1) - 1) >> 1) * 2 * st;
        if (d1 > 0) {
          this.madd(acc, entry, entry + st);
        } else {
          this.negate(negy, entry + st);
          this.madd(acc, entry, negy);
        }
        started = true;
      }
      const d2 = load<i32>(n2 + (<usize>i << 2));
      if (d2 != 0) {
        const entry = qt + <usize>((abs<i32>(d2) - 1) >> 1) * 2 * st;
        if (d2 > 0) {
          this.madd(acc, entry, entry + st);
        } else {
          this.negate(negy, entry + st);
          this.madd(acc, entry, negy);
        }
        started = true;
      }
    }
    const X = acc;
    const Z = acc + 2 * st;
    if (isZero(Z, k)) return false;
    // x(R) mod n == r  <=>  X == r Z^2  or (r + n < p and X == (r + n) Z^2), all mod p
    const z2 = this.t(0);
    const rr = this.t(1);
    this.sqr(z2, Z);
    copy(rr, r, k); // r < n < p
    this.fp.toMont(rr, rr);
    this.mul(rr, rr, z2);
    if (equal(rr, X, k)) return true;
    const carry = add(rr, r, ptr(this.n), k);
    if (carry != 0 || !this.fp.isReduced(rr)) return false;
    this.fp.toMont(rr, rr);
    this.mul(rr, rr, z2);
    return equal(rr, X, k);
  }

  /** r = -y mod p. */
  private negate(r: usize, y: usize): void {
    const k = this.k;
    if (isZero(y, k)) setZero(r, k);
    else sub(r, ptr(this.p), y, k);
  }
}

/**
 * r = base^exp with the Montgomery product `mul` / square `sqr` (base and r in Montgomery form, `one`
 * the Montgomery form of 1), 4-bit fixed windows; table is scratch for 16 powers. r must not alias base.
 */
function powWindow(r: usize, base: usize, exp: usize, k: i32, one: usize, table: usize, mul: BinaryOp, sqr: UnaryOp): void {
  const stride = <usize>k << 2;
  copy(table, one, k);
  copy(table + stride, base, k);
  for (let i = 2; i < 16; i++) mul(table + stride * i, table + stride * (i - 1), base);
  copy(r, one, k);
  const bits = bitLength(exp, k);
  let w = (bits + 3) >> 2;
  let started = false;
  while (w > 0) {
    w--;
    const nib = (load<u32>(exp + (<usize>(w >> 3) << 2)) >> (<u32>(w & 7) << 2)) & 15;
    if (started) {
      sqr(r, r);
      sqr(r, r);
      sqr(r, r);
      sqr(r, r);
    }
    if (nib != 0) {
      if (started) mul(r, r, table + stride * nib);
      else copy(r, table + stride * nib, k);
      started = true;
    }
  }
}

/**
 * Width-w NAF of the k-limb scalar at s into `len` i32 digits at out (digit i has weight 2^i):
 * every non-zero digit is odd with |d| < 2^(w-1), and any w consecutive digits hold at most one
 * non-zero. len must exceed the scalar's bit length (one extra digit absorbs the final carry).
 */
export function wnaf(out: usize, len: i32, s: usize, k: i32, w: i32): void {
  memory.fill(out, 0, <usize>len << 2);
  let carry: u32 = 0;
  let bit = 0;
  while (bit < len) {
    if (testBit(s, k, bit) == carry) {
      bit++;
      continue;
    }
    let now = w;
    if (now > len - bit) now = len - bit;
    let word = <i32>(getBits(s, k, bit, now) + carry);
    carry = <u32>(word >> (w - 1)) & 1;
    word -= <i32>carry << w;
    store<i32>(out + (<usize>bit << 2), word);
    bit += now;
  }
}

/** `count` (<= 31) bits of the k-limb value a starting at bit `bit` (zeros beyond the top). */
function getBits(a: usize, k: i32, bit: i32, count: i32): u32 {
  const limb = bit >> 5;
  const sh = <u32>(bit & 31);
  let v: u32 = 0;
  if (limb < k) v = load<u32>(a + (<usize>limb << 2)) >> sh;
  if (sh != 0 && <i32>sh + count > 32 && limb + 1 < k) v |= load<u32>(a + (<usize>(limb + 1) << 2)) << (32 - sh);
  return v & ((<u32>1 << <u32>count) - 1);
}

/** Limbs of a big-endian hex constant (trusted, even length, no prefix). */
export function limbsFromHex(hex: string): StaticArray<u32> {
  const nBytes = hex.length >> 1;
  const k = (nBytes + 3) >> 2;
  const out = new StaticArray<u32>(k);
  for (let j = 0; j < nBytes; j++) {
    // byte j from the end
    const at = hex.length - 2 - 2 * j;
    const v = (hexDigit(hex.charCodeAt(at)) << 4) | hexDigit(hex.charCodeAt(at + 1));
    const idx = j >> 2;
    unchecked((out[idx] = out[idx] | (v << (<u32>(j & 3) << 3))));
  }
  return out;
}

function hexDigit(c: i32): u32 {
  if (c >= 48 && c <= 57) return <u32>(c - 48);
  if (c >= 97 && c <= 102) return <u32>(c - 87);
  if (c >= 65 && c <= 70) return <u32>(c - 55);
  return 0;
}
