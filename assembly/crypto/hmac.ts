// HMAC (RFC 2104) over SHA-256, SHA-384 and SHA-512: HS256 / HS384 / HS512 in JWS terms.
//
// Never aborts: an unknown algorithm value yields an empty MAC (and verify() false). Any key
// length is accepted, including empty (RFC 2104 allows it); minimum key sizes for JWS (RFC 7518
// §3.2: at least the hash size) are a policy for the caller.
//
// For a key that is used many times (a configured HS256 secret) build an Hmac once: it keeps the
// hash states after the ipad/opad blocks, so each MAC costs two compressions less and verify()
// allocates nothing.

import { HashAlg, Hasher, digestLength, newHasher } from "./sha2";
import { constantTimeEqualRaw } from "./ct";

const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;

// Key block scratch (wiped after use).
const PAD = new StaticArray<u8>(128);

export class Hmac {
  readonly alg: HashAlg;
  /** False if `alg` was not a known hash; then every MAC is empty and verify() is false. */
  readonly ok: bool;
  /** MAC size in bytes (0 when !ok). */
  readonly macLength: i32;
  private inner: Hasher | null = null; // state after hashing key ^ ipad
  private outer: Hasher | null = null; // state after hashing key ^ opad
  private work: Hasher | null = null;
  private tmp: StaticArray<u8>; // inner digest, then the MAC for verify()

  constructor(alg: HashAlg, key: Uint8Array) {
    this.alg = alg;
    const dlen = digestLength(alg);
    this.macLength = dlen;
    this.tmp = new StaticArray<u8>(64);
    const inner = newHasher(alg);
    const outer = newHasher(alg);
    const work = newHasher(alg);
    this.ok = inner != null && outer != null && work != null;
    this.inner = inner;
    this.outer = outer;
    this.work = work;
    this.setKey(key);
  }

  /** Replaces the key (no allocation). */
  setKey(key: Uint8Array): void {
    const inner = this.inner;
    const outer = this.outer;
    const work = this.work;
    if (inner == null || outer == null || work == null) return;
    const bl = inner.blockLength;
    const padp = changetype<usize>(PAD);
    memory.fill(padp, 0, 128);
    // K0: the key, or its hash if longer than a block, zero-padded to the block size.
    if (key.length > bl) {
      work.reset();
      work.updateRaw(key.dataStart, key.length);
      work.finishRaw(padp);
    } else if (key.length > 0) {
      memory.copy(padp, key.dataStart, <usize>key.length);
    }
    for (let i = 0; i < bl; i++) store<u8>(padp + <usize>i, load<u8>(padp + <usize>i) ^ IPAD);
    inner.reset();
    inner.updateRaw(padp, bl);
    for (let i = 0; i < bl; i++) store<u8>(padp + <usize>i, load<u8>(padp + <usize>i) ^ (IPAD ^ OPAD));
    outer.reset();
    outer.updateRaw(padp, bl);
    memory.fill(padp, 0, 128);
  }

  /** Forgets the key-derived states (the object then computes MACs under the empty key only after setKey). */
  clear(): void {
    const inner = this.inner;
    const outer = this.outer;
    const work = this.work;
    if (inner != null) inner.reset();
    if (outer != null) outer.reset();
    if (work != null) work.reset();
  }

  /** Writes the MAC of `len` bytes at `ptr` to `out` (macLength bytes). False when !ok. */
  computeRaw(ptr: usize, len: i32, out: usize): bool {
    const inner = this.inner;
    const outer = this.outer;
    const work = this.work;
    if (inner == null || outer == null || work == null) return false;
    const t = changetype<usize>(this.tmp);
    work.copyFrom(inner);
    work.updateRaw(ptr, len);
    work.finishRaw(t);
    work.copyFrom(outer);
    work.updateRaw(t, this.macLength);
    work.finishRaw(out);
    return true;
  }

  /** The MAC of `message` (empty when !ok). */
  compute(message: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.macLength);
    if (!this.computeRaw(message.dataStart, message.length, out.dataStart)) return new Uint8Array(0);
    return out;
  }

  /** Constant-time check of `mac` (`macLen` bytes at `macPtr`) over `len` bytes at `ptr`. */
  verifyRaw(ptr: usize, len: i32, macPtr: usize, macLen: i32): bool {
    if (!this.ok || macLen != this.macLength) return false;
    const t = changetype<usize>(this.tmp);
    if (!this.computeRaw(ptr, len, t)) return false;
    const eq = constantTimeEqualRaw(t, macPtr, macLen);
    memory.fill(t, 0, 64);
    return eq;
  }

  /** Constant-time check that `mac` is the MAC of `message`. Wrong length or !ok: false. */
  verify(message: Uint8Array, mac: Uint8Array): bool {
    return this.verifyRaw(message.dataStart, message.length, mac.dataStart, mac.length);
  }
}

// Shared instances for the one-shot functions, so they allocate only their result.
let shared256: Hmac | null = null;
let shared384: Hmac | null = null;
let shared512: Hmac | null = null;

function shared(alg: HashAlg, key: Uint8Array): Hmac | null {
  let h: Hmac | null = null;
  if (alg == HashAlg.SHA256) {
    h = shared256;
    if (h == null) return (shared256 = new Hmac(alg, key));
  } else if (alg == HashAlg.SHA384) {
    h = shared384;
    if (h == null) return (shared384 = new Hmac(alg, key));
  } else if (alg == HashAlg.SHA512) {
    h = shared512;
    if (h == null) return (shared512 = new Hmac(alg, key));
  } else {
    return null;
  }
  h.setKey(key);
  return h;
}

/** One-shot HMAC. An unknown `alg` value gives an empty array. */
export function hmac(alg: HashAlg, key: Uint8Array, message: Uint8Array): Uint8Array {
  const h = shared(alg, key);
  if (h == null) return new Uint8Array(0);
  const out = h.compute(message);
  h.clear(); // don't keep key-derived state around
  return out;
}

/** One-shot HMAC into `out` (digestLength(alg) bytes) of `len` bytes at `ptr`; false for an unknown alg. */
export function hmacRaw(alg: HashAlg, key: Uint8Array, ptr: usize, len: i32, out: usize): bool {
  const h = shared(alg, key);
  if (h == null) return false;
  const ok = h.computeRaw(ptr, len, out);
  h.clear();
  return ok;
}

/** One-shot constant-time HMAC check. */
export function hmacVerify(alg: HashAlg, key: Uint8Array, message: Uint8Array, mac: Uint8Array): bool {
  const h = shared(alg, key);
  if (h == null) return false;
  const ok = h.verify(message, mac);
  h.clear();
  return ok;
}
