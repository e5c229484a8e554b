// Fixed-width unsigned big integers and Montgomery arithmetic, sized for RSA moduli (up to 8192 bits)
// and for the P-256 / P-384 fields.
//
// A number is a little-endian run of 32-bit limbs (limb 0 is least significant) held in a
// StaticArray<u32>; the low-level routines take raw pointers plus a limb count `k` so the hot loops
// do no bounds checks. Every pointer handed to them comes from a buffer this module (or its callers
// in this folder) allocated with at least `k` limbs, so no load or store can leave its buffer.
// Nothing here throws or asserts: bad input is reported by return values (false / null).
//
// Why 32-bit limbs: Wasm has no 64x64->128 multiply, but a 32x32->64 product plus two 32-bit addends
// always fits in a u64, which makes the Montgomery inner loop a plain i64 multiply-add.
//
// AssemblyScript pitfall (bit us once): inside `<u64>(...)` a `load<u32>` is widened to an i64
// load, so `<u64>(load<u32>(p) * n0)` multiplies in 64 bits without wrapping. Products that must
// wrap at 32 bits are assigned to a u32 local first.

/** Largest modulus accepted by Montgomery.fromBytes: 8192 bits (256 limbs). */
export const MAX_LIMBS: i32 = 256;

// ---------------------------------------------------------------------------------------------
// Buffers and conversions.

/** Address of a limb buffer's first limb. */
// @ts-ignore: decorator
@inline export function ptr(a: StaticArray<u32>): usize {
  return changetype<usize>(a);
}

/** Number of bytes of `bytes` after skipping leading zero bytes. */
export function significantBytes(src: usize, len: i32): i32 {
  let i = 0;
  while (i < len && load<u8>(src + <usize>i) == 0) i++;
  return len - i;
}

/** Bit length of the big-endian integer in src[0, len) (0 for zero or empty; leading zeros allowed). */
export function bitLengthBytes(src: usize, len: i32): i32 {
  const sig = significantBytes(src, len);
  if (sig == 0) return 0;
  return (sig - 1) * 8 + 32 - <i32>clz<u32>(<u32>load<u8>(src + <usize>(len - sig)));
}

/**
 * Reads big-endian bytes src[0, len) into k limbs at dst (zero-extended).
 * Returns false (leaving dst zeroed) if the value does not fit in k limbs.
 */
export function limbsFromBytes(dst: usize, k: i32, src: usize, len: i32): bool {
  memory.fill(dst, 0, <usize>k << 2);
  if (len < 0) return false;
  // Skip leading zero bytes: they do not count against the width.
  let start = 0;
  while (start < len && load<u8>(src + <usize>start) == 0) start++;
  const n = len - start;
  if (n > k * 4) return false;
  // Byte j from the end goes to limb j/4, bits 8*(j%4).
  for (let j = 0; j < n; j++) {
    const b = <u32>load<u8>(src + <usize>(len - 1 - j));
    const at = dst + (<usize>(j >> 2) << 2);
    store<u32>(at, load<u32>(at) | (b << (<u32>(j & 3) << 3)));
  }
  return true;
}

/**
 * Writes the k-limb value at src as exactly `len` big-endian bytes at dst (left-padded with zeros).
 * Returns false if the value needs more than `len` bytes (dst then holds the low `len` bytes).
 */
