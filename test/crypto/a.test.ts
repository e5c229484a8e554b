// Differential and fuzz tests for SHA-2, HMAC, constant-time compare, Ed25519 and JWK/JWKS parsing,
// run on the -O3 Wasm build of test/fixtures/crypto-a (asserts kept, as in the plugins' build)
// against node:crypto (OpenSSL).
//
//   node --import tsx --test test/crypto/a.test.ts          (CRYPTO_SEED=<n> to replay a run)
//
// Every call goes through Fixture, which records any abort; a trap is a thrown
// WebAssembly.RuntimeError. Both fail the test: the rule is "never trap on any input".

import { test, before } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { CryptoA, Hash, loadCryptoA } from "../../scripts/bench-crypto.ts";

const SEED = Number(process.env.CRYPTO_SEED ?? Math.floor(Math.random() * 2 ** 31));

// mulberry32: small deterministic PRNG so a failing run can be replayed with CRYPTO_SEED.
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    bytes: (n: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}

const NODE_HASH = ["sha256", "sha384", "sha512"] as const;
let wasm: CryptoA;

before(async () => {
  wasm = await loadCryptoA();
  console.log(`# CRYPTO_SEED=${SEED}`);
});

/** Runs fn, turning a Wasm trap or abort into a descriptive assertion failure. */
function noTrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    assert.fail(`${what}: trapped (${e instanceof WebAssembly.RuntimeError ? "RuntimeError" : "error"}: ${(e as Error).message})`);
  }
}

function checkNoAborts(): void {
  assert.deepEqual(wasm.aborts, [], "abort() was called");
}

// Lengths near block boundaries are where padding bugs live.
function interestingLength(r: ReturnType<typeof prng>): number {
  const edges = [0, 1, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 191, 192, 255, 256, 257];
  return r.next() < 0.4 ? edges[r.int(edges.length)] + r.int(2) * 128 : r.int(3000);
}

// ---------------------------------------------------------------------------------------------
// SHA-2

test("SHA-256/384/512 match node:crypto on 3000 random messages (one-shot and streamed)", () => {
  const r = prng(SEED ^ 1);
  for (let i = 0; i < 3000; i++) {
    const msg = r.bytes(interestingLength(r));
    const alg = (i % 3) as Hash;
    const want = crypto.createHash(NODE_HASH[alg]).update(msg).digest("hex");
    assert.equal(noTrap("sha", () => wasm.sha(alg, msg)).toString("hex"), want, `alg ${alg} len ${msg.length}`);
    const c1 = r.int(msg.length + 1);
    const c2 = c1 + r.int(msg.length - c1 + 1);
    assert.equal(wasm.shaStream(alg, msg, c1, c2).toString("hex"), want, `stream alg ${alg} len ${msg.length} cuts ${c1},${c2}`);
  }
  checkNoAborts();
});

