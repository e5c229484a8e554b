// Arithmetic in GF(2^255 - 19) for Ed25519 verification.
//
// An element is 10 signed limbs in radix 2^25.5 (bit offsets 0, 26, 51, 77, 102, 128, 153, 179, 204,
// 230; widths alternating 26 and 25), each stored as an i64 in linear memory: a field element is a
// pointer to 80 bytes. Products are i64 (Wasm has no 128-bit multiply; 26 x 26-bit products with
// the factor 38 and 10 terms stay below 2^62 even for inputs that are sums of several reduced
// elements). "Reduced" below means the output of feMul/feSq/feFromBytes: |limb| <= ~2^25 (even
// index) / ~2^24 (odd index). feAdd/feSub do not carry; their outputs are fine as inputs to
// feMul/feSq (bounds checked by the generator script that produced feMul/feSq, see the comment
// there) as long as no more than ~6 reduced values are summed.
//
// Everything here works on public data (signature verification), so nothing needs to be constant
// time. Scratch space is static; none of these functions allocate, and none is re-entrant.

export const FE_SIZE: usize = 80;

/** h = f * g. Inputs may be sums of up to ~6 reduced elements; h is reduced. h may alias f or g. */
export function feMul(h: usize, f: usize, g: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const g0 = load<i64>(g, 0);
  const g1 = load<i64>(g, 8);
  const g2 = load<i64>(g, 16);
  const g3 = load<i64>(g, 24);
  const g4 = load<i64>(g, 32);
  const g5 = load<i64>(g, 40);
  const g6 = load<i64>(g, 48);
  const g7 = load<i64>(g, 56);
  const g8 = load<i64>(g, 64);
  const g9 = load<i64>(g, 72);
  const g1_19 = g1 * 19;
  const g2_19 = g2 * 19;
  const g3_19 = g3 * 19;
  const g4_19 = g4 * 19;
  const g5_19 = g5 * 19;
  const g6_19 = g6 * 19;
  const g7_19 = g7 * 19;
  const g8_19 = g8 * 19;
  const g9_19 = g9 * 19;
  const f1_2 = f1 << 1;
  const f3_2 = f3 << 1;
  const f5_2 = f5 << 1;
  const f7_2 = f7 << 1;
  const f9_2 = f9 << 1;
  let h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  let h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  let c: i64;
  c = (h0 + 33554432) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + 33554432) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + 16777216) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + 16777216) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + 33554432) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + 33554432) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + 16777216) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + 16777216) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + 33554432) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + 33554432) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + 16777216) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + 33554432) >> 26; h1 += c; h0 -= c << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = f^2 (same bounds as feMul). h may alias f. */
export function feSq(h: usize, f: usize): void {
  const f0 = load<i64>(f, 0);
  const f1 = load<i64>(f, 8);
  const f2 = load<i64>(f, 16);
  const f3 = load<i64>(f, 24);
  const f4 = load<i64>(f, 32);
  const f5 = load<i64>(f, 40);
  const f6 = load<i64>(f, 48);
  const f7 = load<i64>(f, 56);
  const f8 = load<i64>(f, 64);
  const f9 = load<i64>(f, 72);
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f6_2 = f6 << 1;
  const f7_2 = f7 << 1;
  const f8_2 = f8 << 1;
  const f9_2 = f9 << 1;
  const f6_19 = f6 * 19;
  const f8_19 = f8 * 19;
  const f5_38 = f5 * 38;
  const f6_38 = f6 * 38;
  const f7_38 = f7 * 38;
  const f8_38 = f8 * 38;
  const f9_38 = f9 * 38;
  let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
  let h1 = f0 * f1_2 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
  let h2 = f0 * f2_2 + f1 * f1_2 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
  let h3 = f0 * f3_2 + f1 * f2_2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
  let h4 = f0 * f4_2 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
  let h5 = f0 * f5_2 + f1 * f4_2 + f2 * f3_2 + f6 * f9_38 + f7 * f8_38;
  let h6 = f0 * f6_2 + f1_2 * f5_2 + f2 * f4_2 + f3 * f3_2 + f7_2 * f9_38 + f8 * f8_19;
  let h7 = f0 * f7_2 + f1 * f6_2 + f2 * f5_2 + f3 * f4_2 + f8 * f9_38;
  let h8 = f0 * f8_2 + f1_2 * f7_2 + f2 * f6_2 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  let h9 = f0 * f9_2 + f1 * f8_2 + f2 * f7_2 + f3 * f6_2 + f4 * f5_2;
  let c: i64;
  c = (h0 + 33554432) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + 33554432) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + 16777216) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + 16777216) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + 33554432) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + 33554432) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + 16777216) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + 16777216) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + 33554432) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + 33554432) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + 16777216) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + 33554432) >> 26; h1 += c; h0 -= c << 26;
  store<i64>(h, h0, 0);
  store<i64>(h, h1, 8);
  store<i64>(h, h2, 16);
  store<i64>(h, h3, 24);
  store<i64>(h, h4, 32);
  store<i64>(h, h5, 40);
  store<i64>(h, h6, 48);
  store<i64>(h, h7, 56);
  store<i64>(h, h8, 64);
  store<i64>(h, h9, 72);
}

