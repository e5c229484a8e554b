// SHA-256, SHA-384 and SHA-512 (FIPS 180-4), streaming and one-shot.
//
// Never aborts: every entry point accepts any input (a negative or zero length in updateRaw is
// ignored). Round constants live in static memory. Per hash object the only allocation is the
// state and a block buffer; the one-shot functions reuse shared instances and allocate only their
// output.
//
// Speed: the compression functions keep the eight state words and the 16-word message schedule
// ring in locals, read the block with big-endian loads straight from the caller's memory when a
// whole block is available, and unroll 16 rounds so the variables rotate roles instead of moving.

export enum HashAlg {
  SHA256,
  SHA384,
  SHA512,
}

/** Digest size in bytes (32, 48, 64); 0 for an unknown value. */
export function digestLength(alg: HashAlg): i32 {
  if (alg == HashAlg.SHA256) return 32;
  if (alg == HashAlg.SHA384) return 48;
  if (alg == HashAlg.SHA512) return 64;
  return 0;
}

/** Block size in bytes (64 for SHA-256, 128 for SHA-384/512); 0 for an unknown value. */
export function blockLength(alg: HashAlg): i32 {
  if (alg == HashAlg.SHA256) return 64;
  if (alg == HashAlg.SHA384 || alg == HashAlg.SHA512) return 128;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Common interface, so HMAC and signature code can work with any of the three hashes.

/** A streaming hash. Sha256 and Sha512 (also SHA-384) extend it. */
export class Hasher {
  /** Digest size in bytes. */
  get digestLength(): i32 {
    return 0;
  }
  /** Block size in bytes. */
  get blockLength(): i32 {
    return 0;
  }
  reset(): void {}
  update(data: Uint8Array): void {
    this.updateRaw(data.dataStart, data.length);
  }
  updateRaw(ptr: usize, len: i32): void {}
  /** Writes digestLength bytes to `out` and resets. */
  finishRaw(out: usize): void {}
  finish(): Uint8Array {
    const out = new Uint8Array(this.digestLength);
    this.finishRaw(out.dataStart);
    return out;
  }
  /** Copies the complete state of `other` (same class and variant) into this; false if it differs. */
  copyFrom(other: Hasher): bool {
    return false;
  }
}

/** A new streaming hash for `alg`, or null for an unknown value. */
export function newHasher(alg: HashAlg): Hasher | null {
  if (alg == HashAlg.SHA256) return new Sha256();
  if (alg == HashAlg.SHA384) return new Sha512(true);
  if (alg == HashAlg.SHA512) return new Sha512(false);
  return null;
}

// ---------------------------------------------------------------------------------------------
// SHA-256

// prettier-ignore
const K256: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// @ts-ignore: decorator
@inline
function ch32(x: u32, y: u32, z: u32): u32 {
  return z ^ (x & (y ^ z));
}

// @ts-ignore: decorator
@inline
function maj32(x: u32, y: u32, z: u32): u32 {
  return (x & y) | (z & (x | y));
}

// @ts-ignore: decorator
@inline
function bigS0_32(x: u32): u32 {
  return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22);
}

// @ts-ignore: decorator
@inline
function bigS1_32(x: u32): u32 {
  return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25);
}

// @ts-ignore: decorator
@inline
function smallS0_32(x: u32): u32 {
  return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
}

// @ts-ignore: decorator
@inline
function smallS1_32(x: u32): u32 {
  return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10);
}

