// RSA signature verification: RSASSA-PKCS1-v1_5 (JWS RS256/384/512) and RSASSA-PSS (PS256/384/512),
// RFC 8017 §8.1.2 / §8.2.2, with the JWS rules of RFC 7518 §3.3 and §3.5.
//
// A key is parsed once (RsaPublicKey.fromBytes from the JWK "n" and "e" bytes): the Montgomery
// constants and every buffer a verification needs are allocated then, so a verify allocates nothing
// and only runs the public exponentiation (16 Montgomery squarings and 2 products for e = 65537)
// plus the encoding checks. Verification is not re-entrant per key (the key owns its scratch),
// which is fine in a single-threaded Wasm VM.
//
// PKCS#1 v1.5: we build nothing and parse nothing; the decoded block is compared byte by byte with
// the only valid encoding 00 01 FF..FF 00 || DigestInfo(alg) || H (DigestInfo with the NULL
// parameters, the DER form RFC 8017 §9.2 note 1 gives). PSS: salt length = hash length and MGF1 with
// the same hash, as JWS requires; every structural check of EMSA-PSS-VERIFY is done exactly.
//
// Nothing here aborts: wrong lengths, a signature >= n, unknown algorithms all return false.

import {
  MAX_LIMBS,
  Montgomery,
  bitLengthBytes,
  copy,
  limbsFromBytes,
  limbsToBytes,
  ptr,
  significantBytes,
} from "./bigint";
import { constantTimeEqualRaw } from "./ct";
import { HashAlg, digestLength, digestRaw } from "./sha2";

/** Default minimum modulus size (RFC 7518 §3.3: 2048 bits or larger MUST be used). */
export const RSA_DEFAULT_MIN_BITS: i32 = 2048;
/** Absolute floor for `minBits` (smaller moduli cannot hold a SHA-512 PKCS#1 block anyway). */
export const RSA_ABSOLUTE_MIN_BITS: i32 = 512;
/** Largest modulus accepted. */
export const RSA_MAX_BITS: i32 = MAX_LIMBS * 32;
/** Largest public exponent accepted, in bits (as OpenSSL does for large moduli). */
export const RSA_MAX_EXPONENT_BITS: i32 = 64;

/** Why RsaPublicKey.check refuses a key (OK: fromBytes builds it). */
export enum RsaKeyError {
  OK = 0,
  /** n is empty or all zero bytes. */
  MODULUS_ZERO,
  /** n has fewer than max(minBits, RSA_ABSOLUTE_MIN_BITS) bits. */
  MODULUS_TOO_SHORT,
  /** n has more than min(maxBits, RSA_MAX_BITS) bits. */
  MODULUS_TOO_LONG,
  MODULUS_EVEN,
  /** e is even, empty or zero. */
  EXPONENT_NOT_ODD,
  /** e has more than RSA_MAX_EXPONENT_BITS bits. */
  EXPONENT_TOO_LARGE,
  /** e is 1. */
  EXPONENT_TOO_SMALL,
}

// DER DigestInfo prefixes (SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (hLen) }), RFC 8017 §9.2 note 1.
// prettier-ignore
const PREFIX_SHA256: usize = memory.data<u8>([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
]);
// prettier-ignore
const PREFIX_SHA384: usize = memory.data<u8>([
  0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
]);
// prettier-ignore
const PREFIX_SHA512: usize = memory.data<u8>([
  0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
]);
const PREFIX_LEN: i32 = 19;

function digestInfoPrefix(alg: HashAlg): usize {
  if (alg == HashAlg.SHA256) return PREFIX_SHA256;
  if (alg == HashAlg.SHA384) return PREFIX_SHA384;
  if (alg == HashAlg.SHA512) return PREFIX_SHA512;
  return 0;
}

// Scratch for message digests and PSS hashing: 8 zero bytes || mHash || salt (<= 8 + 64 + 64 bytes),
// MGF1 seed || counter, and a digest output. Shared by all keys (verification is not re-entrant).
const SCRATCH_LEN: i32 = 272;
let scratch: StaticArray<u8> | null = null;
function scratchPtr(): usize {
  let s = scratch;
  if (s == null) scratch = s = new StaticArray<u8>(SCRATCH_LEN);
  return changetype<usize>(s);
}
const MPRIME_AT: usize = 0; // 136 bytes: M' for PSS
const SEED_AT: usize = 136; // 68 bytes: H || counter for MGF1
const HASH_AT: usize = 208; // 64 bytes: a digest