/** h = f + g (no carry). */
export function feAdd(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < 80; i += 8) store<i64>(h + i, load<i64>(f + i) + load<i64>(g + i));
}

/** h = f - g (no carry). */
export function feSub(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < 80; i += 8) store<i64>(h + i, load<i64>(f + i) - load<i64>(g + i));
}

/** h = -f. */
export function feNeg(h: usize, f: usize): void {
  for (let i: usize = 0; i < 80; i += 8) store<i64>(h + i, -load<i64>(f + i));
}

export function feCopy(h: usize, f: usize): void {
  memory.copy(h, f, 80);
}

export function feZero(h: usize): void {
  memory.fill(h, 0, 80);
}

export function feOne(h: usize): void {
  memory.fill(h, 0, 80);
  store<i64>(h, 1);
}

/** h = f^(2^n) for n >= 1. */
export function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

const BYTES_SCRATCH: usize = memory.data(48, 16);

/** Loads a 32-byte little-endian value, ignoring bit 255 (the caller checks canonicity). */
export function feFromBytes(h: usize, s: usize): void {
  const b = BYTES_SCRATCH;
  memory.copy(b, s, 32);
  store<u64>(b, 0, 32);
  store<u64>(b, 0, 40);
  store<i64>(h, <i64>(load<u64>(b + 0) & 0x3ffffff), 0); // bits 0..25
  store<i64>(h, <i64>((load<u64>(b + 3) >> 2) & 0x1ffffff), 8); // 26..50
  store<i64>(h, <i64>((load<u64>(b + 6) >> 3) & 0x3ffffff), 16); // 51..76
  store<i64>(h, <i64>((load<u64>(b + 9) >> 5) & 0x1ffffff), 24); // 77..101
  store<i64>(h, <i64>((load<u64>(b + 12) >> 6) & 0x3ffffff), 32); // 102..127
  store<i64>(h, <i64>(load<u64>(b + 16) & 0x1ffffff), 40); // 128..152
  store<i64>(h, <i64>((load<u64>(b + 19) >> 1) & 0x3ffffff), 48); // 153..178
  store<i64>(h, <i64>((load<u64>(b + 22) >> 3) & 0x1ffffff), 56); // 179..203
  store<i64>(h, <i64>((load<u64>(b + 25) >> 4) & 0x3ffffff), 64); // 204..229
  store<i64>(h, <i64>((load<u64>(b + 28) >> 6) & 0x1ffffff), 72); // 230..254
}

/** True if the 32 bytes at `s`, with bit 255 cleared, encode a value >= p (a non-canonical encoding). */
export function bytesAtLeastP(s: usize): bool {
  // p = 2^255 - 19: little-endian ed ff ff ... ff 7f
  if ((load<u8>(s, 31) & 0x7f) != 0x7f) return false;
  for (let i: usize = 1; i < 31; i++) if (load<u8>(s + i) != 0xff) return false;
  return load<u8>(s) >= 0xed;
}

const TB: usize = memory.data(80, 16);

