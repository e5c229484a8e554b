// Constant-time comparison for MACs and other secrets.
//
// The running time depends only on the lengths (which are public: a MAC's length is fixed by its
// algorithm), never on where the first differing byte is.

/**
 * True if `len` bytes at `a` and `b` are equal; time independent of the contents. Zero-length runs
 * are equal (as two empty arrays are for constantTimeEqual); a negative length is never equal.
 */
export function constantTimeEqualRaw(a: usize, b: usize, len: i32): bool {
  if (len < 0) return false;
  let diff: u32 = 0;
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const x = load<u64>(a + <usize>i) ^ load<u64>(b + <usize>i);
    diff |= <u32>(x | (x >>> 32));
  }
  for (; i < len; i++) {
    diff |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  }
  return diff == 0;
}

/** True if `a` and `b` have the same length and contents; time depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return constantTimeEqualRaw(a.dataStart, b.dataStart, a.length);
}