/** An RSA public key with its Montgomery constants and verification buffers. */
export class RsaPublicKey {
  /** Montgomery context of the modulus n. */
  readonly mont: Montgomery;
  /** Public exponent (odd, 3 <= e < 2^64). */
  readonly e: u64;
  /** Bit length of n. */
  readonly bits: i32;
  /** Byte length of n (= required signature length). */
  readonly byteLength: i32;
  // Verification buffers (limbs: signature integer, accumulator, s*R; bytes: decoded block).
  private s: StaticArray<u32>;
  private x: StaticArray<u32>;
  private y: StaticArray<u32>;
  /** The decoded block s^e mod n of the last signature (byteLength bytes; internal). */
  readonly em: StaticArray<u8>;

  private constructor(mont: Montgomery, e: u64) {
    const bits = mont.bits;
    const byteLength = (bits + 7) >> 3;
    const k = mont.k;
    this.mont = mont;
    this.e = e;
    this.bits = bits;
    this.byteLength = byteLength;
    this.s = new StaticArray<u32>(k);
    this.x = new StaticArray<u32>(k);
    this.y = new StaticArray<u32>(k);
    this.em = new StaticArray<u8>(byteLength);
  }

  /**
   * Why a key would be refused: RsaKeyError.OK if fromBytes(n, e, minBits, maxBits) builds it. The
   * one validator for RSA public keys (fromBytes and the JWK parser both use it). Checks in this
   * order: n non-zero, bits of n within [max(minBits, 512), min(maxBits, RSA_MAX_BITS)], n odd,
   * e odd (so non-zero), e at most 64 bits, e >= 3. (e < n then holds: n has at least 512 bits.)
   * Leading zero bytes of n and e are ignored. Allocates nothing.
   */
  static check(
    n: Uint8Array,
    e: Uint8Array,
    minBits: i32 = RSA_DEFAULT_MIN_BITS,
    maxBits: i32 = RSA_MAX_BITS,
  ): RsaKeyError {
    const nLen = n.length;
    if (significantBytes(n.dataStart, nLen) == 0) return RsaKeyError.MODULUS_ZERO;
    const bits = bitLengthBytes(n.dataStart, nLen);
    if (bits < max(minBits, RSA_ABSOLUTE_MIN_BITS)) return RsaKeyError.MODULUS_TOO_SHORT;
    if (bits > min(maxBits, RSA_MAX_BITS)) return RsaKeyError.MODULUS_TOO_LONG;
    if ((load<u8>(n.dataStart + <usize>(nLen - 1)) & 1) == 0) return RsaKeyError.MODULUS_EVEN;
    const eLen = e.length;
    if (eLen == 0 || (load<u8>(e.dataStart + <usize>(eLen - 1)) & 1) == 0) return RsaKeyError.EXPONENT_NOT_ODD;
    const eSig = significantBytes(e.dataStart, eLen);
    if (eSig > RSA_MAX_EXPONENT_BITS / 8) return RsaKeyError.EXPONENT_TOO_LARGE;
    if (eSig == 1 && load<u8>(e.dataStart + <usize>(eLen - 1)) < 3) return RsaKeyError.EXPONENT_TOO_SMALL;
    return RsaKeyError.OK;
  }

  /**
   * A key from the big-endian bytes of n and e (the decoded JWK "n" and "e"; leading zero bytes are
   * ignored), or null when check(n, e, minBits, maxBits) refuses it: n zero, even, shorter than
   * max(minBits, 512) bits or longer than min(maxBits, RSA_MAX_BITS); e even, below 3 or longer
   * than 64 bits.
   */
  static fromBytes(
    n: Uint8Array,
    e: Uint8Array,
    minBits: i32 = RSA_DEFAULT_MIN_BITS,
    maxBits: i32 = RSA_MAX_BITS,
  ): RsaPublicKey | null {
    if (RsaPublicKey.check(n, e, minBits, maxBits) != RsaKeyError.OK) return null;
    const eLen = e.length;
    let ev: u64 = 0;
    for (let i = eLen - significantBytes(e.dataStart, eLen); i < eLen; i++) {
      ev = (ev << 8) | <u64>load<u8>(e.dataStart + <usize>i);
    }
    const mont = Montgomery.fromBytes(n); // cannot fail after check (odd, non-zero, <= MAX_LIMBS)
    if (mont == null) return null;
    return new RsaPublicKey(mont, ev);
  }