test("SHA-256 of one million 'a' (FIPS 180-4 example)", () => {
  const msg = Buffer.alloc(1_000_000, 0x61);
  assert.equal(wasm.sha(Hash.SHA256, msg).toString("hex"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  assert.equal(wasm.sha(Hash.SHA512, msg).toString("hex"), crypto.createHash("sha512").update(msg).digest("hex"));
});

test("unknown hash ids give an empty digest, not a trap", () => {
  for (const alg of [-1, 3, 99, 0x7fffffff]) {
    assert.equal(wasm.sha(alg as Hash, Buffer.from("abc")).length, 0);
    assert.equal(wasm.hmac(alg as Hash, Buffer.from("k"), Buffer.from("abc")).length, 0);
    assert.equal(wasm.hmacSetKey(alg as Hash, Buffer.from("k")), false);
  }
  checkNoAborts();
});

// ---------------------------------------------------------------------------------------------
// HMAC

test("HMAC-SHA-256/384/512 match node:crypto on 3000 random keys and messages", () => {
  const r = prng(SEED ^ 2);
  for (let i = 0; i < 3000; i++) {
    const alg = (i % 3) as Hash;
    const key = r.bytes(r.next() < 0.3 ? [0, 1, 63, 64, 65, 127, 128, 129][r.int(8)] : r.int(300));
    const msg = r.bytes(interestingLength(r) % 1500);
    const want = crypto.createHmac(NODE_HASH[alg], key).update(msg).digest("hex");
    assert.equal(noTrap("hmac", () => wasm.hmac(alg, key, msg)).toString("hex"), want, `alg ${alg} key ${key.length} msg ${msg.length}`);
  }
  checkNoAborts();
});

test("keyed HMAC objects: compute and constant-time verify match node:crypto", () => {
  const r = prng(SEED ^ 3);
  for (let i = 0; i < 300; i++) {
    const alg = (i % 3) as Hash;
    const key = r.bytes(r.int(200));
    assert.equal(wasm.hmacSetKey(alg, key), true);
    for (let j = 0; j < 5; j++) {
      const msg = r.bytes(r.int(700));
      const mac = crypto.createHmac(NODE_HASH[alg], key).update(msg).digest();
      assert.equal(wasm.hmacKeyed(msg).toString("hex"), mac.toString("hex"));
      assert.equal(wasm.hmacKeyedVerify(msg, mac), true);
      const bad = Buffer.from(mac);
      bad[r.int(bad.length)] ^= 1 << r.int(8);
      assert.equal(wasm.hmacKeyedVerify(msg, bad), false);
      assert.equal(wasm.hmacKeyedVerify(msg, mac.subarray(0, mac.length - 1)), false, "truncated MAC");
      assert.equal(wasm.hmacKeyedVerify(msg, Buffer.alloc(0)), false, "empty MAC");
    }
  }
  checkNoAborts();
});

test("constantTimeEqual agrees with Buffer.equals", () => {
  const r = prng(SEED ^ 4);
  for (let i = 0; i < 2000; i++) {
    const a = r.bytes(r.int(100));
    const b = Buffer.from(a);
    if (a.length > 0 && r.next() < 0.5) b[r.int(b.length)] ^= 1 << r.int(8);
    assert.equal(wasm.ctEqual(a, b), a.equals(b));
  }
  // raw lengths: 0 is equal (two empty arrays), a negative length never is
  const p = wasm.put(Buffer.from("abcdefgh"));
  assert.equal(wasm.exports.ctEqual(p, p, 8), 1);
  assert.equal(wasm.exports.ctEqual(p, p, 0), 1);
  assert.equal(wasm.exports.ctEqual(p, p, -1), 0);
  assert.equal(wasm.exports.ctEqual(p, p, -0x80000000), 0);
  wasm.free(p);
});

// ---------------------------------------------------------------------------------------------
// Ed25519

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

function edKey(seed: Buffer) {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
  const publicKey = crypto.createPublicKey(privateKey);
  const pk = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  return { privateKey, publicKey, pk };
}

function flip(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}

test("Ed25519: 500 node:crypto keys verify, and single-bit flips of signature, message and key fail", () => {
  const r = prng(SEED ^ 5);
  let verifies = 0;
  for (let i = 0; i < 500; i++) {
    const { privateKey, publicKey, pk } = edKey(r.bytes(32));
    const msg = r.bytes(r.next() < 0.1 ? 0 : r.int(400));
    const sig = crypto.sign(null, msg, privateKey);
    assert.equal(noTrap("ed25519", () => wasm.edVerify(pk, msg, sig)), true, `key ${i} msg ${msg.length}`);
    verifies++;
    // every signature bit for the first 4 keys, a sample for the rest
    const sigBits = i < 4 ? [...Array(512).keys()] : Array.from({ length: 12 }, () => r.int(512));
    for (const bit of sigBits) {
      assert.equal(wasm.edVerify(pk, msg, flip(sig, bit)), false, `key ${i} sig bit ${bit}`);
      verifies++;
    }
    for (let j = 0; j < 6; j++) {
      const bit = r.int(256);
      const pk2 = flip(pk, bit);
      assert.equal(wasm.edVerify(pk2, msg, sig), false, `key ${i} pk bit ${bit}`);
      verifies++;
    }
    if (msg.length > 0) {
      for (let j = 0; j < 6; j++) {
        const bit = r.int(msg.length * 8);
        const m2 = flip(msg, bit);
        assert.equal(crypto.verify(null, m2, publicKey, sig), false);
        assert.equal(wasm.edVerify(pk, m2, sig), false, `key ${i} msg bit ${bit}`);
        verifies++;
      }
    }
    assert.equal(wasm.edVerify(pk, Buffer.concat([msg, Buffer.from([0])]), sig), false, "appended byte");
  }
  assert.ok(verifies > 10000);
  checkNoAborts();
});

test("Ed25519PublicKey (prepared once) agrees with ed25519Verify on valid, flipped, mutated and random inputs", () => {
  const r = prng(SEED ^ 9);
  let compared = 0;
  for (let i = 0; i < 150; i++) {
    const { privateKey, pk } = edKey(r.bytes(32));
    assert.equal(wasm.edKeySet(pk), true, `key ${i}`);
    for (let j = 0; j < 8; j++) {
      const msg = r.bytes(r.int(300));
      const sig = crypto.sign(null, msg, privateKey);
      assert.equal(wasm.edKeyVerify(msg, sig), 1, `key ${i} msg ${j}`);
      compared++;
      // the same triple mutated: both paths must give the same answer (false)
      for (let k = 0; k < 6; k++) {
        const s2 = k < 3 ? flip(sig, r.int(512)) : sig;
        const m2 = k >= 3 && msg.length > 0 ? flip(msg, r.int(msg.length * 8)) : msg;
        if (s2 === sig && m2 === msg) continue;
        const want = wasm.edVerify(pk, m2, s2) ? 1 : 0;
        assert.equal(want, 0);
        assert.equal(noTrap("edKeyVerify", () => wasm.edKeyVerify(m2, s2)), want, `key ${i} mutation ${k}`);
        compared++;
      }
      // wrong lengths
      assert.equal(wasm.edKeyVerify(msg, sig.subarray(0, 63)), 0);
      assert.equal(wasm.edKeyVerify(msg, Buffer.concat([sig, Buffer.alloc(1)])), 0);
    }
  }
  // random 32-byte keys: the prepared key exists exactly when ed25519Verify could accept anything
  // with that key, and then both paths agree on random signatures
  let prepared = 0;
  for (let i = 0; i < 3000; i++) {
    const pk = r.bytes(r.next() < 0.95 ? 32 : r.int(40));
    const ok = noTrap("edKeySet", () => wasm.edKeySet(pk));
    if (pk.length !== 32) assert.equal(ok, false);
    if (!ok) {
      assert.equal(wasm.edKeyVerify(Buffer.from("m"), r.bytes(64)), -1);
      continue;
    }
    prepared++;
    const msg = r.bytes(r.int(64));
    const sig = r.bytes(64);
    sig[63] &= 0x0f;
    assert.equal(wasm.edKeyVerify(msg, sig), wasm.edVerify(pk, msg, sig) ? 1 : 0);
    compared++;
  }
  assert.ok(prepared > 1000, `only ${prepared} random keys decoded`);
  assert.ok(compared > 5000);
  checkNoAborts();
});

// Arithmetic for the strictness checks below (BigInt, test side only).
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const leToBig = (b: Buffer) => BigInt("0x" + (Buffer.from(b).reverse().toString("hex") || "0"));
const bigToLe = (x: bigint, n = 32) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++, x >>= 8n) b[i] = Number(x & 0xffn);
  return b;
};

