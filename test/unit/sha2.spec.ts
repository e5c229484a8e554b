import {
  HashAlg,
  Sha256,
  Sha512,
  blockLength,
  digest,
  digestLength,
  sha256,
  sha384,
  sha512,
} from "../../assembly/crypto/sha2";

function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

const M448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const M896 =
  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

describe("SHA-256 (FIPS 180-4 examples)", () => {
  it("hashes the empty message", () => {
    expect<string>(hex(sha256(bytesOf("")))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
  it("hashes abc", () => {
    expect<string>(hex(sha256(bytesOf("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("hashes the 448-bit message", () => {
    expect<string>(hex(sha256(bytesOf(M448)))).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });
  it("hashes the 896-bit message", () => {
    expect<string>(hex(sha256(bytesOf(M896)))).toBe("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  });
  it("hashes one million 'a' streamed in odd chunks", () => {
    const chunk = new Uint8Array(999);
    chunk.fill(0x61);
    const h = new Sha256();
    let left = 1000000;
    while (left > 0) {
      const n = min(left, 999);
      h.update(n == 999 ? chunk : chunk.subarray(0, n));
      left -= n;
    }
    expect<string>(hex(h.finish())).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });
  it("streams byte by byte like one-shot, and resets after finish", () => {
    const m = bytesOf(M896);
    const h = new Sha256();
    for (let i = 0; i < m.length; i++) h.update(m.subarray(i, i + 1));
    expect<string>(hex(h.finish())).toBe(hex(sha256(m)));
    h.update(bytesOf("abc"));
    expect<string>(hex(h.finish())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("handles every length around the padding boundaries", () => {
    // lengths 0..130: one-shot must equal a split update at every split point of a few lengths
    for (let len = 0; len <= 130; len++) {
      const m = new Uint8Array(len);
      for (let i = 0; i < len; i++) m[i] = <u8>(i * 7 + len);
      const one = hex(sha256(m));
      const h = new Sha256();
      const cut = len >> 1;
      h.update(m.subarray(0, cut));
      h.update(m.subarray(cut));
      expect<string>(hex(h.finish())).toBe(one);
    }
  });
  it("ignores negative raw lengths", () => {
    const h = new Sha256();
    h.updateRaw(0, -5);
    expect<string>(hex(h.finish())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("SHA-384 (FIPS 180-4 examples)", () => {
  it("hashes the empty message", () => {
    expect<string>(hex(sha384(bytesOf("")))).toBe(
      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    );
  });
  it("hashes abc", () => {
    expect<string>(hex(sha384(bytesOf("abc")))).toBe(
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    );
  });
  it("hashes the 448-bit message", () => {
    expect<string>(hex(sha384(bytesOf(M448)))).toBe(
      "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
    );
  });
  it("hashes the 896-bit message", () => {
    expect<string>(hex(sha384(bytesOf(M896)))).toBe(
      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
    );
  });
  it("hashes one million 'a'", () => {
    const chunk = new Uint8Array(1000);
    chunk.fill(0x61);
    const h = new Sha512(true);
    for (let i = 0; i < 1000; i++) h.update(chunk);
    expect<string>(hex(h.finish())).toBe(
      "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
    );
  });
});

describe("SHA-512 (FIPS 180-4 examples)", () => {
  it("hashes the empty message", () => {
    expect<string>(hex(sha512(bytesOf("")))).toBe(
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    );
  });
  it("hashes abc", () => {
    expect<string>(hex(sha512(bytesOf("abc")))).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
  });
  it("hashes the 448-bit message", () => {
    expect<string>(hex(sha512(bytesOf(M448)))).toBe(
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
    );
  });
  it("hashes the 896-bit message", () => {
    expect<string>(hex(sha512(bytesOf(M896)))).toBe(
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    );
  });
  it("hashes one million 'a'", () => {
    const chunk = new Uint8Array(1000);
    chunk.fill(0x61);
    const h = new Sha512();
    for (let i = 0; i < 1000; i++) h.update(chunk);
    expect<string>(hex(h.finish())).toBe(
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
    );
  });
  it("handles every length around the padding boundaries", () => {
    for (let len = 0; len <= 260; len++) {
      const m = new Uint8Array(len);
      for (let i = 0; i < len; i++) m[i] = <u8>(i * 13 + len);
      const one = hex(sha512(m));
      const h = new Sha512();
      const cut = (len * 3) >> 2;
      h.update(m.subarray(0, cut));
      h.update(m.subarray(cut));
      expect<string>(hex(h.finish())).toBe(one);
    }
  });
});

describe("SHA-2 dispatch", () => {
  it("reports lengths", () => {
    expect<i32>(digestLength(HashAlg.SHA256)).toBe(32);
    expect<i32>(digestLength(HashAlg.SHA384)).toBe(48);
    expect<i32>(digestLength(HashAlg.SHA512)).toBe(64);
    expect<i32>(blockLength(HashAlg.SHA256)).toBe(64);
    expect<i32>(blockLength(HashAlg.SHA384)).toBe(128);
    expect<i32>(blockLength(HashAlg.SHA512)).toBe(128);
    expect<i32>(digestLength(<HashAlg>7)).toBe(0);
    expect<i32>(blockLength(<HashAlg>-1)).toBe(0);
  });
  it("digest() matches the one-shot functions and returns empty for unknown values", () => {
    const m = bytesOf("abc");
    expect<string>(hex(digest(HashAlg.SHA256, m))).toBe(hex(sha256(m)));
    expect<string>(hex(digest(HashAlg.SHA384, m))).toBe(hex(sha384(m)));
    expect<string>(hex(digest(HashAlg.SHA512, m))).toBe(hex(sha512(m)));
    expect<i32>(digest(<HashAlg>9, m).length).toBe(0);
  });
});
