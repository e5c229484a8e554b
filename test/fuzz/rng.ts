// A seeded PRNG for the fuzzer (never Math.random): sfc32, seeded from (seed, stream, index) through
// a 32-bit mixer, so every case has its own generator and case i of seed S is the same whatever the
// number of cases or the cases before it.

/** murmur3's finalizer: a bijective 32-bit mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a string (FNV-1a then mixed). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h >>> 0);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` separates independent uses of one seed (plugin, phase); `index` is the case. */
  constructor(seed: number, stream: string | number = 0, index = 0) {
    const s = typeof stream === "string" ? hash32(stream) : stream >>> 0;
    this.a = fmix32(seed ^ 0x9e3779b9);
    this.b = fmix32(s ^ 0x7f4a7c15 ^ this.a);
    this.c = fmix32(index ^ 0x2545f491 ^ this.b);
    this.d = fmix32((index / 0x100000000) ^ 0x6a09e667 ^ this.c);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** uniform 32-bit unsigned integer (sfc32) */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** 0 <= int(n) < n (n <= 2^32) */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }
  /** lo <= range(lo, hi) <= hi */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** one of the entries, by weight: [[weight, value], ...] */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of entries) total += w;
    let x = this.next() / 0x100000000 * total;
    for (const [w, v] of entries) {
      if (x < w) return v;
      x -= w;
    }
    return entries[entries.length - 1][1];
  }
  /** a length skewed to small values, sometimes up to `max` */
  length(max: number): number {
    const r = this.next() / 0x100000000;
    return Math.floor(r * r * r * (max + 1));
  }
  /** a child generator (for a sub-task whose consumption must not shift the parent) */
  fork(tag: string | number): Rng {
    return new Rng(this.next(), tag, this.next());
  }
}