  /**
   * RSAVP1: decodes the signature into this.em (byteLength bytes, big-endian s^e mod n).
   * False if the signature is not exactly byteLength bytes or its integer is >= n.
   */
  publicOp(sig: Uint8Array): bool {
    const len = this.byteLength;
    if (sig.length != len) return false;
    const mt = this.mont;
    const k = mt.k;
    const s = ptr(this.s);
    if (!limbsFromBytes(s, k, sig.dataStart, len)) return false;
    if (!mt.isReduced(s)) return false;
    const x = ptr(this.x);
    const y = ptr(this.y);
    const e = this.e;
    // Left-to-right square-and-multiply in the Montgomery domain, with the last multiplication
    // (e is odd, so its lowest bit is 1) done by s itself, not s*R: that product leaves the domain
    // directly, saving the conversion back.
    mt.toMont(y, s); // y = s*R
    copy(x, y, k);
    const top = 63 - <i32>clz<u64>(e);
    for (let b = top - 1; b >= 1; b--) {
      mt.sqr(x, x);
      if (((e >> <u64>b) & 1) != 0) mt.mul(x, x, y);
    }
    mt.sqr(x, x);
    mt.mul(x, x, s); // x = s^e mod n, normal form, fully reduced
    return limbsToBytes(changetype<usize>(this.em), len, x, k);
  }

}

/** RSASSA-PKCS1-v1_5 verification of a precomputed digest (hash.length must equal the alg's digest size). */
export function rsaVerifyPkcs1Digest(key: RsaPublicKey, alg: HashAlg, hash: Uint8Array, signature: Uint8Array): bool {
  const hLen = digestLength(alg);
  if (hLen == 0 || hash.length != hLen) return false;
  return pkcs1Check(key, alg, hash.dataStart, hLen, signature);
}

/** RSASSA-PKCS1-v1_5 verification (RS256 / RS384 / RS512 with alg SHA256 / SHA384 / SHA512). */
export function rsaVerifyPkcs1(key: RsaPublicKey, alg: HashAlg, message: Uint8Array, signature: Uint8Array): bool {
  const hLen = digestLength(alg);
  if (hLen == 0) return false;
  if (signature.length != key.byteLength) return false; // cheap rejection before hashing
  const h = scratchPtr() + HASH_AT;
  if (!digestRaw(alg, message.dataStart, message.length, h)) return false;
  return pkcs1Check(key, alg, h, hLen, signature);
}

function pkcs1Check(key: RsaPublicKey, alg: HashAlg, h: usize, hLen: i32, signature: Uint8Array): bool {
  const prefix = digestInfoPrefix(alg);
  if (prefix == 0) return false;
  const k = key.byteLength;
  const tLen = PREFIX_LEN + hLen;
  if (k < tLen + 11) return false; // "intended encoded message length too short"
  // `h` may point into the shared scratch; publicOp does not touch it.
  if (!key.publicOp(signature)) return false;
  const em = changetype<usize>(key.em);
  // Expected: 00 01 FF{k-tLen-3} 00 || prefix || H. Accumulate differences, decide once.
  let diff: u32 = <u32>load<u8>(em) | (<u32>load<u8>(em + 1) ^ 1);
  const psEnd = k - tLen - 1;
  for (let i = 2; i < psEnd; i++) diff |= <u32>load<u8>(em + <usize>i) ^ 0xff;
  diff |= <u32>load<u8>(em + <usize>psEnd);
  const t = em + <usize>(psEnd + 1);
  const prefixOk = constantTimeEqualRaw(t, prefix, PREFIX_LEN);
  const hashOk = constantTimeEqualRaw(t + <usize>PREFIX_LEN, h, hLen);
  return diff == 0 && prefixOk && hashOk;
}

