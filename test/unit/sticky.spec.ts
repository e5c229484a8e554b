import { inStickyShare, stickyBucket } from "../../assembly/lib/sticky";
import { Xorshift } from "./prng";

describe("stickyBucket", () => {
  it("is uint64_be(sha256(value)[0..8]) % 100, as Higress traffic-tag computes it", () => {
    // Expected values from node:crypto: createHash('sha256').update(v).digest().readBigUInt64BE(0) % 100n
    expect<i32>(stickyBucket("tenant-1")).toBe(30);
    expect<i32>(stickyBucket("t1")).toBe(86);
    expect<i32>(stickyBucket("t2")).toBe(20);
    expect<i32>(stickyBucket("acme")).toBe(72);
    expect<i32>(stickyBucket("")).toBe(52);
    expect<i32>(stickyBucket("Amélie")).toBe(37);
    expect<i32>(stickyBucket("😀")).toBe(27);
    expect<i32>(stickyBucket("beta-x")).toBe(70);
  });
  it("never aborts on lone surrogates (hashed as U+FFFD)", () => {
    expect<i32>(stickyBucket("\ud800")).toBe(stickyBucket("\ufffd"));
  });
});

describe("inStickyShare", () => {
  it("handles 0 and 100 without hashing", () => {
    expect<bool>(inStickyShare("acme", 0)).toBe(false);
    expect<bool>(inStickyShare("acme", 100)).toBe(true);
    expect<bool>(inStickyShare("acme", -5)).toBe(false);
    expect<bool>(inStickyShare("acme", 200)).toBe(true);
  });
  it("compares the bucket with the percentage", () => {
    expect<bool>(inStickyShare("acme", 72)).toBe(false);
    expect<bool>(inStickyShare("acme", 73)).toBe(true);
  });
  it("splits 1,000 synthetic tenants close to the setting, and raising it only adds tenants", () => {
    // Counts from node:crypto for tenant-0 .. tenant-999: 10% -> 107, 30% -> 316, 50% -> 517.
    const counts = new Array<i32>(101);
    for (let i = 0; i < 1000; i++) {
      const b = stickyBucket("tenant-" + i.toString());
      expect<bool>(b >= 0 && b < 100).toBe(true);
      for (let p = 0; p <= 100; p++) if (inStickyShare("tenant-" + i.toString(), p) != (b < p)) expect<i32>(p).toBe(-1);
      counts[b + 1]++;
    }
    for (let p = 1; p <= 100; p++) counts[p] += counts[p - 1];
    expect<i32>(counts[10]).toBe(107);
    expect<i32>(counts[30]).toBe(316);
    expect<i32>(counts[50]).toBe(517);
    expect<i32>(counts[100]).toBe(1000);
  });
});

const rng = new Xorshift(0x1b873593);
function next(): u32 { return rng.next(); }

describe("sticky fuzz", () => {
  it("stays in 0..99 for random strings (20,000 inputs)", () => {
    for (let i = 0; i < 20000; i++) {
      const n = <i32>(next() % 40);
      let s = "";
      for (let k = 0; k < n; k++) s += String.fromCharCode(<i32>(next() & 0xffff));
      const b = stickyBucket(s);
      if (b < 0 || b > 99) expect<i32>(b).toBe(0);
    }
  });
});