export function limbsToBytes(dst: usize, len: i32, src: usize, k: i32): bool {
  for (let j = 0; j < len; j++) {
    let b: u32 = 0;
    if ((j >> 2) < k) b = load<u32>(src + (<usize>(j >> 2) << 2)) >> (<u32>(j & 3) << 3);
    store<u8>(dst + <usize>(len - 1 - j), <u8>b);
  }
  // Any non-zero byte beyond `len` means the value did not fit.
  for (let j = len; j < k * 4; j++) {
    if (((load<u32>(src + (<usize>(j >> 2) << 2)) >> (<u32>(j & 3) << 3)) & 0xff) != 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Limb-wise arithmetic on k-limb values (r may alias a or b).

/** -1, 0 or 1 as a < b, a == b, a > b. */
export function cmp(a: usize, b: usize, k: i32): i32 {
  for (let i = k - 1; i >= 0; i--) {
    const x = load<u32>(a + (<usize>i << 2));
    const y = load<u32>(b + (<usize>i << 2));
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function isZero(a: usize, k: i32): bool {
  let acc: u32 = 0;
  for (let i = 0; i < k; i++) acc |= load<u32>(a + (<usize>i << 2));
  return acc == 0;
}

export function equal(a: usize, b: usize, k: i32): bool {
  let acc: u32 = 0;
  for (let i = 0; i < k; i++) acc |= load<u32>(a + (<usize>i << 2)) ^ load<u32>(b + (<usize>i << 2));
  return acc == 0;
}

export function copy(r: usize, a: usize, k: i32): void {
  memory.copy(r, a, <usize>k << 2);
}

export function setZero(r: usize, k: i32): void {
  memory.fill(r, 0, <usize>k << 2);
}

/** r = a + b, returns the carry out (0 or 1). */
export function add(r: usize, a: usize, b: usize, k: i32): u32 {
  let c: u64 = 0;
  for (let i = 0; i < k; i++) {
    const off = <usize>i << 2;
    c += <u64>load<u32>(a + off) + <u64>load<u32>(b + off);
    store<u32>(r + off, <u32>c);
    c >>= 32;
  }
  return <u32>c;
}

/** r = a - b, returns the borrow out (0 or 1). */
export function sub(r: usize, a: usize, b: usize, k: i32): u32 {
  let borrow: u64 = 0;
  for (let i = 0; i < k; i++) {
    const off = <usize>i << 2;
    const d = <u64>load<u32>(a + off) - <u64>load<u32>(b + off) - borrow;
    store<u32>(r + off, <u32>d);
    borrow = (d >> 32) & 1; // a wrapped difference has all high bits set
  }
  return <u32>borrow;
}

/** r = a << 1, returns the bit shifted out. */
export function shl1(r: usize, a: usize, k: i32): u32 {
  let carry: u32 = 0;
  for (let i = 0; i < k; i++) {
    const off = <usize>i << 2;
    const v = load<u32>(a + off);
    store<u32>(r + off, (v << 1) | carry);
    carry = v >> 31;
  }
  return carry;
}

/** Bit length of the k-limb value (0 for zero). */
export function bitLength(a: usize, k: i32): i32 {
  for (let i = k - 1; i >= 0; i--) {
    const v = load<u32>(a + (<usize>i << 2));
    if (v != 0) return i * 32 + 32 - <i32>clz<u32>(v);
  }
  return 0;
}

/** Bit i of the k-limb value (0 beyond the top). */
// @ts-ignore: decorator
@inline export function testBit(a: usize, k: i32, i: i32): u32 {
  if (i < 0 || (i >> 5) >= k) return 0;
  return (load<u32>(a + (<usize>(i >> 5) << 2)) >> <u32>(i & 31)) & 1;
}

/** -x^-1 mod 2^32 for odd x (Newton iteration: each step doubles the correct low bits). */
export function negInverse32(x: u32): u32 {
  let y: u32 = x; // correct to 3 bits for odd x (x*x == 1 mod 8)
  y *= 2 - x * y; // 6
  y *= 2 - x * y; // 12
  y *= 2 - x * y; // 24
  y *= 2 - x * y; // 48
  return 0 - y;
}

// ---------------------------------------------------------------------------------------------
// Montgomery multiplication, separated operand scanning: the full 2k-limb product (or square)
// first, then k reduction rows (fused two at a time). The product rows use one kernel, mulAddRow,
// unrolled 4x. A square computes each cross product a_i*a_j once and doubles the sum: about 1.5k^2
// single-word products instead of 2k^2 (an RSA verify with e = 65537 is 16 squares, 2 products).
// Inputs a, b < m; output r = a*b*R^-1 mod m, fully reduced, where R = 2^(32k).
// T is scratch of 2k limbs; r may alias a or b.
//
// Bounds: each u64 step is at most (2^32-1)^2 + 2*(2^32-1) = 2^64-1, so nothing overflows.

/** t[0, n) += a[0, n) * b (b < 2^32); returns the carry out of the top limb (< 2^32). */
export function mulAddRow(t: usize, a: usize, b: u64, n: i32): u64 {
  let c: u64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let s = <u64>load<u32>(t) + <u64>load<u32>(a) * b + c;
    store<u32>(t, <u32>s);
    s = <u64>load<u32>(t, 4) + <u64>load<u32>(a, 4) * b + (s >> 32);
    store<u32>(t, <u32>s, 4);
    s = <u64>load<u32>(t, 8) + <u64>load<u32>(a, 8) * b + (s >> 32);
    store<u32>(t, <u32>s, 8);
    s = <u64>load<u32>(t, 12) + <u64>load<u32>(a, 12) * b + (s >> 32);
    store<u32>(t, <u32>s, 12);
    c = s >> 32;
    t += 16;
    a += 16;
  }
  for (; i < n; i++) {
    const s = <u64>load<u32>(t) + <u64>load<u32>(a) * b + c;
    store<u32>(t, <u32>s);
    c = s >> 32;
    t += 4;
    a += 4;
  }
  return c;
}

/** r = a*b*R^-1 mod m. */
export function montMul(r: usize, a: usize, b: usize, m: usize, n0: u32, k: i32, T: usize): void {
  memory.fill(T, 0, <usize>k << 3);
  for (let i = 0; i < k; i++) {
    const off = <usize>i << 2;
    store<u32>(T + off + (<usize>k << 2), <u32>mulAddRow(T + off, a, <u64>load<u32>(b + off), k));
  }
  montReduce(r, T, m, n0, k);
}

/** r = a^2*R^-1 mod m: the off-diagonal products once, doubled, plus the squares. */
export function montSqr(r: usize, a: usize, m: usize, n0: u32, k: i32, T: usize): void {
  memory.fill(T, 0, <usize>k << 3);
  for (let i = 0; i < k - 1; i++) {
    const off = <usize>i << 2;
    // a_i * a_j for j > i lands at limbs 2i+1 .. i+k-1; its carry at limb i+k is still untouched.
    store<u32>(T + off + (<usize>k << 2), <u32>mulAddRow(T + (off << 1) + 4, a + off + 4, <u64>load<u32>(a + off), k - 1 - i));
  }
  // T = 2T + sum a_i^2 * 2^(64i)
  let bit: u32 = 0;
  let c: u64 = 0;
  for (let i = 0; i < k; i++) {
    const p = T + (<usize>i << 3);
    const x = load<u32>(p);
    const y = load<u32>(p, 4);
    const ai = <u64>load<u32>(a + (<usize>i << 2));
    const sq = ai * ai;
    let s = <u64>((x << 1) | bit) + (sq & 0xffffffff) + c;
    store<u32>(p, <u32>s);
    s = <u64>((y << 1) | (x >> 31)) + (sq >> 32) + (s >> 32);
    store<u32>(p, <u32>s, 4);
    c = s >> 32;
    bit = y >> 31;
  }
  montReduce(r, T, m, n0, k);
}

/**
 * r = T*R^-1 mod m for a 2k-limb T < m*R (T is clobbered). Reduction rows are done two at a time:
 * row i adds q_i*m at limb i, row i+1 adds q_{i+1}*m at limb i+1, so limb i+j receives
 * q_i*m_j + q_{i+1}*m_{j-1} in one pass (one load and one store of T per two products). q_{i+1}
 * depends on limb i+1 after row i, which the first two steps compute before the loop.
 */
function montReduce(r: usize, T: usize, m: usize, n0: u32, k: i32): void {
  const kb = <usize>k << 2;
  let cc: u64 = 0; // carry into limb i+k (from the rows before)
  let i = 0;
  for (; i + 2 <= k; i += 2) {
    const row = T + (<usize>i << 2);
    const q0: u32 = load<u32>(row) * n0;
    const Q0 = <u64>q0;
    let s = <u64>load<u32>(row) + Q0 * <u64>load<u32>(m); // low word is 0
    s = <u64>load<u32>(row, 4) + Q0 * <u64>load<u32>(m, 4) + (s >> 32);
    let c0 = s >> 32;
    const lo1 = <u32>s;
    const q1: u32 = lo1 * n0;
    const Q1 = <u64>q1;
    let s2 = <u64>lo1 + Q1 * <u64>load<u32>(m); // low word is 0
    let c1 = s2 >> 32;
    let mPrev = <u64>load<u32>(m, 4);
    let pt = row + 8;
    let pm = m + 8;
    const end = row + kb;
    while (pt < end) {
      const mj = <u64>load<u32>(pm);
      s = <u64>load<u32>(pt) + Q0 * mj + c0;
      c0 = s >> 32;
      s2 = (s & 0xffffffff) + Q1 * mPrev + c1;
      c1 = s2 >> 32;
      store<u32>(pt, <u32>s2);
      mPrev = mj;
      pt += 4;
      pm += 4;
    }
    // limb i+k: row i's carry (plus the carry from earlier rows), row i+1's last product
    s = <u64>load<u32>(end) + c0 + cc;
    s2 = (s & 0xffffffff) + Q1 * mPrev + c1;
    store<u32>(end, <u32>s2);
    // limb i+k+1: both carries
    const t = <u64>load<u32>(end, 4) + (s >> 32) + (s2 >> 32);
    store<u32>(end, <u32>t, 4);
    cc = t >> 32;
  }
  if (i < k) {
    // odd k: one last single row
    const row = T + (<usize>i << 2);
    const q: u32 = load<u32>(row) * n0;
    const c = mulAddRow(row, m, <u64>q, k);
    const s = <u64>load<u32>(row + kb) + c + cc;
    store<u32>(row + kb, <u32>s);
    cc = s >> 32;
  }
  // The result T[k, 2k) + cc*R is < 2m.
  const t = T + kb;
  if (cc != 0 || cmp(t, m, k) >= 0) sub(r, t, m, k);
  else memory.copy(r, t, kb);
}

// ---------------------------------------------------------------------------------------------
// A modulus with its Montgomery constants, computed once (per RSA key, per curve field).

export class Montgomery {
  /** Limb count; R = 2^(32k). */
  readonly k: i32;
  /** The modulus, k limbs, top limb non-zero. */
  readonly m: StaticArray<u32>;
  /** -m^-1 mod 2^32. */
  readonly n0: u32;
  /** R^2 mod m (multiplying by it converts into Montgomery form). */
  readonly r2: StaticArray<u32>;
  /** R mod m (Montgomery form of 1). */
  readonly one: StaticArray<u32>;
  /** The integer 1 (multiplying by it converts out of Montgomery form). */
  private unit: StaticArray<u32>;
  /** Scratch for montMul / montSqr, 2k limbs. */
  private t: StaticArray<u32>;
  /** Scratch for pow: 16 window powers (allocated on first use). */
  private powTable: StaticArray<u32> | null = null;

  private constructor(m: StaticArray<u32>, k: i32) {
    this.k = k;
    this.m = m;
    this.n0 = negInverse32(unchecked(m[0]));
    this.r2 = new StaticArray<u32>(k);
    this.one = new StaticArray<u32>(k);
    this.unit = new StaticArray<u32>(k);
    this.t = new StaticArray<u32>(2 * k);
    unchecked((this.unit[0] = 1));
    this.computeR2();
  }

  /**
   * A Montgomery context for an odd modulus m > 1 given as big-endian bytes (leading zeros allowed),
   * of at most MAX_LIMBS limbs. Null otherwise.
   */
  static fromBytes(bytes: Uint8Array): Montgomery | null {
    const len = bytes.length;
    const sig = significantBytes(bytes.dataStart, len);
    if (sig == 0 || sig > MAX_LIMBS * 4) return null;
    const k = (sig + 3) >> 2;
    const m = new StaticArray<u32>(k);
    if (!limbsFromBytes(ptr(m), k, bytes.dataStart, len)) return null;
    return Montgomery.fromLimbs(m);
  }

  /** A context for the modulus in `m` (its length is the limb count; top limb must be non-zero). */
  static fromLimbs(m: StaticArray<u32>): Montgomery | null {
    const k = m.length;
    if (k == 0 || k > MAX_LIMBS) return null;
    if ((unchecked(m[0]) & 1) == 0) return null; // even (Montgomery needs gcd(m, 2^32) = 1)
    if (unchecked(m[k - 1]) == 0) return null; // not normalized
    if (k == 1 && unchecked(m[0]) == 1) return null; // m = 1
    return new Montgomery(m, k);
  }

  /** Bit length of the modulus. */
  get bits(): i32 {
    return bitLength(ptr(this.m), this.k);
  }

  // R mod m by doubling 2^(bits-1) up to 2^(32k); then R^2 = R * 2^(32k) mod m, reached from
  // R*2^f (f = odd part of 32k, i.e. odd part of k) by j Montgomery squarings, since
  // sqr(R*2^x) = R*2^(2x). This costs at most ~33+k doublings and 13 squarings.
  private computeR2(): void {
    const k = this.k;
    const m = ptr(this.m);
    const x = ptr(this.one);
    const bits = bitLength(m, k);
    setZero(x, k);
    const top = bits - 1;
    store<u32>(x + (<usize>(top >> 5) << 2), <u32>1 << <u32>(top & 31)); // 2^(bits-1) < m
    for (let i = top; i < 32 * k; i++) this.doubleMod(x); // x = R mod m
    let f = k;
    let j = 5;
    while ((f & 1) == 0) {
      f >>= 1;
      j++;
    }
    const y = ptr(this.r2);
    copy(y, x, k);
    for (let i = 0; i < f; i++) this.doubleMod(y); // y = R * 2^f mod m
    for (let i = 0; i < j; i++) this.sqr(y, y); // R * 2^(f*2^j) = R * 2^(32k)
  }

  /** x = 2x mod m for x < m. */
  private doubleMod(x: usize): void {
    const k = this.k;
    const m = ptr(this.m);
    const carry = shl1(x, x, k);
    if (carry != 0 || cmp(x, m, k) >= 0) sub(x, x, m, k);
  }

  /** r = a*b/R mod m (a, b < m). */
  // @ts-ignore: decorator
  @inline mul(r: usize, a: usize, b: usize): void {
    montMul(r, a, b, ptr(this.m), this.n0, this.k, ptr(this.t));
  }

  /** r = a*a/R mod m (a < m). */
  // @ts-ignore: decorator
  @inline sqr(r: usize, a: usize): void {
    montSqr(r, a, ptr(this.m), this.n0, this.k, ptr(this.t));
  }

  /** r = a*R mod m: into Montgomery form (a < m). */
  toMont(r: usize, a: usize): void {
    this.mul(r, a, ptr(this.r2));
  }

  /** r = a/R mod m: out of Montgomery form. */
  fromMont(r: usize, a: usize): void {
    this.mul(r, a, ptr(this.unit));
  }

  /** True if the k-limb value a is < m. */
  isReduced(a: usize): bool {
    return cmp(a, ptr(this.m), this.k) < 0;
  }

  /**
   * r = base^exp in the Montgomery domain (base and result in Montgomery form), for an exponent of
   * expK limbs at `exp`. 4-bit fixed windows. r must not alias base.
   */
  powMont(r: usize, base: usize, exp: usize, expK: i32): void {
    const k = this.k;
    const stride = <usize>k << 2;
    let table = this.powTable;
    if (table == null) {
      table = new StaticArray<u32>(16 * k);
      this.powTable = table;
    }
    const tb = ptr(table);
    // table[i] = base^i (Montgomery form)
    copy(tb, ptr(this.one), k);
    copy(tb + stride, base, k);
    for (let i = 2; i < 16; i++) this.mul(tb + stride * i, tb + stride * (i - 1), base);
    copy(r, ptr(this.one), k);
    const bits = bitLength(exp, expK);
    let w = (bits + 3) >> 2;
    let started = false;
    while (w > 0) {
      w--;
      const nib = (load<u32>(exp + (<usize>(w >> 3) << 2)) >> (<u32>(w & 7) << 2)) & 15;
      if (started) {
        this.sqr(r, r);
        this.sqr(r, r);
        this.sqr(r, r);
        this.sqr(r, r);
      }
      if (nib != 0) {
        if (started) this.mul(r, r, tb + stride * nib);
        else copy(r, tb + stride * nib, k);
        started = true;
      }
    }
  }
}