test("Ed25519 strictness where OpenSSL may be laxer: small-order R, S >= L, small-order A", () => {
  const r = prng(SEED ^ 6);
  for (let i = 0; i < 20; i++) {
    const seed = r.bytes(32);
    const { privateKey, publicKey, pk } = edKey(seed);
    const msg = r.bytes(r.int(100));
    // R = identity, S = k * a mod L: satisfies the cofactorless equation, R has small order.
    // (OpenSSL 3.0 accepts this signature; we reject it, like libsodium.)
    const h = crypto.createHash("sha512").update(seed).digest();
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    const a = leToBig(h.subarray(0, 32));
    const R = bigToLe(1n);
    const k = leToBig(crypto.createHash("sha512").update(Buffer.concat([R, pk, msg])).digest()) % L;
    const forged = Buffer.concat([R, bigToLe((k * a) % L)]);
    assert.equal(wasm.edVerify(pk, msg, forged), false, "small-order R must be rejected");
    assert.equal(wasm.edKeySet(pk), true);
    assert.equal(wasm.edKeyVerify(msg, forged), 0, "small-order R must be rejected (prepared key)");
    // S + L: same group equation, non-canonical scalar
    const sig = crypto.sign(null, msg, privateKey);
    const s = leToBig(sig.subarray(32));
    if (s + L < 2n ** 256n) {
      const lax = Buffer.concat([sig.subarray(0, 32), bigToLe(s + L)]);
      assert.equal(wasm.edVerify(pk, msg, lax), false, "S + L must be rejected");
      assert.equal(wasm.edKeyVerify(msg, lax), 0, "S + L must be rejected (prepared key)");
      assert.equal(wasm.edKeyVerify(msg, sig), 1);
      assert.equal(crypto.verify(null, msg, publicKey, lax), false, "OpenSSL also rejects S >= L");
    }
  }
  // A = identity, R = B, S = 1 "verifies" every message under a lax cofactorless check
  // (OpenSSL 3.0 accepts it for any message).
  const B = Buffer.from("5866666666666666666666666666666666666666666666666666666666666666", "hex");
  const one = bigToLe(1n);
  assert.equal(wasm.edVerify(bigToLe(1n), Buffer.from("any"), Buffer.concat([B, one])), false);
  assert.equal(wasm.edKeySet(bigToLe(1n)), false, "no prepared key for a small-order A");
  checkNoAborts();
});

