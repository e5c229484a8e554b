import {
  Ed25519PublicKey,
  ed25519IsSmallOrder,
  ed25519ReduceScalar,
  ed25519RoundTripPoint,
  ed25519Verify,
} from "../../assembly/crypto/ed25519";
import { base64UrlDecode } from "../../assembly/lib/base64";

function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(s.substr(i * 2, 2), 16);
  return out;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

function flip(a: Uint8Array, bit: i32): void {
  a[bit >> 3] = a[bit >> 3] ^ (<u8>1 << <u8>(bit & 7));
}

function copy(b: Uint8Array): Uint8Array {
  const c = new Uint8Array(b.length);
  c.set(b);
  return c;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}

class Vector {
  constructor(
    public name: string,
    public pk: string,
    public msg: string,
    public sig: string,
  ) {}
}

// RFC 8032 §7.1
function vectors(): Vector[] {
  return [
    new Vector(
      "TEST 1",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    new Vector(
      "TEST 2",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    new Vector(
      "TEST 3",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    new Vector(
      "TEST 1024",
      "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
      "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1" +
        "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d" +
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a" +
        "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e" +
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10" +
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1" +
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d" +
        "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270" +
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b" +
        "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba" +
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b" +
        "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7" +
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d" +
        "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df" +
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7" +
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4" +
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09" +
        "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f" +
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161" +
        "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d" +
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca" +
        "c60c905c15fc910840b94c00a0b9d0",
      "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    new Vector(
      "TEST SHA(abc)",
      "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd" +
        "454d4423643ce80e2a9ac94fa54ca49f",
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
  ];
}

const L_HEX = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
const B_HEX = "5866666666666666666666666666666666666666666666666666666666666666";
const IDENTITY_HEX = "0100000000000000000000000000000000000000000000000000000000000000";

// The canonical encodings of the 8 points of order dividing 8.
const SMALL_ORDER_HEX: string[] = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];

describe("Ed25519 RFC 8032 §7.1 test vectors", () => {
  it("verifies TEST 1, 2, 3, 1024 and SHA(abc)", () => {
    const vs = vectors();
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      const ok = ed25519Verify(fromHex(v.pk), fromHex(v.msg), fromHex(v.sig));
      if (!ok) log<string>("failed: " + v.name);
      expect<bool>(ok).toBe(true);
    }
  });
  it("rejects every single-bit flip of the signature (TEST 2)", () => {
    const v = vectors()[1];
    const pk = fromHex(v.pk);
    const msg = fromHex(v.msg);
    const sig = fromHex(v.sig);
    for (let bit = 0; bit < 512; bit++) {
      flip(sig, bit);
      expect<bool>(ed25519Verify(pk, msg, sig)).toBe(false);
      flip(sig, bit);
    }
    expect<bool>(ed25519Verify(pk, msg, sig)).toBe(true);
  });
  it("rejects every single-bit flip of the public key and message (TEST 3)", () => {
    const v = vectors()[2];
    const pk = fromHex(v.pk);
    const msg = fromHex(v.msg);
    const sig = fromHex(v.sig);
    for (let bit = 0; bit < 256; bit++) {
      flip(pk, bit);
      expect<bool>(ed25519Verify(pk, msg, sig)).toBe(false);
      flip(pk, bit);
    }
    for (let bit = 0; bit < 16; bit++) {
      flip(msg, bit);
      expect<bool>(ed25519Verify(pk, msg, sig)).toBe(false);
      flip(msg, bit);
    }
    expect<bool>(ed25519Verify(pk, msg, sig)).toBe(true);
    expect<bool>(ed25519Verify(pk, concat(msg, fromHex("00")), sig)).toBe(false);
    expect<bool>(ed25519Verify(pk, msg.subarray(0, 1), sig)).toBe(false);
  });
});

describe("Ed25519 RFC 8037 Appendix A.4 (EdDSA JWS)", () => {
  it("verifies the example JWS", () => {
    const x = base64UrlDecode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    const sig = base64UrlDecode(
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg",
    );
    expect<bool>(x != null && sig != null).toBe(true);
    const input = bytesOf("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
    expect<bool>(ed25519Verify(x!, input, sig!)).toBe(true);
    expect<bool>(ed25519Verify(x!, bytesOf("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmd"), sig!)).toBe(
      false,
    );
  });
});

describe("Ed25519 strictness", () => {
  it("rejects wrong lengths", () => {
    const v = vectors()[0];
    const pk = fromHex(v.pk);
    const sig = fromHex(v.sig);
    const msg = new Uint8Array(0);
    expect<bool>(ed25519Verify(pk.subarray(0, 31), msg, sig)).toBe(false);
    expect<bool>(ed25519Verify(concat(pk, fromHex("00")), msg, sig)).toBe(false);
    expect<bool>(ed25519Verify(pk, msg, sig.subarray(0, 63))).toBe(false);
    expect<bool>(ed25519Verify(pk, msg, concat(sig, fromHex("00")))).toBe(false);
    expect<bool>(ed25519Verify(new Uint8Array(0), msg, new Uint8Array(0))).toBe(false);
  });
  it("rejects non-canonical S (S + L) and S = L", () => {
    const v = vectors()[0];
    const pk = fromHex(v.pk);
    const sig = fromHex(v.sig);
    const l = fromHex(L_HEX);
    // S + L still satisfies the group equation; a lax verifier would accept it.
    const bad = copy(sig);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const t = <i32>bad[32 + i] + <i32>l[i] + carry;
      bad[32 + i] = <u8>t;
      carry = t >> 8;
    }
    expect<i32>(carry).toBe(0);
    expect<bool>(ed25519Verify(pk, new Uint8Array(0), bad)).toBe(false);
    const eqL = copy(sig);
    for (let i = 0; i < 32; i++) eqL[32 + i] = l[i];
    expect<bool>(ed25519Verify(pk, new Uint8Array(0), eqL)).toBe(false);
  });
  it("rejects a small-order public key even when the cofactorless equation holds", () => {
    // A = identity, R = B, S = 1: [S]B - [k]A = B = R for every message.
    const sig = concat(fromHex(B_HEX), fromHex(IDENTITY_HEX));
    expect<bool>(ed25519Verify(fromHex(IDENTITY_HEX), bytesOf("anything"), sig)).toBe(false);
    for (let i = 0; i < SMALL_ORDER_HEX.length; i++) {
      expect<bool>(ed25519Verify(fromHex(SMALL_ORDER_HEX[i]), bytesOf("anything"), sig)).toBe(false);
    }
  });
  it("rejects small-order R", () => {
    const v = vectors()[0];
    const pk = fromHex(v.pk);
    for (let i = 0; i < SMALL_ORDER_HEX.length; i++) {
      const sig = fromHex(v.sig);
      sig.set(fromHex(SMALL_ORDER_HEX[i]));
      expect<bool>(ed25519Verify(pk, new Uint8Array(0), sig)).toBe(false);
    }
  });
  it("rejects non-canonical point encodings", () => {
    const v = vectors()[0];
    const sig = fromHex(v.sig);
    // y = p + 1 (the identity's y, non-canonical), y = p (y = 0 non-canonical), identity with sign bit set
    const encs: string[] = [
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
      "0100000000000000000000000000000000000000000000000000000000000080",
    ];
    for (let i = 0; i < encs.length; i++) {
      const out = new Uint8Array(32);
      expect<bool>(ed25519RoundTripPoint(fromHex(encs[i]), out)).toBe(false);
      expect<bool>(ed25519Verify(fromHex(encs[i]), new Uint8Array(0), sig)).toBe(false);
    }
  });
});

describe("Ed25519PublicKey (prepared key)", () => {
  it("verifies the RFC 8032 vectors and agrees with ed25519Verify on bit flips", () => {
    const vs = vectors();
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      const pk = fromHex(v.pk);
      const msg = fromHex(v.msg);
      const sig = fromHex(v.sig);
      const key = Ed25519PublicKey.fromBytes(pk);
      expect<bool>(key != null).toBe(true);
      expect<string>(hex(key!.bytes)).toBe(v.pk);
      expect<bool>(key!.verify(msg, sig)).toBe(true);
      // verifying twice with the same key (the table is reused) still works
      expect<bool>(key!.verify(msg, sig)).toBe(true);
      for (let bit = 0; bit < 512; bit += 7) {
        flip(sig, bit);
        expect<bool>(key!.verify(msg, sig)).toBe(false);
        expect<bool>(ed25519Verify(pk, msg, sig)).toBe(false);
        flip(sig, bit);
      }
      expect<bool>(key!.verify(concat(msg, fromHex("00")), sig)).toBe(false);
      expect<bool>(key!.verify(msg, sig.subarray(0, 63))).toBe(false);
      expect<bool>(key!.verify(msg, concat(sig, fromHex("00")))).toBe(false);
    }
    // keys are independent: one key's signature fails under another
    const a = Ed25519PublicKey.fromBytes(fromHex(vs[0].pk))!;
    const b = Ed25519PublicKey.fromBytes(fromHex(vs[1].pk))!;
    expect<bool>(a.verify(fromHex(vs[1].msg), fromHex(vs[1].sig))).toBe(false);
    expect<bool>(b.verify(fromHex(vs[1].msg), fromHex(vs[1].sig))).toBe(true);
    expect<bool>(a.verify(fromHex(vs[0].msg), fromHex(vs[0].sig))).toBe(true);
  });
  it("does not keep a reference to the caller's bytes", () => {
    const v = vectors()[2];
    const pk = fromHex(v.pk);
    const key = Ed25519PublicKey.fromBytes(pk)!;
    pk[0] ^= 1;
    expect<bool>(key.verify(fromHex(v.msg), fromHex(v.sig))).toBe(true);
  });
  it("refuses the keys ed25519Verify can never accept", () => {
    for (let i = 0; i < SMALL_ORDER_HEX.length; i++) {
      expect<bool>(Ed25519PublicKey.fromBytes(fromHex(SMALL_ORDER_HEX[i])) == null).toBe(true);
    }
    expect<bool>(Ed25519PublicKey.fromBytes(fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")) == null).toBe(true);
    expect<bool>(Ed25519PublicKey.fromBytes(fromHex("0100000000000000000000000000000000000000000000000000000000000080")) == null).toBe(true);
    expect<bool>(Ed25519PublicKey.fromBytes(fromHex(vectors()[0].pk).subarray(0, 31)) == null).toBe(true);
    expect<bool>(Ed25519PublicKey.fromBytes(new Uint8Array(0)) == null).toBe(true);
  });
  it("applies the signature rules: small-order R, S >= L", () => {
    const v = vectors()[0];
    const key = Ed25519PublicKey.fromBytes(fromHex(v.pk))!;
    for (let i = 0; i < SMALL_ORDER_HEX.length; i++) {
      const sig = fromHex(v.sig);
      sig.set(fromHex(SMALL_ORDER_HEX[i]));
      expect<bool>(key.verify(new Uint8Array(0), sig)).toBe(false);
    }
    const eqL = fromHex(v.sig);
    eqL.set(fromHex(L_HEX), 32);
    expect<bool>(key.verify(new Uint8Array(0), eqL)).toBe(false);
    // S + L satisfies the group equation: only the S < L check rejects it
    const l = fromHex(L_HEX);
    const lax = fromHex(v.sig);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const t = <i32>lax[32 + i] + <i32>l[i] + carry;
      lax[32 + i] = <u8>t;
      carry = t >> 8;
    }
    expect<i32>(carry).toBe(0);
    expect<bool>(key.verify(new Uint8Array(0), lax)).toBe(false);
    expect<bool>(key.verify(new Uint8Array(0), fromHex(v.sig))).toBe(true);
  });
});

describe("Ed25519 internals", () => {
  it("round-trips the base point and the RFC public keys", () => {
    const out = new Uint8Array(32);
    expect<bool>(ed25519RoundTripPoint(fromHex(B_HEX), out)).toBe(true);
    expect<string>(hex(out)).toBe(B_HEX);
    const vs = vectors();
    for (let i = 0; i < vs.length; i++) {
      expect<bool>(ed25519RoundTripPoint(fromHex(vs[i].pk), out)).toBe(true);
      expect<string>(hex(out)).toBe(vs[i].pk);
      expect<bool>(ed25519IsSmallOrder(fromHex(vs[i].pk))).toBe(false);
    }
  });
  it("the small-order table holds 8 distinct canonical points of order dividing 8", () => {
    const out = new Uint8Array(32);
    for (let i = 0; i < SMALL_ORDER_HEX.length; i++) {
      expect<bool>(ed25519RoundTripPoint(fromHex(SMALL_ORDER_HEX[i]), out)).toBe(true);
      expect<string>(hex(out)).toBe(SMALL_ORDER_HEX[i]);
      expect<bool>(ed25519IsSmallOrder(fromHex(SMALL_ORDER_HEX[i]))).toBe(true);
      for (let j = 0; j < i; j++) expect<bool>(SMALL_ORDER_HEX[i] == SMALL_ORDER_HEX[j]).toBe(false);
    }
    expect<bool>(ed25519IsSmallOrder(fromHex(B_HEX))).toBe(false);
  });
  it("reduces 512-bit scalars mod L", () => {
    const lx = new Uint8Array(64);
    lx.set(fromHex(L_HEX));
    expect<string>(hex(ed25519ReduceScalar(lx)!)).toBe("0000000000000000000000000000000000000000000000000000000000000000");
    const ones = new Uint8Array(64);
    ones.fill(0xff);
    expect<string>(hex(ed25519ReduceScalar(ones)!)).toBe(
      "000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903",
    );
    // 7 L^2 + 123456789
    const x = fromHex(
      "f48eddb4a7bd8134d1752cf23a0119d834b8a7be2a77a8b0375465c0c730e96b6f195711b716108d3ba998cea21a431200000000000000000000000000000007",
    );
    expect<string>(hex(ed25519ReduceScalar(x)!)).toBe("15cd5b0700000000000000000000000000000000000000000000000000000000");
    const small = new Uint8Array(64);
    small[0] = 5;
    expect<string>(hex(ed25519ReduceScalar(small)!)).toBe(
      "0500000000000000000000000000000000000000000000000000000000000000",
    );
    expect<bool>(ed25519ReduceScalar(new Uint8Array(63)) == null).toBe(true);
  });
});