/** Writes the canonical 32-byte little-endian encoding of f (fully reduced mod p). */
export function feToBytes(s: usize, f: usize): void {
  let h0 = load<i64>(f, 0);
  let h1 = load<i64>(f, 8);
  let h2 = load<i64>(f, 16);
  let h3 = load<i64>(f, 24);
  let h4 = load<i64>(f, 32);
  let h5 = load<i64>(f, 40);
  let h6 = load<i64>(f, 48);
  let h7 = load<i64>(f, 56);
  let h8 = load<i64>(f, 64);
  let h9 = load<i64>(f, 72);
  // Two passes of floor carries bring every limb into [0, 2^width) and the value into [0, 2^255).
  for (let pass = 0; pass < 2; pass++) {
    let c: i64;
    c = h0 >> 26; h1 += c; h0 -= c << 26;
    c = h1 >> 25; h2 += c; h1 -= c << 25;
    c = h2 >> 26; h3 += c; h2 -= c << 26;
    c = h3 >> 25; h4 += c; h3 -= c << 25;
    c = h4 >> 26; h5 += c; h4 -= c << 26;
    c = h5 >> 25; h6 += c; h5 -= c << 25;
    c = h6 >> 26; h7 += c; h6 -= c << 26;
    c = h7 >> 25; h8 += c; h7 -= c << 25;
    c = h8 >> 26; h9 += c; h8 -= c << 26;
    c = h9 >> 25; h0 += c * 19; h9 -= c << 25;
  }
  // Now 0 <= v < 2^255. v >= p exactly when v + 19 carries out of bit 255: then use v + 19 - 2^255.
  let q = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  h0 += 19 * q;
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  h9 &= 0x1ffffff; // drop 2^255 (the q * 2^255 we subtract)
  // Pack 255 bits.
  let acc: u64 = 0;
  let bits: i32 = 0;
  let o: usize = 0;
  const t = TB;
  store<i64>(t, h0, 0);
  store<i64>(t, h1, 8);
  store<i64>(t, h2, 16);
  store<i64>(t, h3, 24);
  store<i64>(t, h4, 32);
  store<i64>(t, h5, 40);
  store<i64>(t, h6, 48);
  store<i64>(t, h7, 56);
  store<i64>(t, h8, 64);
  store<i64>(t, h9, 72);
  for (let i = 0; i < 10; i++) {
    acc |= (<u64>load<i64>(t + (<usize>i << 3))) << <u64>bits;
    bits += (i & 1) == 0 ? 26 : 25;
    while (bits >= 8) {
      store<u8>(s + o, <u8>acc);
      o++;
      acc >>= 8;
      bits -= 8;
    }
  }
  if (o < 32) store<u8>(s + o, <u8>acc);
}

const ZB: usize = memory.data(32, 16);

export function feIsZero(f: usize): bool {
  feToBytes(ZB, f);
  return (load<u64>(ZB, 0) | load<u64>(ZB, 8) | load<u64>(ZB, 16) | load<u64>(ZB, 24)) == 0;
}

/** The low bit of the canonical value ("negative" in RFC 8032 terms). */
export function feIsNegative(f: usize): bool {
  feToBytes(ZB, f);
  return (load<u8>(ZB) & 1) != 0;
}

// Exponentiation scratch.
const E0: usize = memory.data(80, 16);
const E1: usize = memory.data(80, 16);
const E2: usize = memory.data(80, 16);
const E3: usize = memory.data(80, 16);

// Sets E1 = z^11 and returns with E0 = z^(2^250 - 1). Uses E0..E3.
function powCommon(z: usize): void {
  const t0 = E0;
  const z11 = E1;
  const t2 = E2;
  const t3 = E3;
  feSq(t0, z); // z^2
  feSqN(t2, t0, 2); // z^8
  feMul(t2, t2, z); // z^9
  feMul(z11, t0, t2); // z^11
  feSq(t0, z11); // z^22
  feMul(t0, t0, t2); // z^31 = z^(2^5 - 1)
  feSqN(t2, t0, 5);
  feMul(t2, t2, t0); // 2^10 - 1
  feSqN(t3, t2, 10);
  feMul(t3, t3, t2); // 2^20 - 1
  feSqN(t0, t3, 20);
  feMul(t0, t0, t3); // 2^40 - 1
  feSqN(t0, t0, 10);
  feMul(t0, t0, t2); // 2^50 - 1
  feCopy(t2, t0); // keep 2^50 - 1
  feSqN(t3, t0, 50);
  feMul(t3, t3, t2); // 2^100 - 1
  feSqN(t0, t3, 100);
  feMul(t0, t0, t3); // 2^200 - 1
  feSqN(t0, t0, 50);
  feMul(t0, t0, t2); // 2^250 - 1
}

/** out = z^(p - 2) = 1/z (0 for z = 0). */
export function feInvert(out: usize, z: usize): void {
  powCommon(z);
  feSqN(E0, E0, 5); // 2^255 - 32
  feMul(out, E0, E1); // 2^255 - 21
}

/** out = z^((p - 5) / 8) = z^(2^252 - 3). */
export function fePow22523(out: usize, z: usize): void {
  powCommon(z);
  feSqN(E0, E0, 2); // 2^252 - 4
  feMul(out, E0, z); // 2^252 - 3
}