test("Ed25519 fuzz: 20000 random and mutated inputs never trap and never verify", () => {
  const r = prng(SEED ^ 7);
  const base = edKey(r.bytes(32));
  const baseMsg = r.bytes(64);
  const baseSig = crypto.sign(null, baseMsg, base.privateKey);
  let accepted = 0;
  for (let i = 0; i < 20000; i++) {
    const mode = i % 4;
    let pk: Buffer, msg: Buffer, sig: Buffer;
    if (mode === 0) {
      // pure noise, sometimes wrong lengths
      pk = r.bytes(r.next() < 0.9 ? 32 : r.int(70));
      sig = r.bytes(r.next() < 0.9 ? 64 : r.int(130));
      msg = r.bytes(r.int(200));
    } else if (mode === 1) {
      // valid key, random R, canonical-looking random S (reaches the full double-scalar path)
      pk = base.pk;
      sig = r.bytes(64);
      sig[63] &= 0x0f;
      msg = r.bytes(r.int(200));
    } else if (mode === 2) {
      // random y (often decodes), canonical S
      pk = r.bytes(32);
      sig = r.bytes(64);
      sig[63] &= 0x0f;
      msg = baseMsg;
    } else {
      // several random byte mutations of a valid signature triple
      pk = Buffer.from(base.pk);
      sig = Buffer.from(baseSig);
      msg = Buffer.from(baseMsg);
      const n = 1 + r.int(4);
      for (let j = 0; j < n; j++) {
        const which = r.int(3);
        const t = which === 0 ? pk : which === 1 ? sig : msg;
        t[r.int(t.length)] = r.int(256);
      }
      if (pk.equals(base.pk) && sig.equals(baseSig) && msg.equals(baseMsg)) continue;
    }
    const ok = noTrap(`ed25519 fuzz #${i}`, () => wasm.edVerify(pk, msg, sig));
    if (ok) {
      // only possible if the mutation produced another valid signature; OpenSSL must agree
      accepted++;
      assert.equal(pk.length === 32 && crypto.verify(null, msg, crypto.createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: pk.toString("base64url") }, format: "jwk" }), sig), true);
    }
  }
  assert.equal(accepted, 0);
  checkNoAborts();
});

