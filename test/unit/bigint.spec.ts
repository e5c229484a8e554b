import {
  MAX_LIMBS,
  Montgomery,
  add,
  bitLength,
  bitLengthBytes,
  cmp,
  equal,
  isZero,
  limbsFromBytes,
  limbsToBytes,
  montMul,
  montSqr,
  negInverse32,
  ptr,
  shl1,
  significantBytes,
  sub,
} from "../../assembly/crypto/bigint";

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(h.substr(2 * i, 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

function limbs(h: string, k: i32): StaticArray<u32> {
  const b = fromHex(h);
  const out = new StaticArray<u32>(k);
  limbsFromBytes(ptr(out), k, b.dataStart, b.length);
  return out;
}

function bytesOf(a: StaticArray<u32>, len: i32): string {
  const out = new Uint8Array(len);
  limbsToBytes(out.dataStart, len, ptr(a), a.length);
  return toHex(out);
}

// base^exp mod m through the Montgomery context; hex in, hex out (at the modulus byte length).
function modPow(bh: string, eh: string, mh: string): string {
  const mb = fromHex(mh);
  const mt = Montgomery.fromBytes(mb);
  if (mt == null) return "no context";
  const k = mt.k;
  const b = limbs(bh, k);
  const eb = fromHex(eh);
  const ek = (eb.length + 3) >> 2;
  const e = limbs(eh, ek);
  const bm = new StaticArray<u32>(k);
  const r = new StaticArray<u32>(k);
  mt.toMont(ptr(bm), ptr(b));
  mt.powMont(ptr(r), ptr(bm), ptr(e), ek);
  mt.fromMont(ptr(r), ptr(r));
  return bytesOf(r, mb.length);
}

// Tiny deterministic generator for the property tests.
let seed: u32 = 0x9e3779b9;
function next(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

// [base, exponent, modulus, base^exponent mod modulus] (computed with Python's pow).
// prettier-ignore
const KAT: string[][] = [
  ["3f81", "05", "01a5cd", "0150f5"],
  ["a6a3a450", "0c5c7fd1", "e513270f", "ce9e9e91"],
  ["892f902b", "bb3b", "01128b2f33", "22e10282"],
  ["81e74ef5e8e25d94", "099950d836f675cd", "8ed904759531985d", "0d3ec43211dd9712"],
  ["3656a5138d116ece1738f7d93d9c1724", "0fd8be1190c192cfd3ac94af0f21ddb7", "48f105c76b0d549b6f03675a1600a35b", "48239d419944a4c3d102ff10d653937e"],
  ["2403c8fe7eab664c194fca06a359889f594c64166b412f642c66a9baa359fa98", "4ef8aa38922766581e27a1c08a6a63ec24ede6a46b4cb2424a23d5962217bead", "49de82670fd630f1f29d0da9953f48f1a09f76b5a170b33839263059f28c105d", "49b91eb8f27637aa22f8236079d9cac7cd601d9cde5ca0226b674420de46ee7f"],
  ["291ec32be63ae203642f85f23f9670a38ad057ae2f5b12ae5e8d11358465cf110bd3a1d9c8be317f863214b7875314d49c59dabbd6ff96f6bfae275cf4a54cb086", "0914f4733f3e7d1bfbc7a2ea21", "013c0f4205b4907a70c31012f037b64ce4228c38fb2918f135d25f557203301850c5a38fd547923a736994e3bf911a61dbe22e44158bae97ba94d0eda82f8f6d0559", "0135b0fec54d47d4c5faaa92d3b76e3d52fbed3e0a0c286649ca6e027dca707ea7a006070e0e100e524758eade0b89102dd3861ce7f6f576f1919f6e030b0abcb8fb"],
  ["5596698fe315128862c33a4fb774eb5248db40af72158370d269a9a5ae658f33fe3b890b93f448b3a5aa3c814f426dcbb394fb36bb2d420f0f88080b10a3d6b2aa05e11ab2715945795e8229451abd81f1d69ed617f5e837d70820fe119a72d174c9df6acc011cdd9474031b7f26144b98289fcd59a54a7bb1fee08f57124242", "b1ab", "6828e0e6d17f9acae01f5057ca02135e92b1d3f28ede0d7ac3baea9e13deef86ab1031d0f646e1f40a097c976bf46c697d2caf82eeeacbe226e875555790f82ec1d3fcff2a3af4d46b0a18e8830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cde00902c77ebff206867347214cdd2055", "57da8eafc0e73baa3c5a70f46f046612ebabb371b5ae804ca57db3a48bd2a808ad3224878cc999f05fc2bc36bebf7af2be4a365eca0ae9fea4644b963ebe31c484db2a93cdeafdd407d8831d0b10f5a81a734158a0d67abde658b0a3a3b6c0bc8c7e27fbca3233bac125e92109fd08aa7d664dfa74dd2659ee2ad3424ff1cab9"],
  ["1d87cec31f7296ab7961fd925d39d0a89a2ef80f58ee8571f4998d7c4093f6dea268aa872607679d6050914a9d33a01c353c631cdfd43f371200339d068739fa9d1de2a05d158a2ff2ee4e4519f9919c895fd7b326b94c7f9118bb16000f49c81a358ca00d75985d99c94309570dc1951c2442f9298cb3a570ccec313571810afc132d0d113db17d30cbc97d0fef792866836886a260cd0b7b45145c1a81682c64e50cad66237a0465e7e4236472f1a38f2c6ec8cc4169a3ae3a2b7fdfe01893f3aed0b6c7ac1491def88334e647cb8f74e69a5d0dd27a65bd628881ad1b72dba7abe1c29e1a8ef4f341e07a83f73f16dbf4a8b2b0c4312d20203626f3fe39c0", "01b2a7", "d19088f590fbbd119c1caaf75e8766ed88daf4016b4013ef254b0c4e010c4759482c9cbc43435cc52eae05cf96d0cc5fd4c28c2e7c26847f0316909e3bbbe9eaa8948c893b61867626bb7dbd2d1c9af0153e7c2a26a2c0bd3b1287fff52ddf5d616499c9e25a7605aec6f0245bd86d40fc891b4a6a50df4db4d66a3a47469a4d8cdb305fdd2e16096e36aab0d1bc52d9230d977ee22571594720771f8ca8181166d2287672fdf2022a96fb1a14a0f9e77f1b103cdf1582b0eab477d26415479c65dc9f503f63af83bd0561e6211c70cf49952399c4aaeac137dc76fb0f17a3007e62aa0a1df9fd789c6539382b0537e65affb2297631a992f0ce583505c6af07", "13c03ab436979657238f6a4d79a08fea06629731530f6e33ba2bc2c461a1840cf36ffb1fbbf0e3fa1fe1c44d73ad84c2427433731a03dd4239dcda4bb57727467c64d16fcfdf1f3b538d19a1d5c8013901fa68bfda6368045f6a9a00f8d49e792b2874b6a5dd5711ca1c5c5258ddb97566c38c3b713b6ba88f0e547bbc8c8d3f1dcdecf77b5f4b8689fb697dc9f46b7ecea6cef6cc7a7f25e85fd3b85c536ca8fd79ef1d63dcebf7a4a60d1fbc940d8ee8a7ce94c88ecabb3aedbcb2d87d9adcf27cadf6155baee2bf3f0644e5135e31ce3cd71e5d5f02eb5c4545faa97130d4111e4c674fcb6cdec280b1862a9ad7d5cf3d90beff22a357735f67ee245fa645"],
  ["016f15b6ad2db3997fe39639be7a605a91330698a1c0093492b6246771c845007063771407e8e727891eb20109a91c2439d5ab8b4d15b40aeba4a45effccb573d95810d60ea72991b9e8c147437abec539007d1034d726c86b9c3a23cde67a9b75fc3947249fc2d0a17b8f2ab53451d0135675f6ad325b55dd785729763a12917c1a26f88938703800149e259b5d58c705f979d04af47aebdd597a1ecffcf00fecb91ee9e5efe09f07cefe2a1f727d83495822cb77f4de2c089aea6429b1491e243192b7044259405278e4b98d4787f93bca44eb860726e25cfd56a926076b3e36bb2313f55b06258e7e26f36a8483f8b8332dd3313a0b9965cda6c6fdbd685167", "a2c68f", "01d17e44973d4882a5ce5b2a9231f51707da45e18ac2216b02fc241d0bc9d488b1cfbf33609cfc865239194242a2eddbbd5464ecc280b0c08bc77024208aa4248c8857f9a43908f227c59db9165b0ee76f2ac34446e883a1d45de0099784b5a81842d87208d86f40f6b239f3c7174c77a2dd02de92a49636a2fa7f0eab4c4f9b0687322e25c215a82a06ec41adea0575438b0d590bb0a844e52587be6b5c9bcf35873be078f3b7a50df373ca533488f87605e999f3842e7fc229540a6eb12aa1f6d42fddbb7a86f7a243c71b9abd87a86557b6fb7ebfeaa1551a28f7b324e4e25a15fc899e4fd58dbe7bdc968b7afb2c68774b15d7fa529ba3fe3bfada7cf20725", "b413ead8ce6fe2c659e7a032dfeafb66b7a6471ec3c0dd42f6e3b66bd95d395669688be549cb59b2f764bfdbf8af879ebaec04b8c91a7f9eea8a10a8bb858e8b53c93ec9af18fdfd1e3c10a45799bd08e7e227218c016fb2caecc28e00411a556b5fb7388191a541e220541001bf21d28f430428a4b1c312640692dfb902165ce93d3da5e465b02c5989ddc66f1cc3901f5bebef3daba5fdd302cf22639e0a0d6d8fdab7263ab0f227e1b285066e7976290021bc6d46fcc383edd6dce5b31c40a241f4d0ade17212e62cc0984822a97ddffa5793e9f95d24a1ec401a51b3c34d690d6a11636edd51604d006a450385ff4c81cf445e4599fe6b744aefb68331b8"]
];

describe("bigint: byte conversions", () => {
  it("reads big-endian bytes into little-endian limbs", () => {
    const a = limbs("0102030405060708090a", 3);
    expect<u32>(a[0]).toBe(0x0708090a);
    expect<u32>(a[1]).toBe(0x03040506);
    expect<u32>(a[2]).toBe(0x0102);
  });
  it("ignores leading zero bytes when checking the width", () => {
    const b = fromHex("0000000000000000deadbeef");
    const out = new StaticArray<u32>(1);
    expect<bool>(limbsFromBytes(ptr(out), 1, b.dataStart, b.length)).toBe(true);
    expect<u32>(out[0]).toBe(0xdeadbeef);
    expect<i32>(significantBytes(b.dataStart, b.length)).toBe(4);
  });
  it("measures the bit length of big-endian bytes (leading zeros allowed)", () => {
    const b = fromHex("0000000000000000deadbeef");
    expect<i32>(bitLengthBytes(b.dataStart, b.length)).toBe(32);
    const c = fromHex("00017f");
    expect<i32>(bitLengthBytes(c.dataStart, c.length)).toBe(9);
    const z = fromHex("000000");
    expect<i32>(bitLengthBytes(z.dataStart, z.length)).toBe(0);
    expect<i32>(bitLengthBytes(z.dataStart, 0)).toBe(0);
    const one = fromHex("01");
    expect<i32>(bitLengthBytes(one.dataStart, 1)).toBe(1);
  });
  it("rejects a value wider than the limbs", () => {
    const b = fromHex("01deadbeef");
    const out = new StaticArray<u32>(1);
    expect<bool>(limbsFromBytes(ptr(out), 1, b.dataStart, b.length)).toBe(false);
    expect<u32>(out[0]).toBe(0);
  });
  it("accepts empty input as zero", () => {
    const b = new Uint8Array(0);
    const out = new StaticArray<u32>(2);
    expect<bool>(limbsFromBytes(ptr(out), 2, b.dataStart, 0)).toBe(true);
    expect<bool>(isZero(ptr(out), 2)).toBe(true);
  });
  it("writes fixed-length big-endian output, left-padded", () => {
    const a = limbs("0102030405", 2);
    expect<string>(bytesOf(a, 8)).toBe("0000000102030405");
    expect<string>(bytesOf(a, 5)).toBe("0102030405");
  });
  it("reports output that does not fit", () => {
    const a = limbs("0102030405", 2);
    const out = new Uint8Array(4);
    expect<bool>(limbsToBytes(out.dataStart, 4, ptr(a), 2)).toBe(false);
    expect<bool>(limbsToBytes(out.dataStart, 0, ptr(limbs("00", 2)), 2)).toBe(true);
  });
});

describe("bigint: limb arithmetic", () => {
  it("compares", () => {
    const a = limbs("0100000000", 2);
    const b = limbs("ffffffff", 2);
    expect<i32>(cmp(ptr(a), ptr(b), 2)).toBe(1);
    expect<i32>(cmp(ptr(b), ptr(a), 2)).toBe(-1);
    expect<i32>(cmp(ptr(a), ptr(a), 2)).toBe(0);
    expect<bool>(equal(ptr(a), ptr(a), 2)).toBe(true);
    expect<bool>(equal(ptr(a), ptr(b), 2)).toBe(false);
  });
  it("adds and subtracts with carry and borrow", () => {
    const a = limbs("ffffffffffffffff", 2);
    const one = limbs("01", 2);
    const r = new StaticArray<u32>(2);
    expect<u32>(add(ptr(r), ptr(a), ptr(one), 2)).toBe(1);
    expect<bool>(isZero(ptr(r), 2)).toBe(true);
    expect<u32>(sub(ptr(r), ptr(r), ptr(one), 2)).toBe(1);
    expect<string>(bytesOf(r, 8)).toBe("ffffffffffffffff");
    expect<u32>(sub(ptr(r), ptr(a), ptr(one), 2)).toBe(0);
    expect<string>(bytesOf(r, 8)).toBe("fffffffffffffffe");
  });
  it("shifts left and measures bit length", () => {
    const a = limbs("80000001", 2);
    const r = new StaticArray<u32>(2);
    expect<u32>(shl1(ptr(r), ptr(a), 2)).toBe(0);
    expect<string>(bytesOf(r, 8)).toBe("0000000100000002");
    expect<i32>(bitLength(ptr(r), 2)).toBe(33);
    expect<i32>(bitLength(ptr(limbs("00", 2)), 2)).toBe(0);
    expect<i32>(bitLength(ptr(limbs("01", 2)), 2)).toBe(1);
  });
  it("computes -x^-1 mod 2^32", () => {
    const xs: u32[] = [1, 3, 0xffffffff, 0x12345679, 0xfc632551, 0x7fffffff];
    for (let i = 0; i < xs.length; i++) {
      expect<u32>(xs[i] * negInverse32(xs[i])).toBe(0xffffffff);
    }
  });
});

describe("bigint: Montgomery contexts", () => {
  it("rejects even, zero, one, empty and oversized moduli", () => {
    expect<bool>(Montgomery.fromBytes(fromHex("")) == null).toBe(true);
    expect<bool>(Montgomery.fromBytes(fromHex("0000")) == null).toBe(true);
    expect<bool>(Montgomery.fromBytes(fromHex("01")) == null).toBe(true);
    expect<bool>(Montgomery.fromBytes(fromHex("0100")) == null).toBe(true);
    const big = new Uint8Array(MAX_LIMBS * 4 + 1);
    big[0] = 1;
    big[big.length - 1] = 1;
    expect<bool>(Montgomery.fromBytes(big) == null).toBe(true);
    const max = new Uint8Array(MAX_LIMBS * 4);
    max.fill(0xff);
    expect<bool>(Montgomery.fromBytes(max) != null).toBe(true);
  });
  it("accepts leading zeros and small odd moduli", () => {
    const mt = Montgomery.fromBytes(fromHex("000003"));
    expect<bool>(mt != null).toBe(true);
    expect<i32>(mt!.k).toBe(1);
    expect<i32>(mt!.bits).toBe(2);
  });
  it("has R mod m and R^2 mod m right (Montgomery form of 1 converts back to 1)", () => {
    const mt = Montgomery.fromBytes(fromHex("c34f5a9b0d1e2f3a4b5c6d7e8f90a1b3"))!;
    const one = new StaticArray<u32>(mt.k);
    mt.fromMont(ptr(one), ptr(mt.one));
    expect<string>(bytesOf(one, 4)).toBe("00000001");
    const x = limbs("0123456789abcdef", mt.k);
    const y = new StaticArray<u32>(mt.k);
    mt.toMont(ptr(y), ptr(x));
    mt.fromMont(ptr(y), ptr(y));
    expect<string>(bytesOf(y, 8)).toBe("0123456789abcdef");
  });
  it("matches precomputed modular powers (1 to 65 limbs)", () => {
    for (let i = 0; i < KAT.length; i++) {
      const c = KAT[i];
      const m = fromHex(c[2]);
      let want = c[3];
      while (want.length < m.length * 2) want = "0" + want;
      expect<string>(modPow(c[0], c[1], c[2])).toBe(want);
    }
  });
  it("Fermat: a^(p-1) = 1 mod the Mersenne prime 2^127 - 1", () => {
    expect<string>(modPow("03", "7ffffffffffffffffffffffffffffffe", "7fffffffffffffffffffffffffffffff")).toBe(
      "00000000000000000000000000000001",
    );
  });
  it("squaring equals multiplying a value by itself (random values, 1..70 limbs)", () => {
    for (let k = 1; k <= 70; k++) {
      const m = new StaticArray<u32>(k);
      for (let i = 0; i < k; i++) m[i] = next();
      m[0] |= 1;
      m[k - 1] |= 0x80000000 >> (next() & 31); // vary the top bit position
      if (k == 1 && m[0] == 1) m[0] = 3;
      const mt = Montgomery.fromLimbs(m)!;
      const a = new StaticArray<u32>(k);
      for (let i = 0; i < k; i++) a[i] = next();
      // reduce a below m by clearing its top bits
      a[k - 1] = a[k - 1] >> (<u32>clz<u32>(m[k - 1]) + 1);
      const T = new StaticArray<u32>(2 * k);
      const r1 = new StaticArray<u32>(k);
      const r2 = new StaticArray<u32>(k);
      montMul(ptr(r1), ptr(a), ptr(a), ptr(m), mt.n0, k, ptr(T));
      montSqr(ptr(r2), ptr(a), ptr(m), mt.n0, k, ptr(T));
      expect<bool>(equal(ptr(r1), ptr(r2), k)).toBe(true);
      expect<bool>(mt.isReduced(ptr(r1))).toBe(true);
    }
  });
  it("handles the largest operands (m = 2^8192 - 1, a = m - 1)", () => {
    const k = MAX_LIMBS;
    const m = new StaticArray<u32>(k);
    for (let i = 0; i < k; i++) m[i] = 0xffffffff;
    const mt = Montgomery.fromLimbs(m)!;
    // R = m + 1, so R mod m = 1 and (m-1) = -1: (-1)^2 = 1 and R^-1 = 1.
    const a = new StaticArray<u32>(k);
    for (let i = 0; i < k; i++) a[i] = 0xffffffff;
    a[0] = 0xfffffffe;
    const r = new StaticArray<u32>(k);
    mt.sqr(ptr(r), ptr(a));
    expect<u32>(r[0]).toBe(1);
    expect<i32>(bitLength(ptr(r), k)).toBe(1);
    expect<u32>(mt.one[0]).toBe(1);
  });
});