/** Compresses `blocks` consecutive 64-byte blocks at `p` into the state at `st` (8 x u32). */
// Generated: 16 rounds unrolled with the message schedule in 16 locals (a ring, updated in place).
function compress256(st: usize, p: usize, blocks: i32): void {
  let h0 = load<u32>(st, 0);
  let h1 = load<u32>(st, 4);
  let h2 = load<u32>(st, 8);
  let h3 = load<u32>(st, 12);
  let h4 = load<u32>(st, 16);
  let h5 = load<u32>(st, 20);
  let h6 = load<u32>(st, 24);
  let h7 = load<u32>(st, 28);
  while (blocks > 0) {
    let w0 = bswap<u32>(load<u32>(p, 0));
    let w1 = bswap<u32>(load<u32>(p, 4));
    let w2 = bswap<u32>(load<u32>(p, 8));
    let w3 = bswap<u32>(load<u32>(p, 12));
    let w4 = bswap<u32>(load<u32>(p, 16));
    let w5 = bswap<u32>(load<u32>(p, 20));
    let w6 = bswap<u32>(load<u32>(p, 24));
    let w7 = bswap<u32>(load<u32>(p, 28));
    let w8 = bswap<u32>(load<u32>(p, 32));
    let w9 = bswap<u32>(load<u32>(p, 36));
    let w10 = bswap<u32>(load<u32>(p, 40));
    let w11 = bswap<u32>(load<u32>(p, 44));
    let w12 = bswap<u32>(load<u32>(p, 48));
    let w13 = bswap<u32>(load<u32>(p, 52));
    let w14 = bswap<u32>(load<u32>(p, 56));
    let w15 = bswap<u32>(load<u32>(p, 60));
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    let t1: u32;
    let k = K256;
    t1 = h + bigS1_32(e) + ch32(e, f, g) + load<u32>(k, 0) + w0;
    d += t1;
    h = t1 + bigS0_32(a) + maj32(a, b, c);
    t1 = g + bigS1_32(d) + ch32(d, e, f) + load<u32>(k, 4) + w1;
    c += t1;
    g = t1 + bigS0_32(h) + maj32(h, a, b);
    t1 = f + bigS1_32(c) + ch32(c, d, e) + load<u32>(k, 8) + w2;
    b += t1;
    f = t1 + bigS0_32(g) + maj32(g, h, a);
    t1 = e + bigS1_32(b) + ch32(b, c, d) + load<u32>(k, 12) + w3;
    a += t1;
    e = t1 + bigS0_32(f) + maj32(f, g, h);
    t1 = d + bigS1_32(a) + ch32(a, b, c) + load<u32>(k, 16) + w4;
    h += t1;
    d = t1 + bigS0_32(e) + maj32(e, f, g);
    t1 = c + bigS1_32(h) + ch32(h, a, b) + load<u32>(k, 20) + w5;
    g += t1;
    c = t1 + bigS0_32(d) + maj32(d, e, f);
    t1 = b + bigS1_32(g) + ch32(g, h, a) + load<u32>(k, 24) + w6;
    f += t1;
    b = t1 + bigS0_32(c) + maj32(c, d, e);
    t1 = a + bigS1_32(f) + ch32(f, g, h) + load<u32>(k, 28) + w7;
    e += t1;
    a = t1 + bigS0_32(b) + maj32(b, c, d);
    t1 = h + bigS1_32(e) + ch32(e, f, g) + load<u32>(k, 32) + w8;
    d += t1;
    h = t1 + bigS0_32(a) + maj32(a, b, c);
    t1 = g + bigS1_32(d) + ch32(d, e, f) + load<u32>(k, 36) + w9;
    c += t1;
    g = t1 + bigS0_32(h) + maj32(h, a, b);
    t1 = f + bigS1_32(c) + ch32(c, d, e) + load<u32>(k, 40) + w10;
    b += t1;
    f = t1 + bigS0_32(g) + maj32(g, h, a);
    t1 = e + bigS1_32(b) + ch32(b, c, d) + load<u32>(k, 44) + w11;
    a += t1;
    e = t1 + bigS0_32(f) + maj32(f, g, h);
    t1 = d + bigS1_32(a) + ch32(a, b, c) + load<u32>(k, 48) + w12;
    h += t1;
    d = t1 + bigS0_32(e) + maj32(e, f, g);
    t1 = c + bigS1_32(h) + ch32(h, a, b) + load<u32>(k, 52) + w13;
    g += t1;
    c = t1 + bigS0_32(d) + maj32(d, e, f);
    t1 = b + bigS1_32(g) + ch32(g, h, a) + load<u32>(k, 56) + w14;
    f += t1;
    b = t1 + bigS0_32(c) + maj32(c, d, e);
    t1 = a + bigS1_32(f) + ch32(f, g, h) + load<u32>(k, 60) + w15;
    e += t1;
    a = t1 + bigS0_32(b) + maj32(b, c, d);
    for (let j = 1; j < 4; j++) {
      k += 64;
      w0 += smallS1_32(w14) + w9 + smallS0_32(w1);
      t1 = h + bigS1_32(e) + ch32(e, f, g) + load<u32>(k, 0) + w0;
      d += t1;
      h = t1 + bigS0_32(a) + maj32(a, b, c);
      w1 += smallS1_32(w15) + w10 + smallS0_32(w2);
      t1 = g + bigS1_32(d) + ch32(d, e, f) + load<u32>(k, 4) + w1;
      c += t1;
      g = t1 + bigS0_32(h) + maj32(h, a, b);
      w2 += smallS1_32(w0) + w11 + smallS0_32(w3);
      t1 = f + bigS1_32(c) + ch32(c, d, e) + load<u32>(k, 8) + w2;
      b += t1;
      f = t1 + bigS0_32(g) + maj32(g, h, a);
      w3 += smallS1_32(w1) + w12 + smallS0_32(w4);
      t1 = e + bigS1_32(b) + ch32(b, c, d) + load<u32>(k, 12) + w3;
      a += t1;
      e = t1 + bigS0_32(f) + maj32(f, g, h);
      w4 += smallS1_32(w2) + w13 + smallS0_32(w5);
      t1 = d + bigS1_32(a) + ch32(a, b, c) + load<u32>(k, 16) + w4;
      h += t1;
      d = t1 + bigS0_32(e) + maj32(e, f, g);
      w5 += smallS1_32(w3) + w14 + smallS0_32(w6);
      t1 = c + bigS1_32(h) + ch32(h, a, b) + load<u32>(k, 20) + w5;
      g += t1;
      c = t1 + bigS0_32(d) + maj32(d, e, f);
      w6 += smallS1_32(w4) + w15 + smallS0_32(w7);
      t1 = b + bigS1_32(g) + ch32(g, h, a) + load<u32>(k, 24) + w6;
      f += t1;
      b = t1 + bigS0_32(c) + maj32(c, d, e);
      w7 += smallS1_32(w5) + w0 + smallS0_32(w8);
      t1 = a + bigS1_32(f) + ch32(f, g, h) + load<u32>(k, 28) + w7;
      e += t1;
      a = t1 + bigS0_32(b) + maj32(b, c, d);
      w8 += smallS1_32(w6) + w1 + smallS0_32(w9);
      t1 = h + bigS1_32(e) + ch32(e, f, g) + load<u32>(k, 32) + w8;
      d += t1;
      h = t1 + bigS0_32(a) + maj32(a, b, c);
      w9 += smallS1_32(w7) + w2 + smallS0_32(w10);
      t1 = g + bigS1_32(d) + ch32(d, e, f) + load<u32>(k, 36) + w9;
      c += t1;
      g = t1 + bigS0_32(h) + maj32(h, a, b);
      w10 += smallS1_32(w8) + w3 + smallS0_32(w11);
      t1 = f + bigS1_32(c) + ch32(c, d, e) + load<u32>(k, 40) + w10;
      b += t1;
      f = t1 + bigS0_32(g) + maj32(g, h, a);
      w11 += smallS1_32(w9) + w4 + smallS0_32(w12);
      t1 = e + bigS1_32(b) + ch32(b, c, d) + load<u32>(k, 44) + w11;
      a += t1;
      e = t1 + bigS0_32(f) + maj32(f, g, h);
      w12 += smallS1_32(w10) + w5 + smallS0_32(w13);
      t1 = d + bigS1_32(a) + ch32(a, b, c) + load<u32>(k, 48) + w12;
      h += t1;
      d = t1 + bigS0_32(e) + maj32(e, f, g);
      w13 += smallS1_32(w11) + w6 + smallS0_32(w14);
      t1 = c + bigS1_32(h) + ch32(h, a, b) + load<u32>(k, 52) + w13;
      g += t1;
      c = t1 + bigS0_32(d) + maj32(d, e, f);
      w14 += smallS1_32(w12) + w7 + smallS0_32(w15);
      t1 = b + bigS1_32(g) + ch32(g, h, a) + load<u32>(k, 56) + w14;
      f += t1;
      b = t1 + bigS0_32(c) + maj32(c, d, e);
      w15 += smallS1_32(w13) + w8 + smallS0_32(w0);
      t1 = a + bigS1_32(f) + ch32(f, g, h) + load<u32>(k, 60) + w15;
      e += t1;
      a = t1 + bigS0_32(b) + maj32(b, c, d);
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
    h5 += f;
    h6 += g;
    h7 += h;
    p += 64;
    blocks--;
  }
  store<u32>(st, h0, 0);
  store<u32>(st, h1, 4);
  store<u32>(st, h2, 8);
  store<u32>(st, h3, 12);
  store<u32>(st, h4, 16);
  store<u32>(st, h5, 20);
  store<u32>(st, h6, 24);
  store<u32>(st, h7, 28);
}

/** Streaming SHA-256. finish() returns the 32-byte digest and resets the object for reuse. */
export class Sha256 extends Hasher {
  private state: StaticArray<u32> = new StaticArray<u32>(8);
  private buf: StaticArray<u8> = new StaticArray<u8>(64);
  private bufLen: i32 = 0;
  private total: u64 = 0; // bytes hashed so far (mod 2^64)

  constructor() {
    super();
    this.reset();
  }

  get digestLength(): i32 {
    return 32;
  }

  get blockLength(): i32 {
    return 64;
  }

  copyFrom(other: Hasher): bool {
    if (!(other instanceof Sha256)) return false;
    const o = changetype<Sha256>(other);
    memory.copy(changetype<usize>(this.state), changetype<usize>(o.state), 32);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(o.buf), 64);
    this.bufLen = o.bufLen;
    this.total = o.total;
    return true;
  }

  reset(): void {
    const st = changetype<usize>(this.state);
    store<u32>(st, 0x6a09e667, 0);
    store<u32>(st, 0xbb67ae85, 4);
    store<u32>(st, 0x3c6ef372, 8);
    store<u32>(st, 0xa54ff53a, 12);
    store<u32>(st, 0x510e527f, 16);
    store<u32>(st, 0x9b05688c, 20);
    store<u32>(st, 0x1f83d9ab, 24);
    store<u32>(st, 0x5be0cd19, 28);
    this.bufLen = 0;
    this.total = 0;
  }

  /** Hashes `len` bytes at `ptr`. The caller guarantees the range is readable; len <= 0 is a no-op. */
  updateRaw(ptr: usize, len: i32): void {
    if (len <= 0) return;
    this.total += <u64>len;
    const st = changetype<usize>(this.state);
    const buf = changetype<usize>(this.buf);
    let n = this.bufLen;
    if (n > 0) {
      const take = min(64 - n, len);
      memory.copy(buf + <usize>n, ptr, <usize>take);
      n += take;
      ptr += <usize>take;
      len -= take;
      if (n < 64) {
        this.bufLen = n;
        return;
      }
      compress256(st, buf, 1);
      n = 0;
    }
    const blocks = len >> 6;
    if (blocks > 0) {
      compress256(st, ptr, blocks);
      const done = blocks << 6;
      ptr += <usize>done;
      len -= done;
    }
    if (len > 0) memory.copy(buf, ptr, <usize>len);
    this.bufLen = len;
  }

  /** Writes the digest (32 bytes) to `out` and resets. */
  finishRaw(out: usize): void {
    const st = changetype<usize>(this.state);
    const buf = changetype<usize>(this.buf);
    let n = this.bufLen;
    const bits = this.total << 3;
    store<u8>(buf + <usize>n, 0x80);
    n++;
    if (n > 56) {
      memory.fill(buf + <usize>n, 0, <usize>(64 - n));
      compress256(st, buf, 1);
      n = 0;
    }
    memory.fill(buf + <usize>n, 0, <usize>(56 - n));
    store<u64>(buf + 56, bswap<u64>(bits));
    compress256(st, buf, 1);
    for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(st + i)));
    this.reset();
  }

  finish(): Uint8Array {
    const out = new Uint8Array(32);
    this.finishRaw(out.dataStart);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// SHA-512 / SHA-384

// prettier-ignore
const K512: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// @ts-ignore: decorator
@inline
function ch64(x: u64, y: u64, z: u64): u64 {
  return z ^ (x & (y ^ z));
}

// @ts-ignore: decorator
@inline
function maj64(x: u64, y: u64, z: u64): u64 {
  return (x & y) | (z & (x | y));
}

// @ts-ignore: decorator
@inline
function bigS0_64(x: u64): u64 {
  return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39);
}