// ---------------------------------------------------------------------------------------------
// JWK / JWKS

const b64hex = (s: string) => Buffer.from(s, "base64url").toString("hex");
const BUILT: Record<string, string> = { RSA: "rsa", EC: "ec", OKP: "ed", oct: "oct" };
const stripHex = (h: string) => h.replace(/^(00)+/, "");

test("JWKS: keys generated and exported by node:crypto parse to the same key material", () => {
  const jwks: Record<string, unknown>[] = [];
  const expected: Record<string, string>[] = [];
  const add = (jwk: Record<string, unknown>, want: Record<string, string>) => {
    jwks.push(jwk);
    expected.push(want);
  };
  for (const bits of [2048, 3072, 4096]) {
    const jwk = crypto.generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "jwk" });
    add({ ...jwk, kid: `rsa-${bits}`, alg: "RS256", use: "sig" },
      { kty: "RSA", kid: `rsa-${bits}`, n: stripHex(b64hex(jwk.n!)), e: stripHex(b64hex(jwk.e!)), bits: String(bits),
        built: "rsa", rsaBits: String(bits) });
  }
  for (const [crv, size] of [["P-256", 32], ["P-384", 48]] as const) {
    for (let i = 0; i < 4; i++) {
      const jwk = crypto.generateKeyPairSync("ec", { namedCurve: crv }).publicKey.export({ format: "jwk" });
      assert.equal(Buffer.from(jwk.x!, "base64url").length, size);
      add({ ...jwk, kid: `${crv}-${i}` }, { kty: "EC", crv, x: b64hex(jwk.x!), y: b64hex(jwk.y!), built: "ec" });
    }
  }
  for (let i = 0; i < 4; i++) {
    const jwk = crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    add({ ...jwk, alg: "EdDSA" }, { kty: "OKP", crv: "Ed25519", x: b64hex(jwk.x!), built: "ed" });
  }
  const secret = crypto.randomBytes(32);
  add({ kty: "oct", k: secret.toString("base64url"), alg: "HS256" }, { kty: "oct", k: secret.toString("hex"), built: "oct" });

  const r = wasm.jwks(JSON.stringify({ keys: jwks }));
  assert.equal(r.valid, true);
  assert.deepEqual(r.errors, []);
  assert.equal(r.keys.length, expected.length);
  r.keys.forEach((k, i) => {
    for (const [name, value] of Object.entries(expected[i])) {
      assert.equal(String(k[name]), value, `key ${i} ${name}`);
    }
  });
  checkNoAborts();
});

test("JWKS: unsupported keys are reported by name, the rest kept", () => {
  const pub = (type: string, opts: object = {}) =>
    (crypto.generateKeyPairSync(type as never, opts as never) as crypto.KeyPairKeyObjectResult).publicKey.export({ format: "jwk" });
  const good = pub("ed25519");
  const doc = {
    keys: [
      { ...pub("x25519"), kid: "x" },
      { ...pub("ed448"), kid: "ed448" },
      { ...pub("ec", { namedCurve: "P-521" }), kid: "p521" },
      { ...pub("ec", { namedCurve: "secp256k1" }), kid: "k1" },
      { ...pub("rsa", { modulusLength: 1024 }), kid: "small" },
      { ...pub("rsa", { modulusLength: 2048 }), kid: "enc", use: "enc" },
      { kty: "EC", crv: "P-256", kid: "no-y", x: good.x },
      good,
    ],
  };
  const r = wasm.jwks(JSON.stringify(doc));
  assert.equal(r.keys.length, 1);
  assert.equal(r.keys[0].x, b64hex(good.x!));
  assert.deepEqual(r.errors, [
    'keys[0] (kid "x"): unsupported crv "X25519" for kty OKP',
    'keys[1] (kid "ed448"): unsupported crv "Ed448" for kty OKP',
    'keys[2] (kid "p521"): unsupported crv "P-521" for kty EC',
    'keys[3] (kid "k1"): unsupported crv "secp256k1" for kty EC',
    'keys[4] (kid "small"): RSA modulus has 1024 bits, minimum is 2048',
    'keys[5] (kid "enc"): "use" is "enc", not "sig"',
    'keys[6] (kid "no-y"): missing "y"',
  ]);
  // the minimum is a parameter
  assert.equal(wasm.jwks(JSON.stringify({ keys: [doc.keys[4]] }), 1024).keys.length, 1);
  checkNoAborts();
});

