// Sticky percentages: a stable hash of a value (a tenant, a user id) puts it in one of 100 buckets,
// so the value is always in or always out of an N% share, and raising N only adds values.
//
// The function is exactly the one of Higress `traffic-tag`'s `percentage` operator, so users moving
// from Higress keep their buckets:
//
//   bucket(value) = uint64_be(SHA-256(UTF-8(value))[0..8]) mod 100
//   inShare(value, N) = bucket(value) < N          (N from 0 to 100)
//
// e.g. bucket("tenant-1") = 30 (SHA-256 starts 0a96abb3...), bucket("acme") = 72. SHA-256 rather than a cheaper hash:
// buckets must be the same on every gateway and every version of this code, the input is chosen
// by clients (a weak hash could be steered into a bucket), and the cost (about one microsecond for
// a short tenant id) is paid only when a percentage decides.
// The bytes hashed are the value as it came (lib/bytes-text.ts: a byte that is not UTF-8 hashes as
// itself), which is what Higress's Go plugins hash.

import { Sha256 } from "../crypto/sha2";
import { ByteScratch } from "./scratch";

// Called through the concrete class (not sha256() / Hasher) so that only SHA-256 is linked: a
// virtual call through Hasher would pull SHA-512's compression function into every plugin.
let hasher: Sha256 | null = null;
const digest = new StaticArray<u8>(32);
const utf8 = new ByteScratch();

/** The bucket of `value`, 0 to 99. */
export function stickyBucket(value: string): i32 {
  let h = hasher;
  if (h == null) hasher = h = new Sha256();
  utf8.encode(value);
  h.reset();
  h.updateRaw(utf8.ptr, <i32>utf8.length);
  h.finishRaw(changetype<usize>(digest));
  let x: u64 = 0;
  for (let i = 0; i < 8; i++) x = (x << 8) | <u64>unchecked(digest[i]);
  return <i32>(x % 100);
}

/** True if `value` is within a sticky `percentage` share (0 = nobody, 100 = everybody). */
export function inStickyShare(value: string, percentage: i32): bool {
  if (percentage <= 0) return false;
  if (percentage >= 100) return true;
  return stickyBucket(value) < percentage;
}