// @ts-ignore: decorator
@inline
function bigS1_64(x: u64): u64 {
  return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41);
}

// @ts-ignore: decorator
@inline
function smallS0_64(x: u64): u64 {
  return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >>> 7);
}

// @ts-ignore: decorator
@inline
function smallS1_64(x: u64): u64 {
  return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >>> 6);
}

/** Compresses `blocks` consecutive 128-byte blocks at `p` into the state at `st` (8 x u64). */
// Generated like compress256.
function compress512(st: usize, p: usize, blocks: i32): void {
  let h0 = load<u64>(st, 0);
  let h1 = load<u64>(st, 8);
  let h2 = load<u64>(st, 16);
  let h3 = load<u64>(st, 24);
  let h4 = load<u64>(st, 32);
  let h5 = load<u64>(st, 40);
  let h6 = load<u64>(st, 48);
  let h7 = load<u64>(st, 56);
  while (blocks > 0) {
    let w0 = bswap<u64>(load<u64>(p, 0));
    let w1 = bswap<u64>(load<u64>(p, 8));
    let w2 = bswap<u64>(load<u64>(p, 16));
    let w3 = bswap<u64>(load<u64>(p, 24));
    let w4 = bswap<u64>(load<u64>(p, 32));
    let w5 = bswap<u64>(load<u64>(p, 40));
    let w6 = bswap<u64>(load<u64>(p, 48));
    let w7 = bswap<u64>(load<u64>(p, 56));
    let w8 = bswap<u64>(load<u64>(p, 64));
    let w9 = bswap<u64>(load<u64>(p, 72));
    let w10 = bswap<u64>(load<u64>(p, 80));
    let w11 = bswap<u64>(load<u64>(p, 88));
    let w12 = bswap<u64>(load<u64>(p, 96));
    let w13 = bswap<u64>(load<u64>(p, 104));
    let w14 = bswap<u64>(load<u64>(p, 112));
    let w15 = bswap<u64>(load<u64>(p, 120));
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    let t1: u64;
    let k = K512;
    t1 = h + bigS1_64(e) + ch64(e, f, g) + load<u64>(k, 0) + w0;
    d += t1;
    h = t1 + bigS0_64(a) + maj64(a, b, c);
    t1 = g + bigS1_64(d) + ch64(d, e, f) + load<u64>(k, 8) + w1;
    c += t1;
    g = t1 + bigS0_64(h) + maj64(h, a, b);
    t1 = f + bigS1_64(c) + ch64(c, d, e) + load<u64>(k, 16) + w2;
    b += t1;
    f = t1 + bigS0_64(g) + maj64(g, h, a);
    t1 = e + bigS1_64(b) + ch64(b, c, d) + load<u64>(k, 24) + w3;
    a += t1;
    e = t1 + bigS0_64(f) + maj64(f, g, h);
    t1 = d + bigS1_64(a) + ch64(a, b, c) + load<u64>(k, 32) + w4;
    h += t1;
    d = t1 + bigS0_64(e) + maj64(e, f, g);
    t1 = c + bigS1_64(h) + ch64(h, a, b) + load<u64>(k, 40) + w5;
    g += t1;
    c = t1 + bigS0_64(d) + maj64(d, e, f);
    t1 = b + bigS1_64(g) + ch64(g, h, a) + load<u64>(k, 48) + w6;
    f += t1;
    b = t1 + bigS0_64(c) + maj64(c, d, e);
    t1 = a + bigS1_64(f) + ch64(f, g, h) + load<u64>(k, 56) + w7;
    e += t1;
    a = t1 + bigS0_64(b) + maj64(b, c, d);
    t1 = h + bigS1_64(e) + ch64(e, f, g) + load<u64>(k, 64) + w8;
    d += t1;
    h = t1 + bigS0_64(a) + maj64(a, b, c);
    t1 = g + bigS1_64(d) + ch64(d, e, f) + load<u64>(k, 72) + w9;
    c += t1;
    g = t1 + bigS0_64(h) + maj64(h, a, b);
    t1 = f + bigS1_64(c) + ch64(c, d, e) + load<u64>(k, 80) + w10;
    b += t1;
    f = t1 + bigS0_64(g) + maj64(g, h, a);
    t1 = e + bigS1_64(b) + ch64(b, c, d) + load<u64>(k, 88) + w11;
    a += t1;
    e = t1 + bigS0_64(f) + maj64(f, g, h);
    t1 = d + bigS1_64(a) + ch64(a, b, c) + load<u64>(k, 96) + w12;
    h += t1;
    d = t1 + bigS0_64(e) + maj64(e, f, g);
    t1 = c + bigS1_64(h) + ch64(h, a, b) + load<u64>(k, 104) + w13;
    g += t1;
    c = t1 + bigS0_64(d) + maj64(d, e, f);
    t1 = b + bigS1_64(g) + ch64(g, h, a) + load<u64>(k, 112) + w14;
    f += t1;
    b = t1 + bigS0_64(c) + maj64(c, d, e);
    t1 = a + bigS1_64(f) + ch64(f, g, h) + load<u64>(k, 120) + w15;
    e += t1;
    a = t1 + bigS0_64(b) + maj64(b, c, d);
    for (let j = 1; j < 5; j++) {
      k += 128;
      w0 += smallS1_64(w14) + w9 + smallS0_64(w1);
      t1 = h + bigS1_64(e) + ch64(e, f, g) + load<u64>(k, 0) + w0;
      d += t1;
      h = t1 + bigS0_64(a) + maj64(a, b, c);
      w1 += smallS1_64(w15) + w10 + smallS0_64(w2);
      t1 = g + bigS1_64(d) + ch64(d, e, f) + load<u64>(k, 8) + w1;
      c += t1;
      g = t1 + bigS0_64(h) + maj64(h, a, b);
      w2 += smallS1_64(w0) + w11 + smallS0_64(w3);
      t1 = f + bigS1_64(c) + ch64(c, d, e) + load<u64>(k, 16) + w2;
      b += t1;
      f = t1 + bigS0_64(g) + maj64(g, h, a);
      w3 += smallS1_64(w1) + w12 + smallS0_64(w4);
      t1 = e + bigS1_64(b) + ch64(b, c, d) + load<u64>(k, 24) + w3;
      a += t1;
      e = t1 + bigS0_64(f) + maj64(f, g, h);
      w4 += smallS1_64(w2) + w13 + smallS0_64(w5);
      t1 = d + bigS1_64(a) + ch64(a, b, c) + load<u64>(k, 32) + w4;
      h += t1;
      d = t1 + bigS0_64(e) + maj64(e, f, g);
      w5 += smallS1_64(w3) + w14 + smallS0_64(w6);
      t1 = c + bigS1_64(h) + ch64(h, a, b) + load<u64>(k, 40) + w5;
      g += t1;
      c = t1 + bigS0_64(d) + maj64(d, e, f);
      w6 += smallS1_64(w4) + w15 + smallS0_64(w7);
      t1 = b + bigS1_64(g) + ch64(g, h, a) + load<u64>(k, 48) + w6;
      f += t1;
      b = t1 + bigS0_64(c) + maj64(c, d, e);
      w7 += smallS1_64(w5) + w0 + smallS0_64(w8);
      t1 = a + bigS1_64(f) + ch64(f, g, h) + load<u64>(k, 56) + w7;
      e += t1;
      a = t1 + bigS0_64(b) + maj64(b, c, d);
      w8 += smallS1_64(w6) + w1 + smallS0_64(w9);
      t1 = h + bigS1_64(e) + ch64(e, f, g) + load<u64>(k, 64) + w8;
      d += t1;
      h = t1 + bigS0_64(a) + maj64(a, b, c);
      w9 += smallS1_64(w7) + w2 + smallS0_64(w10);
      t1 = g + bigS1_64(d) + ch64(d, e, f) + load<u64>(k, 72) + w9;
      c += t1;
      g = t1 + bigS0_64(h) + maj64(h, a, b);
      w10 += smallS1_64(w8) + w3 + smallS0_64(w11);
      t1 = f + bigS1_64(c) + ch64(c, d, e) + load<u64>(k, 80) + w10;
      b += t1;
      f = t1 + bigS0_64(g) + maj64(g, h, a);
      w11 += smallS1_64(w9) + w4 + smallS0_64(w12);
      t1 = e + bigS1_64(b) + ch64(b, c, d) + load<u64>(k, 88) + w11;
      a += t1;
      e = t1 + bigS0_64(f) + maj64(f, g, h);
      w12 += smallS1_64(w10) + w5 + smallS0_64(w13);
      t1 = d + bigS1_64(a) + ch64(a, b, c) + load<u64>(k, 96) + w12;
      h += t1;
      d = t1 + bigS0_64(e) + maj64(e, f, g);
      w13 += smallS1_64(w11) + w6 + smallS0_64(w14);
      t1 = c + bigS1_64(h) + ch64(h, a, b) + load<u64>(k, 104) + w13;
      g += t1;
      c = t1 + bigS0_64(d) + maj64(d, e, f);
      w14 += smallS1_64(w12) + w7 + smallS0_64(w15);
      t1 = b + bigS1_64(g) + ch64(g, h, a) + load<u64>(k, 112) + w14;
      f += t1;
      b = t1 + bigS0_64(c) + maj64(c, d, e);
      w15 += smallS1_64(w13) + w8 + smallS0_64(w0);
      t1 = a + bigS1_64(f) + ch64(f, g, h) + load<u64>(k, 120) + w15;
      e += t1;
      a = t1 + bigS0_64(b) + maj64(b, c, d);
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
    h5 += f;
    h6 += g;
    h7 += h;
    p += 128;
    blocks--;
  }
  store<u64>(st, h0, 0);
  store<u64>(st, h1, 8);
  store<u64>(st, h2, 16);
  store<u64>(st, h3, 24);
  store<u64>(st, h4, 32);
  store<u64>(st, h5, 40);
  store<u64>(st, h6, 48);
  store<u64>(st, h7, 56);
}

/**
 * Streaming SHA-512, or SHA-384 when `is384` (different initial values, 48-byte output).
 * finish() returns the digest and resets the object for reuse.
 */
export class Sha512 extends Hasher {
  private state: StaticArray<u64> = new StaticArray<u64>(8);
  private buf: StaticArray<u8> = new StaticArray<u8>(128);
  private bufLen: i32 = 0;
  private total: u64 = 0; // bytes hashed so far (mod 2^64; the 128-bit length's high part is total >> 61)
  readonly is384: bool;

  constructor(is384: bool = false) {
    super();
    this.is384 = is384;
    this.reset();
  }

  /** Digest size in bytes: 48 or 64. */
  get digestLength(): i32 {
    return this.is384 ? 48 : 64;
  }

  get blockLength(): i32 {
    return 128;
  }

  copyFrom(other: Hasher): bool {
    if (!(other instanceof Sha512)) return false;
    const o = changetype<Sha512>(other);
    if (o.is384 != this.is384) return false;
    memory.copy(changetype<usize>(this.state), changetype<usize>(o.state), 64);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(o.buf), 128);
    this.bufLen = o.bufLen;
    this.total = o.total;
    return true;
  }

  reset(): void {
    const st = changetype<usize>(this.state);
    if (this.is384) {
      store<u64>(st, 0xcbbb9d5dc1059ed8, 0);
      store<u64>(st, 0x629a292a367cd507, 8);
      store<u64>(st, 0x9159015a3070dd17, 16);
      store<u64>(st, 0x152fecd8f70e5939, 24);
      store<u64>(st, 0x67332667ffc00b31, 32);
      store<u64>(st, 0x8eb44a8768581511, 40);
      store<u64>(st, 0xdb0c2e0d64f98fa7, 48);
      store<u64>(st, 0x47b5481dbefa4fa4, 56);
    } else {
      store<u64>(st, 0x6a09e667f3bcc908, 0);
      store<u64>(st, 0xbb67ae8584caa73b, 8);
      store<u64>(st, 0x3c6ef372fe94f82b, 16);
      store<u64>(st, 0xa54ff53a5f1d36f1, 24);
      store<u64>(st, 0x510e527fade682d1, 32);
      store<u64>(st, 0x9b05688c2b3e6c1f, 40);
      store<u64>(st, 0x1f83d9abfb41bd6b, 48);
      store<u64>(st, 0x5be0cd19137e2179, 56);
    }
    this.bufLen = 0;
    this.total = 0;
  }

  /** Hashes `len` bytes at `ptr`. The caller guarantees the range is readable; len <= 0 is a no-op. */
  updateRaw(ptr: usize, len: i32): void {
    if (len <= 0) return;
    this.total += <u64>len;
    const st = changetype<usize>(this.state);
    const buf = changetype<usize>(this.buf);
    let n = this.bufLen;
    if (n > 0) {
      const take = min(128 - n, len);
      memory.copy(buf + <usize>n, ptr, <usize>take);
      n += take;
      ptr += <usize>take;
      len -= take;
      if (n < 128) {
        this.bufLen = n;
        return;
      }
      compress512(st, buf, 1);
      n = 0;
    }
    const blocks = len >> 7;
    if (blocks > 0) {
      compress512(st, ptr, blocks);
      const done = blocks << 7;
      ptr += <usize>done;
      len -= done;
    }
    if (len > 0) memory.copy(buf, ptr, <usize>len);
    this.bufLen = len;
  }

  /** Writes the digest (48 or 64 bytes) to `out` and resets. */
  finishRaw(out: usize): void {
    const st = changetype<usize>(this.state);
    const buf = changetype<usize>(this.buf);
    let n = this.bufLen;
    const lo = this.total << 3;
    const hi = this.total >>> 61;
    store<u8>(buf + <usize>n, 0x80);
    n++;
    if (n > 112) {
      memory.fill(buf + <usize>n, 0, <usize>(128 - n));
      compress512(st, buf, 1);
      n = 0;
    }
    memory.fill(buf + <usize>n, 0, <usize>(112 - n));
    store<u64>(buf + 112, bswap<u64>(hi));
    store<u64>(buf + 120, bswap<u64>(lo));
    compress512(st, buf, 1);
    const words: usize = this.is384 ? 6 : 8;
    for (let i: usize = 0; i < words; i++) {
      store<u64>(out + (i << 3), bswap<u64>(load<u64>(st + (i << 3))));
    }
    this.reset();
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.is384 ? 48 : 64);
    this.finishRaw(out.dataStart);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// One-shot helpers (shared instances; hashing never calls back into user code, so this is safe).

let shared256: Sha256 | null = null;
let shared384: Sha512 | null = null;
let shared512: Sha512 | null = null;

function get256(): Sha256 {
  let h = shared256;
  if (h == null) shared256 = h = new Sha256();
  return h;
}

function get384(): Sha512 {
  let h = shared384;
  if (h == null) shared384 = h = new Sha512(true);
  return h;
}

function get512(): Sha512 {
  let h = shared512;
  if (h == null) shared512 = h = new Sha512(false);
  return h;
}

export function sha256(data: Uint8Array): Uint8Array {
  const h = get256();
  h.reset();
  h.update(data);
  return h.finish();
}

export function sha384(data: Uint8Array): Uint8Array {
  const h = get384();
  h.reset();
  h.update(data);
  return h.finish();
}

export function sha512(data: Uint8Array): Uint8Array {
  const h = get512();
  h.reset();
  h.update(data);
  return h.finish();
}

/** One-shot hash of `len` bytes at `ptr` into `out` (digestLength(alg) bytes). False for an unknown alg. */
export function digestRaw(alg: HashAlg, ptr: usize, len: i32, out: usize): bool {
  if (alg == HashAlg.SHA256) {
    const h = get256();
    h.reset();
    h.updateRaw(ptr, len);
    h.finishRaw(out);
    return true;
  }
  if (alg == HashAlg.SHA384 || alg == HashAlg.SHA512) {
    const h = alg == HashAlg.SHA384 ? get384() : get512();
    h.reset();
    h.updateRaw(ptr, len);
    h.finishRaw(out);
    return true;
  }
  return false;
}

/** One-shot hash; an unknown `alg` value yields an empty array (never aborts). */
export function digest(alg: HashAlg, data: Uint8Array): Uint8Array {
  if (alg == HashAlg.SHA256) return sha256(data);
  if (alg == HashAlg.SHA384) return sha384(data);
  if (alg == HashAlg.SHA512) return sha512(data);
  return new Uint8Array(0);
}