test("JWKS fuzz: 20000 random and mutated documents never trap", () => {
  const r = prng(SEED ^ 8);
  const base = JSON.stringify({
    keys: [
      { kty: "RSA", kid: "r", alg: "RS256", use: "sig", e: "AQAB",
        n: crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" }).n },
      { ...crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" }), kid: "e" },
      { ...crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }), key_ops: ["verify"] },
      { kty: "oct", k: "c2VjcmV0", alg: "HS256" },
    ],
  });
  const tokens = ['"', "{", "}", "[", "]", ",", ":", "null", "true", "1e999", '"kty"', '"RSA"', '"EC"', '"OKP"',
    '"oct"', '"keys"', '"n"', '"x"', '"crv"', '"P-256"', '"Ed25519"', "\\u0000", "\\ud800", "\u00ff", "-0", '"AQAB"'];
  let parsedKeys = 0;
  for (let i = 0; i < 20000; i++) {
    let doc: Buffer;
    const mode = i % 4;
    if (mode === 0) {
      doc = r.bytes(r.int(300));
    } else if (mode === 1) {
      // random token soup
      let s = "";
      const n = r.int(40);
      for (let j = 0; j < n; j++) s += tokens[r.int(tokens.length)];
      doc = Buffer.from(s);
    } else {
      // mutations of a valid document: byte changes, deletions, insertions, truncation
      let s = Buffer.from(base);
      const n = 1 + r.int(mode === 2 ? 3 : 12);
      for (let j = 0; j < n; j++) {
        const at = r.int(s.length + 1);
        const op = r.int(4);
        if (op === 0 && s.length > 0) s[Math.min(at, s.length - 1)] = r.int(256);
        else if (op === 1) s = Buffer.concat([s.subarray(0, at), s.subarray(Math.min(s.length, at + 1 + r.int(8)))]);
        else if (op === 2) s = Buffer.concat([s.subarray(0, at), Buffer.from(tokens[r.int(tokens.length)]), s.subarray(at)]);
        else s = s.subarray(0, at);
      }
      doc = s;
    }
    const res = noTrap(`jwks fuzz #${i} ${doc.toString("base64")}`, () => wasm.jwks(doc, r.int(3) * 1024));
    parsedKeys += res.keys.length;
    // listed as usable means built: every key carries the object its kty needs
    for (const k of res.keys) assert.equal(k.built, BUILT[k.kty], `jwks fuzz #${i}: ${JSON.stringify(k)}`);
    if (!res.valid) assert.equal(res.keys.length, 0);
  }
  assert.ok(parsedKeys > 0, "mutations should keep some keys");
  checkNoAborts();
});

