// Non-cryptographic 64-bit hashes of raw bytes: the digest of long key values and slot probing
// (store.ts), and the scope of a Higress `_rules_` entry (config.ts).

/** FNV-1a, 64 bits. */
export function fnv1a(ptr: usize, n: usize): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i: usize = 0; i < n; i++) {
    h ^= <u64>load<u8>(ptr + i);
    h *= 0x100000001b3;
  }
  return h;
}

/** 8 bytes at a time, multiply-rotate rounds and a splitmix64 finish (seeded with the length). */
export function wordHash(ptr: usize, n: usize): u64 {
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>n;
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    h ^= rotl<u64>(load<u64>(ptr + i) * 0xc2b2ae3d27d4eb4f, 31) * 0x9e3779b185ebca87;
    h = rotl<u64>(h, 27) * 0x9e3779b185ebca87 + 0x85ebca77c2b2ae63;
  }
  for (; i < n; i++) {
    h ^= <u64>load<u8>(ptr + i) * 0x27d4eb2f165667c5;
    h = rotl<u64>(h, 11) * 0x9e3779b185ebca87;
  }
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9;
  h = (h ^ (h >> 27)) * 0x94d049bb133111eb;
  return h ^ (h >> 31);
}
