import { HashAlg } from "../../assembly/crypto/sha2";
import { Hmac, hmac, hmacVerify } from "../../assembly/crypto/hmac";
import { constantTimeEqual, constantTimeEqualRaw } from "../../assembly/crypto/ct";
import { base64UrlDecode } from "../../assembly/lib/base64";

function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function filled(n: i32, v: u8): Uint8Array {
  const a = new Uint8Array(n);
  a.fill(v);
  return a;
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

// RFC 4231 §4.2-4.8: [key, data, HMAC-SHA-256, HMAC-SHA-384, HMAC-SHA-512]
class Case {
  constructor(
    public key: Uint8Array,
    public data: Uint8Array,
    public s256: string,
    public s384: string,
    public s512: string,
  ) {}
}

function cases(): Case[] {
  const big = filled(131, 0xaa);
  return [
    new Case(
      filled(20, 0x0b),
      bytesOf("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
    ),
    new Case(
      bytesOf("Jefe"),
      bytesOf("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    ),
    new Case(
      filled(20, 0xaa),
      filled(50, 0xdd),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
      "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
    ),
    new Case(
      fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
      filled(50, 0xcd),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
      "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
    ),
    // Test case 5: the RFC lists the output truncated to 128 bits.
    new Case(
      filled(20, 0x0c),
      bytesOf("Test With Truncation"),
      "a3b6167473100ee06e0c796c2955552b",
      "3abf34c3503b2a23a46efc619baef897",
      "415fad6271580a531d4179bc891d87a6",
    ),
    new Case(
      big,
      bytesOf("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
      "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    ),
    new Case(
      big,
      bytesOf(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
      "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
    ),
  ];
}

function check(alg: HashAlg, c: Case, expected: string): void {
  const mac = hex(hmac(alg, c.key, c.data)).substr(0, expected.length);
  expect<string>(mac).toBe(expected);
  const h = new Hmac(alg, c.key);
  expect<string>(hex(h.compute(c.data)).substr(0, expected.length)).toBe(expected);
  // reusable: a second computation gives the same result
  expect<string>(hex(h.compute(c.data)).substr(0, expected.length)).toBe(expected);
}

describe("HMAC (RFC 4231 test cases 1-7)", () => {
  it("HMAC-SHA-256", () => {
    const cs = cases();
    for (let i = 0; i < cs.length; i++) check(HashAlg.SHA256, cs[i], cs[i].s256);
  });
  it("HMAC-SHA-384", () => {
    const cs = cases();
    for (let i = 0; i < cs.length; i++) check(HashAlg.SHA384, cs[i], cs[i].s384);
  });
  it("HMAC-SHA-512", () => {
    const cs = cases();
    for (let i = 0; i < cs.length; i++) check(HashAlg.SHA512, cs[i], cs[i].s512);
  });
  it("verifies full-length MACs and rejects truncated or altered ones", () => {
    const c = cases()[1];
    const mac = fromHex(c.s256);
    expect<bool>(hmacVerify(HashAlg.SHA256, c.key, c.data, mac)).toBe(true);
    expect<bool>(hmacVerify(HashAlg.SHA256, c.key, c.data, mac.subarray(0, 16))).toBe(false);
    mac[31] ^= 1;
    expect<bool>(hmacVerify(HashAlg.SHA256, c.key, c.data, mac)).toBe(false);
    expect<bool>(hmacVerify(HashAlg.SHA256, c.key, c.data, new Uint8Array(0))).toBe(false);
  });
  it("is total on unknown algorithms and empty keys", () => {
    expect<i32>(hmac(<HashAlg>5, bytesOf("k"), bytesOf("m")).length).toBe(0);
    const h = new Hmac(<HashAlg>-3, bytesOf("k"));
    expect<bool>(h.ok).toBe(false);
    expect<i32>(h.compute(bytesOf("m")).length).toBe(0);
    expect<bool>(h.verify(bytesOf("m"), new Uint8Array(0))).toBe(false);
    // empty key (node: createHmac('sha256', '').update('').digest('hex'))
    expect<string>(hex(hmac(HashAlg.SHA256, new Uint8Array(0), new Uint8Array(0)))).toBe(
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
    );
  });
});

describe("RFC 7515 Appendix A.1 (HS256 JWS)", () => {
  it("verifies the example signature with the JWK k", () => {
    const k = base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    );
    const sig = base64UrlDecode("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    expect<bool>(k != null && sig != null).toBe(true);
    const input = bytesOf(
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    );
    const h = new Hmac(HashAlg.SHA256, k!);
    expect<bool>(h.verify(input, sig!)).toBe(true);
    expect<bool>(constantTimeEqual(h.compute(input), sig!)).toBe(true);
    input[0] ^= 1;
    expect<bool>(h.verify(input, sig!)).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  it("compares contents and lengths", () => {
    expect<bool>(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect<bool>(constantTimeEqual(bytesOf("abc"), bytesOf("abc"))).toBe(true);
    expect<bool>(constantTimeEqual(bytesOf("abc"), bytesOf("abd"))).toBe(false);
    expect<bool>(constantTimeEqual(bytesOf("abc"), bytesOf("ab"))).toBe(false);
    const a = filled(37, 7);
    const b = filled(37, 7);
    expect<bool>(constantTimeEqual(a, b)).toBe(true);
    for (let i = 0; i < 37; i++) {
      b[i] ^= 0x80;
      expect<bool>(constantTimeEqual(a, b)).toBe(false);
      b[i] ^= 0x80;
    }
  });
  it("raw: zero length is equal, a negative length never is", () => {
    const a = filled(8, 1);
    const b = filled(8, 2);
    expect<bool>(constantTimeEqualRaw(a.dataStart, a.dataStart, 8)).toBe(true);
    expect<bool>(constantTimeEqualRaw(a.dataStart, b.dataStart, 8)).toBe(false);
    expect<bool>(constantTimeEqualRaw(a.dataStart, b.dataStart, 0)).toBe(true);
    expect<bool>(constantTimeEqualRaw(a.dataStart, a.dataStart, -1)).toBe(false);
    expect<bool>(constantTimeEqualRaw(a.dataStart, a.dataStart, i32.MIN_VALUE)).toBe(false);
  });
});