test("JWKS: a listed key is a usable key: each verifies node:crypto signatures through the object it carries", () => {
  const msg = Buffer.from("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2FibGUifQ");
  const pss = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING };
  type Case = { jwk: Record<string, unknown>; alg: string; sig: Buffer };
  const cases: Case[] = [];
  const rsa = (bits: number, alg: string, hash: string, isPss: boolean, e = 65537) => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: e });
    const hLen = { sha256: 32, sha384: 48, sha512: 64 }[hash]!;
    const sig = isPss ? crypto.sign(hash, msg, { key: privateKey, ...pss, saltLength: hLen }) : crypto.sign(hash, msg, privateKey);
    cases.push({ jwk: publicKey.export({ format: "jwk" }) as Record<string, unknown>, alg, sig });
  };
  rsa(2048, "RS256", "sha256", false);
  rsa(2048, "PS384", "sha384", true);
  rsa(3072, "RS512", "sha512", false, 3);
  rsa(512, "RS256", "sha256", false); // usable only because minRsaBits 0 is clamped to 512, not below
  for (const [crv, hash, alg] of [["P-256", "sha256", "ES256"], ["P-384", "sha384", "ES384"]] as const) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: crv });
    const sig = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: "ieee-p1363" });
    cases.push({ jwk: publicKey.export({ format: "jwk" }) as Record<string, unknown>, alg, sig });
  }
  {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    cases.push({ jwk: publicKey.export({ format: "jwk" }) as Record<string, unknown>, alg: "EdDSA", sig: crypto.sign(null, msg, privateKey) });
  }
  const r = wasm.jwks(JSON.stringify({ keys: cases.map((c) => c.jwk) }), 0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.keys.length, cases.length);
  cases.forEach((c, i) => {
    assert.equal(r.keys[i].built, BUILT[r.keys[i].kty], `key ${i}`);
    assert.equal(wasm.jwkVerify(i, c.alg, msg, c.sig), 1, `key ${i} ${c.alg}`);
    assert.equal(wasm.jwkVerify(i, c.alg, Buffer.concat([msg, Buffer.from("x")]), c.sig), 0, `key ${i} ${c.alg} other message`);
    const bad = Buffer.from(c.sig);
    bad[bad.length >> 1] ^= 0x10;
    assert.equal(wasm.jwkVerify(i, c.alg, msg, bad), 0, `key ${i} ${c.alg} flipped signature`);
  });
  checkNoAborts();
});

test("JWKS: keys the constructors refuse are never listed (off-curve EC, RSA outside 512..8192 bits, e over 32 bits)", () => {
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const y = Buffer.from(ec.y!, "base64url");
  y[31] ^= 1;
  const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
  const ones = (bytes: number) => Buffer.alloc(bytes, 0xff).toString("base64url");
  const doc = {
    keys: [
      { ...ec, kid: "off-curve", y: y.toString("base64url") },
      { ...ec, kid: "x=p", x: Buffer.from("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", "hex").toString("base64url") },
      { kty: "RSA", kid: "384", n: ones(48), e: "AQAB" },
      { kty: "RSA", kid: "8200", n: ones(1025), e: "AQAB" },
      { ...rsa, kid: "e65", e: Buffer.from("010000000000000001", "hex").toString("base64url") },
      { ...rsa, kid: "e33", e: Buffer.from("010000000f", "hex").toString("base64url") },
      { ...rsa, kid: "good" },
    ],
  };
  // the options ask for more than RsaPublicKey supports: they are clamped to 512..8192
  const r = wasm.jwks(JSON.stringify(doc), 0, 100000);
  assert.deepEqual(r.keys.map((k) => k.kid), ["good"]);
  assert.deepEqual(r.errors, [
    'keys[0] (kid "off-curve"): P-256 ("x", "y") is not a point on the curve',
    'keys[1] (kid "x=p"): P-256 ("x", "y") is not a point on the curve',
    'keys[2] (kid "384"): RSA modulus has 384 bits, minimum is 512',
    'keys[3] (kid "8200"): RSA modulus has 8200 bits, maximum is 8192',
    'keys[4] (kid "e65"): RSA exponent is larger than 32 bits',
    'keys[5] (kid "e33"): RSA exponent is larger than 32 bits',
  ]);
  // 8192 bits is within both bounds
  assert.equal(wasm.jwks(JSON.stringify({ keys: [{ kty: "RSA", n: ones(1024), e: "AQAB" }] }), 0, 100000).keys[0].rsaBits, 8192);
  checkNoAborts();
});