/** RSASSA-PSS verification of a precomputed digest; MGF1 with the same hash, salt length = hash length. */
export function rsaVerifyPssDigest(key: RsaPublicKey, alg: HashAlg, hash: Uint8Array, signature: Uint8Array): bool {
  const hLen = digestLength(alg);
  if (hLen == 0 || hash.length != hLen) return false;
  // Copy the digest into scratch so every path below reads it from one place.
  const h = scratchPtr() + HASH_AT;
  memory.copy(h, hash.dataStart, <usize>hLen);
  return pssCheck(key, alg, hLen, signature);
}

/** RSASSA-PSS verification (PS256 / PS384 / PS512): MGF1 with the same hash, salt length = hash length. */
export function rsaVerifyPss(key: RsaPublicKey, alg: HashAlg, message: Uint8Array, signature: Uint8Array): bool {
  const hLen = digestLength(alg);
  if (hLen == 0) return false;
  if (signature.length != key.byteLength) return false;
  const h = scratchPtr() + HASH_AT;
  if (!digestRaw(alg, message.dataStart, message.length, h)) return false;
  return pssCheck(key, alg, hLen, signature);
}

// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with emBits = modBits - 1 and sLen = hLen; mHash is at HASH_AT.
function pssCheck(key: RsaPublicKey, alg: HashAlg, hLen: i32, signature: Uint8Array): bool {
  const sLen = hLen;
  const emBits = key.bits - 1;
  const emLen = (emBits + 7) >> 3;
  if (emLen < hLen + sLen + 2) return false;
  if (!key.publicOp(signature)) return false;
  // The block has byteLength bytes. When modBits = 1 (mod 8), emLen = byteLength - 1 and
  // I2OSP(m, emLen) requires the extra leading byte to be zero.
  const block = changetype<usize>(key.em);
  const extra = key.byteLength - emLen; // 0 or 1
  for (let i = 0; i < extra; i++) if (load<u8>(block + <usize>i) != 0) return false;
  const em = block + <usize>extra;
  if (load<u8>(em + <usize>(emLen - 1)) != 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const hPtr = em + <usize>dbLen; // H
  const zeroBits = 8 * emLen - emBits; // 0..7
  const topMask = <u32>(0xff00 >> zeroBits) & 0xff; // the bits that must be zero in maskedDB[0]
  if ((<u32>load<u8>(em) & topMask) != 0) return false;
  // DB = maskedDB xor MGF1(H, dbLen), in place (the block is ours).
  const sc = scratchPtr();
  const seed = sc + SEED_AT;
  const out = sc + HASH_AT + 0; // reused after mHash has been copied into M'
  // M' = 00*8 || mHash || salt: put mHash in place now (salt follows once DB is unmasked).
  const mp = sc + MPRIME_AT;
  memory.fill(mp, 0, 8);
  memory.copy(mp + 8, sc + HASH_AT, <usize>hLen);
  memory.copy(seed, hPtr, <usize>hLen);
  let counter: u32 = 0;
  for (let off = 0; off < dbLen; off += hLen) {
    store<u8>(seed + <usize>hLen, <u8>(counter >> 24));
    store<u8>(seed + <usize>hLen + 1, <u8>(counter >> 16));
    store<u8>(seed + <usize>hLen + 2, <u8>(counter >> 8));
    store<u8>(seed + <usize>hLen + 3, <u8>counter);
    digestRaw(alg, seed, hLen + 4, out);
    const n = min(hLen, dbLen - off);
    for (let i = 0; i < n; i++) {
      const at = em + <usize>(off + i);
      store<u8>(at, load<u8>(at) ^ load<u8>(out + <usize>i));
    }
    counter++;
  }
  store<u8>(em, <u8>(<u32>load<u8>(em) & ~topMask));
  // DB = PS (zeros) || 0x01 || salt
  const psLen = dbLen - sLen - 1;
  let diff: u32 = 0;
  for (let i = 0; i < psLen; i++) diff |= <u32>load<u8>(em + <usize>i);
  diff |= <u32>load<u8>(em + <usize>psLen) ^ 1;
  if (diff != 0) return false;
  memory.copy(mp + 8 + <usize>hLen, em + <usize>(dbLen - sLen), <usize>sLen);
  digestRaw(alg, mp, 8 + hLen + sLen, out);
  return constantTimeEqualRaw(out, hPtr, hLen);
}
