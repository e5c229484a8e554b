// Differential and fuzz tests for the public-key code (bigint, RSA PKCS#1 v1.5 / PSS, ECDSA P-256 /
// P-384), run on the -O3 Wasm build of test/fixtures/crypto-b against node:crypto (OpenSSL).
//
//   node --import tsx --test test/crypto/b.test.ts          (CRYPTO_SEED=<n> to replay a run)
//
// Every call into Wasm goes through call(): a trap (WebAssembly.RuntimeError) or a call of the
// module's abort import fails the test. The rule is "never trap on any input".

import { test, before } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { promisify } from "node:util";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/dist/asc.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SEED = Number(process.env.CRYPTO_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FUZZ = 20_000; // random inputs per entry point / key constructor

// ---------------------------------------------------------------------------------------------
// Deterministic randomness (mulberry32), so a failing run can be replayed with CRYPTO_SEED.

function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    bytes: (n: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
  };
}
const rnd = prng(SEED);

// ---------------------------------------------------------------------------------------------
// The fixture module

async function compile(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let errors = "";
  const { error } = await asc.main(
    [
      join(ROOT, "test/fixtures/crypto-b/index.ts"),
      "--runtime", "incremental",
      "--exportRuntime",
      "-O3",
      // not the repo's asconfig.json: no WASI shim here, so an abort shows up as the env.abort import
      "--config", "no-such-asconfig.json",
      "--outFile", "crypto-b.wasm",
    ],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
      },
      stdout: { write: () => true } as never,
      stderr: { write: (s: string) => ((errors += s), true) } as never,
    },
  );
  if (error || binary == null) throw new Error(`asc failed: ${error?.message ?? ""}\n${errors}`);
  return binary;
}

const enum Scheme { PKCS1 = 0, PSS = 1 }
const HASHES = ["sha256", "sha384", "sha512"] as const;
type HashName = (typeof HASHES)[number];
const HLEN: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };
const hashId = (h: HashName) => HASHES.indexOf(h);

class CryptoB {
  readonly x: Record<string, any>;
  readonly memory: WebAssembly.Memory;
  readonly size: number;
  aborts: string[] = [];
  calls = 0;

  constructor(binary: Uint8Array) {
    const mod = new WebAssembly.Module(binary);
    const imports = WebAssembly.Module.imports(mod);
    for (const i of imports) {
      if (!(i.module === "env" && i.name === "abort")) throw new Error(`unexpected import ${i.module}.${i.name}`);
    }
    const inst = new WebAssembly.Instance(mod, {
      env: {
        abort: (_m: number, _f: number, line: number, col: number) => {
          this.aborts.push(`abort at ${line}:${col}`);
          throw new Error(`abort at ${line}:${col}`);
        },
      },
    });
    this.x = inst.exports as Record<string, any>;
    this.memory = this.x.memory as WebAssembly.Memory;
    this.size = binary.length;
  }

  /** Calls an export; a trap or abort fails the test with `what` in the message. */
  call(what: string, fn: () => number): number {
    this.calls++;
    try {
      return fn();
    } catch (e) {
      assert.fail(`${what}: trapped (${e instanceof WebAssembly.RuntimeError ? "RuntimeError" : "error"}: ${(e as Error).message})`);
    }
  }

  put(slot: number, data: Uint8Array): void {
    const p = this.call("input", () => this.x.input(slot, data.length));
    assert.ok(p !== 0, "input() refused");
    new Uint8Array(this.memory.buffer, p, data.length).set(data);
  }

  output(): Buffer {
    return Buffer.from(new Uint8Array(this.memory.buffer, this.x.outputPtr(), this.x.outputLen()));
  }

  rsaKey(h: number, n: Uint8Array, e: Uint8Array, minBits = 2048): boolean {
    this.put(0, n);
    this.put(1, e);
    return this.call("rsaKey", () => this.x.rsaKey(h, 0, 1, minBits)) === 1;
  }

  rsaVerify(h: number, scheme: Scheme, alg: number, msg: Uint8Array, sig: Uint8Array, digest = false): boolean {
    this.put(2, msg);
    this.put(3, sig);
    const r = this.call("rsaVerify", () => this.x.rsaVerify(h, scheme, alg, 2, 3, digest ? 1 : 0));
    assert.ok(r === 0 || r === 1, `rsaVerify: no key in handle ${h}`);
    return r === 1;
  }

  ecKey(h: number, curve: number, x: Uint8Array, y: Uint8Array): boolean {
    this.put(0, x);
    this.put(1, y);
    return this.call("ecKey", () => this.x.ecKey(h, curve, 0, 1)) === 1;
  }

  ecVerify(h: number, msg: Uint8Array, sig: Uint8Array, digest = false): boolean {
    this.put(2, msg);
    this.put(3, sig);
    const r = this.call("ecVerify", () => this.x.ecVerify(h, 2, 3, digest ? 1 : 0));
    assert.ok(r === 0 || r === 1, `ecVerify: no key in handle ${h}`);
    return r === 1;
  }

  modPow(b: Uint8Array, e: Uint8Array, m: Uint8Array): Buffer | null {
    this.put(0, b);
    this.put(1, e);
    this.put(2, m);
    return this.call("modPow", () => this.x.modPow(0, 1, 2)) === 1 ? this.output() : null;
  }

  curveOp(curve: number, op: number, a: Uint8Array, b: Uint8Array): Buffer | null {
    this.put(0, a);
    this.put(1, b);
    return this.call("curveOp", () => this.x.curveOp(curve, op, 0, 1)) === 1 ? this.output() : null;
  }

  montProduct(a: Uint8Array, b: Uint8Array, m: Uint8Array): Buffer | null {
    this.put(0, a);
    this.put(1, b);
    this.put(2, m);
    return this.call("montProduct", () => this.x.montProduct(0, 1, 2)) === 1 ? this.output() : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Keys (generated once per run, in parallel with the compilation)

interface RsaKey {
  bits: number;
  e: number;
  priv: crypto.KeyObject;
  pub: crypto.KeyObject;
  n: Buffer;
  eBytes: Buffer;
  handle: number;
}
interface EcKey {
  crv: "P-256" | "P-384";
  curve: number;
  hash: HashName;
  size: number;
  order: bigint;
  priv: crypto.KeyObject;
  pub: crypto.KeyObject;
  x: Buffer;
  y: Buffer;
  handle: number;
}

const RSA_SPECS: [number, number][] = [
  [2048, 65537], [2048, 65537], [2048, 3], [2049, 65537], [2088, 3], [3072, 65537], [3072, 3], [4096, 65537], [4096, 3],
];
const EC_SPECS = ["P-256", "P-256", "P-384", "P-384"] as const;
const ORDER: Record<string, bigint> = {
  "P-256": 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  "P-384": 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
const PRIME: Record<string, bigint> = {
  "P-256": 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  "P-384": 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
};

let wasm: CryptoB;
let rsaKeys: RsaKey[] = [];
let ecKeys: EcKey[] = [];

const b2n = (b: Uint8Array) => (b.length ? BigInt("0x" + Buffer.from(b).toString("hex")) : 0n);
const n2b = (v: bigint, len: number) => Buffer.from(v.toString(16).padStart(len * 2, "0"), "hex");

function flip(b: Uint8Array, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3] ^= 0x80 >> (bit & 7);
  return c;
}

function signRsa(k: RsaKey, scheme: Scheme, h: HashName, msg: Uint8Array, saltLength = HLEN[h]): Buffer {
  if (scheme === Scheme.PKCS1) return crypto.sign(h, msg, k.priv);
  return crypto.sign(h, msg, { key: k.priv, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

function opensslRsaVerify(k: RsaKey, scheme: Scheme, h: HashName, msg: Uint8Array, sig: Uint8Array): boolean {
  if (scheme === Scheme.PKCS1) return crypto.verify(h, msg, k.pub, sig);
  return crypto.verify(h, msg, { key: k.pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: HLEN[h] }, sig);
}

function signEc(k: EcKey, msg: Uint8Array): Buffer {
  return crypto.sign(k.hash, msg, { key: k.priv, dsaEncoding: "ieee-p1363" });
}

function opensslEcVerify(k: EcKey, msg: Uint8Array, sig: Uint8Array): boolean {
  return crypto.verify(k.hash, msg, { key: k.pub, dsaEncoding: "ieee-p1363" }, sig);
}

function highS(k: EcKey, sig: Buffer): Buffer {
  const s = b2n(sig.subarray(k.size));
  return Buffer.concat([sig.subarray(0, k.size), n2b(k.order - s, k.size)]);
}

before(async () => {
  console.log(`# CRYPTO_SEED=${SEED}`);
  const gen = promisify(crypto.generateKeyPair);
  const rsaP = Promise.all(
    RSA_SPECS.map(async ([bits, e], i) => {
      const { publicKey, privateKey } = await gen("rsa", { modulusLength: bits, publicExponent: e });
      const jwk = publicKey.export({ format: "jwk" });
      return { bits, e, priv: privateKey, pub: publicKey, n: Buffer.from(jwk.n!, "base64url"),
        eBytes: Buffer.from(jwk.e!, "base64url"), handle: i } as RsaKey;
    }),
  );
  const ecP = Promise.all(
    EC_SPECS.map(async (crv, i) => {
      const { publicKey, privateKey } = await gen("ec", { namedCurve: crv });
      const jwk = publicKey.export({ format: "jwk" });
      const p256 = crv === "P-256";
      return { crv, curve: p256 ? 0 : 1, hash: p256 ? "sha256" : "sha384", size: p256 ? 32 : 48, order: ORDER[crv],
        priv: privateKey, pub: publicKey, x: Buffer.from(jwk.x!, "base64url"), y: Buffer.from(jwk.y!, "base64url"),
        handle: 32 + i } as EcKey;
    }),
  );
  wasm = new CryptoB(await compile());
  rsaKeys = await rsaP;
  ecKeys = await ecP;
  for (const k of rsaKeys) assert.ok(wasm.rsaKey(k.handle, k.n, k.eBytes), `import RSA ${k.bits}/${k.e}`);
  for (const k of ecKeys) assert.ok(wasm.ecKey(k.handle, k.curve, k.x, k.y), `import ${k.crv}`);
});

function done(): void {
  assert.deepEqual(wasm.aborts, [], "abort() was called");
}

// ---------------------------------------------------------------------------------------------
// Big integers against BigInt

test("bigint: modular powers and Montgomery products match BigInt (1 to 130 limbs)", () => {
  const inv = (a: bigint, m: bigint) => {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const modpow = (b: bigint, e: bigint, m: bigint) => {
    let r = 1n;
    b %= m;
    for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
    return r;
  };
  for (let t = 0; t < 400; t++) {
    const len = 1 + rnd.int(t < 300 ? 80 : 520);
    const mb = rnd.bytes(len);
    mb[len - 1] |= 1;
    if (rnd.int(3) === 0) mb[0] |= 0x80; // top bit set: R - m < m
    const m = b2n(mb);
    if (m === 1n) continue;
    const k = Math.ceil(Buffer.from(mb).subarray(mb.findIndex((v) => v !== 0)).length / 4);
    const R = 1n << BigInt(32 * k);
    const a = b2n(rnd.bytes(len)) % m;
    const b = rnd.int(5) === 0 ? a : b2n(rnd.bytes(len)) % m;
    const prod = wasm.montProduct(n2b(a, len), n2b(b, len), mb);
    assert.ok(prod, `montProduct refused m of ${len} bytes`);
    assert.equal(b2n(prod!), (a * b * inv(R, m)) % m, `montProduct (${len} bytes)`);
    if (len <= 260 || t % 8 === 0) {
      const e = b2n(rnd.bytes(1 + rnd.int(t < 300 ? 40 : 4)));
      const r = wasm.modPow(n2b(a, len), n2b(e, Math.max(1, Math.ceil(e.toString(16).length / 2))), mb);
      assert.ok(r, "modPow refused");
      assert.equal(b2n(r!), modpow(a, e, m), `modPow (${len} bytes)`);
    }
  }
  // even moduli, zero, one, and operands >= m are refused
  assert.equal(wasm.montProduct(Buffer.from([1]), Buffer.from([1]), Buffer.from([4])), null);
  assert.equal(wasm.montProduct(Buffer.from([1]), Buffer.from([1]), Buffer.from([0])), null);
  assert.equal(wasm.montProduct(Buffer.from([1]), Buffer.from([1]), Buffer.from([1])), null);
  assert.equal(wasm.montProduct(Buffer.from([9]), Buffer.from([1]), Buffer.from([7])), null);
  done();
});

test("bigint: raw RSA (s^e mod n) matches OpenSSL for every key, including leading-zero inputs", () => {
  for (const k of rsaKeys) {
    const len = k.n.length;
    for (let t = 0; t < 6; t++) {
      const s = rnd.bytes(len);
      s[0] = t < 3 ? 0 : s[0] % k.n[0]; // t < 3: leading zero bytes
      if (t === 1) s[1] = 0;
      if (t === 2) s.fill(0, 0, len - 3);
      const ours = wasm.modPow(s, k.eBytes, k.n);
      const ref = crypto.publicEncrypt({ key: k.pub, padding: crypto.constants.RSA_NO_PADDING }, s);
      assert.ok(ours);
      assert.equal(b2n(ours!), b2n(ref), `RSA ${k.bits}/${k.e}`);
    }
  }
  done();
});

test("curves: the straight-line P-256 / P-384 field and P-256 scalar arithmetic matches BigInt", () => {
  for (const crv of ["P-256", "P-384"] as const) {
    const curve = crv === "P-256" ? 0 : 1;
    const size = curve === 0 ? 32 : 48;
    const R = 1n << BigInt(8 * size);
    const mods: [bigint, number[]][] = [[PRIME[crv], [0, 1, 2, 3]]];
    if (curve === 0) mods.push([ORDER[crv], [4, 5]]);
    for (const [m, ops] of mods) {
      const rInv = (() => {
        let [r0, r1, s0, s1] = [R % m, m, 1n, 0n];
        while (r1) {
          const q = r0 / r1;
          [r0, r1] = [r1, r0 - q * r1];
          [s0, s1] = [s1, s0 - q * s1];
        }
        return ((s0 % m) + m) % m;
      })();
      // values that stress carries: 0, 1, m-1, m-2, limbs of all ones, powers of two, random
      const edges = [0n, 1n, 2n, m - 1n, m - 2n, (m - 1n) / 2n, R - 1n - (R - m) * 2n, 1n << BigInt(8 * size - 1), 0xffffffffn];
      for (let w = 1; w < size / 4; w++) edges.push(((1n << BigInt(32 * w)) - 1n) % m, (1n << BigInt(32 * w)) % m);
      const values = (t: number) => (t < edges.length * edges.length ? [edges[t % edges.length], edges[Math.floor(t / edges.length)]]
        : [b2n(rnd.bytes(size)) % m, b2n(rnd.bytes(size)) % m]);
      const total = edges.length * edges.length + 3000;
      for (let t = 0; t < total; t++) {
        const [a, b] = values(t);
        for (const op of ops) {
          const got = wasm.curveOp(curve, op, n2b(a, size), n2b(b, size));
          assert.ok(got, "curveOp refused");
          const want = op === 0 || op === 4 ? (a * b * rInv) % m
            : op === 1 || op === 5 ? (a * a * rInv) % m
            : op === 2 ? (a + b) % m
            : (((a - b) % m) + m) % m;
          assert.equal(b2n(got!), want, `${crv} op ${op} a=${a.toString(16)} b=${b.toString(16)}`);
        }
      }
    }
  }
  done();
});

// ---------------------------------------------------------------------------------------------
// RSA

test("RSA: PKCS#1 v1.5 and PSS signatures from OpenSSL verify (all sizes, e = 65537 and 3, SHA-256/384/512)", () => {
  let count = 0;
  for (const k of rsaKeys) {
    const perCombo = k.bits >= 4096 ? 3 : k.bits >= 3072 ? 5 : 10;
    for (const h of HASHES) {
      for (const scheme of [Scheme.PKCS1, Scheme.PSS]) {
        for (let i = 0; i < perCombo; i++) {
          const msg = rnd.bytes(rnd.int(i === 0 ? 1 : 700));
          const sig = signRsa(k, scheme, h, msg);
          assert.ok(wasm.rsaVerify(k.handle, scheme, hashId(h), msg, sig), `RSA ${k.bits}/${k.e} ${Scheme[scheme]} ${h}`);
          const digest = crypto.createHash(h).update(msg).digest();
          assert.ok(wasm.rsaVerify(k.handle, scheme, hashId(h), digest, sig, true), "digest entry point");
          // other hash, other scheme, other message: all fail
          const other = HASHES[(hashId(h) + 1 + rnd.int(2)) % 3];
          assert.equal(wasm.rsaVerify(k.handle, scheme, hashId(other), msg, sig), false);
          assert.equal(wasm.rsaVerify(k.handle, 1 - scheme, hashId(h), msg, sig), false);
          assert.equal(wasm.rsaVerify(k.handle, scheme, hashId(h), Buffer.concat([msg, Buffer.from([0])]), sig), false);
          count++;
        }
      }
    }
  }
  console.log(`# ${count} OpenSSL RSA signatures verified`);
  done();
});

test("RSA: signatures under another key fail", () => {
  const [a, b] = rsaKeys;
  const msg = rnd.bytes(100);
  for (const scheme of [Scheme.PKCS1, Scheme.PSS]) {
    const sig = signRsa(a, scheme, "sha256", msg);
    assert.equal(wasm.rsaVerify(b.handle, scheme, 0, msg, sig), false);
    assert.ok(wasm.rsaVerify(a.handle, scheme, 0, msg, sig));
  }
  done();
});

test("RSA: PSS salt lengths other than the hash length fail (RFC 7518 §3.5)", () => {
  for (const k of rsaKeys.slice(0, 4)) {
    for (const h of HASHES) {
      const msg = rnd.bytes(50);
      const maxSalt = Math.ceil((k.bits - 1) / 8) - HLEN[h] - 2;
      for (const salt of [0, 1, 20, HLEN[h] - 1, HLEN[h] + 1, maxSalt]) {
        const sig = signRsa(k, Scheme.PSS, h, msg, salt);
        assert.ok(opensslRsaVerify(k, Scheme.PSS, h, msg, sig) === (salt === HLEN[h]));
        assert.equal(wasm.rsaVerify(k.handle, Scheme.PSS, hashId(h), msg, sig), false, `salt ${salt}`);
      }
    }
  }
  done();
});

test("RSA: every bit flip of signature, message and modulus fails", () => {
  const k = rsaKeys[0]; // 2048
  const msg = rnd.bytes(64);
  for (const scheme of [Scheme.PKCS1, Scheme.PSS]) {
    const sig = signRsa(k, scheme, "sha256", msg);
    for (let bit = 0; bit < sig.length * 8; bit++) {
      assert.equal(wasm.rsaVerify(k.handle, scheme, 0, msg, flip(sig, bit)), false, `sig bit ${bit}`);
    }
    for (let bit = 0; bit < msg.length * 8; bit++) {
      assert.equal(wasm.rsaVerify(k.handle, scheme, 0, flip(msg, bit), sig), false, `msg bit ${bit}`);
    }
  }
  // every bit of n and e (the flipped key is imported into a spare handle)
  const sig = signRsa(k, Scheme.PKCS1, "sha256", msg);
  const pss = signRsa(k, Scheme.PSS, "sha256", msg);
  for (let bit = 0; bit < k.n.length * 8; bit++) {
    if (!wasm.rsaKey(60, flip(k.n, bit), k.eBytes, 2040)) continue; // even or too short: refused
    assert.equal(wasm.rsaVerify(60, Scheme.PKCS1, 0, msg, sig), false, `n bit ${bit}`);
    assert.equal(wasm.rsaVerify(60, Scheme.PSS, 0, msg, pss), false, `n bit ${bit}`);
  }
  for (let bit = 0; bit < k.eBytes.length * 8; bit++) {
    if (!wasm.rsaKey(60, k.n, flip(k.eBytes, bit))) continue;
    assert.equal(wasm.rsaVerify(60, Scheme.PKCS1, 0, msg, sig), false, `e bit ${bit}`);
  }
  // sampled bits for the other keys and hashes
  for (const kk of rsaKeys.slice(1)) {
    for (const h of HASHES) {
      const s = signRsa(kk, h === "sha384" ? Scheme.PSS : Scheme.PKCS1, h, msg);
      const scheme = h === "sha384" ? Scheme.PSS : Scheme.PKCS1;
      for (let t = 0; t < 24; t++) {
        const bit = t < 8 ? t : rnd.int(s.length * 8);
        assert.equal(wasm.rsaVerify(kk.handle, scheme, hashId(h), msg, flip(s, bit)), false);
      }
    }
  }
  done();
});

test("RSA: length and range edge cases", () => {
  for (const k of rsaKeys) {
    const msg = rnd.bytes(20);
    const sig = signRsa(k, Scheme.PKCS1, "sha256", msg);
    const len = k.n.length;
    const cases: [string, Buffer][] = [
      ["empty", Buffer.alloc(0)],
      ["one byte short", sig.subarray(1)],
      ["one byte long (leading zero)", Buffer.concat([Buffer.alloc(1), sig])],
      ["one byte long (trailing zero)", Buffer.concat([sig, Buffer.alloc(1)])],
      ["double", Buffer.concat([sig, sig])],
      ["s = 0", Buffer.alloc(len)],
      ["s = 1", n2b(1n, len)],
      ["s = n - 1", n2b(b2n(k.n) - 1n, len)],
      ["s = n", k.n],
      ["s = n + sig", n2b(b2n(k.n) + b2n(sig), len + 1).subarray(-len)],
      ["all ones", Buffer.alloc(len, 0xff)],
    ];
    for (const [name, s] of cases) {
      for (const scheme of [Scheme.PKCS1, Scheme.PSS]) {
        assert.equal(wasm.rsaVerify(k.handle, scheme, 0, msg, s), false, `${k.bits}: ${name}`);
      }
    }
    // s + n (same value mod n, but >= n) is rejected
    const plusN = b2n(sig) + b2n(k.n);
    if (plusN < 1n << BigInt(8 * len)) assert.equal(wasm.rsaVerify(k.handle, Scheme.PKCS1, 0, msg, n2b(plusN, len)), false);
    // unknown hash values
    for (const alg of [3, -1, 255, 0x7fffffff]) assert.equal(wasm.rsaVerify(k.handle, Scheme.PKCS1, alg, msg, sig), false);
    // digest entry points want exactly the hash length
    const d = crypto.createHash("sha256").update(msg).digest();
    assert.ok(wasm.rsaVerify(k.handle, Scheme.PKCS1, 0, d, sig, true));
    assert.equal(wasm.rsaVerify(k.handle, Scheme.PKCS1, 0, d.subarray(1), sig, true), false);
    assert.equal(wasm.rsaVerify(k.handle, Scheme.PKCS1, 0, Buffer.concat([d, Buffer.alloc(1)]), sig, true), false);
  }
  done();
});

test("RSA: signatures with leading zero bytes verify at full modulus length only", () => {
  let found = 0;
  for (const k of [rsaKeys[0], rsaKeys[2], rsaKeys[3]]) {
    // about one signature in 256 starts with a zero byte
    for (let i = 0; i < 3000 && found < 6; i++) {
      const scheme = i % 2 === 0 ? Scheme.PKCS1 : Scheme.PSS;
      const msg = Buffer.from(`leading zero ${SEED} ${i}`);
      const sig = signRsa(k, scheme, "sha256", msg);
      if (sig[0] !== 0) continue;
      found++;
      assert.ok(wasm.rsaVerify(k.handle, scheme, 0, msg, sig), "full-length leading-zero signature");
      assert.equal(wasm.rsaVerify(k.handle, scheme, 0, msg, sig.subarray(1)), false, "stripped leading zero");
      break;
    }
  }
  assert.ok(found >= 2, `found only ${found} leading-zero signatures`);
  done();
});

test("RSA: key import accepts OpenSSL keys (with leading zeros) and rejects malformed ones", () => {
  const k = rsaKeys[0];
  const h = 61;
  assert.ok(wasm.rsaKey(h, Buffer.concat([Buffer.alloc(5), k.n]), Buffer.concat([Buffer.alloc(3), k.eBytes])));
  const msg = rnd.bytes(10);
  assert.ok(wasm.rsaVerify(h, Scheme.PKCS1, 0, msg, signRsa(k, Scheme.PKCS1, "sha256", msg)));
  const even = Buffer.from(k.n);
  even[even.length - 1] &= 0xfe;
  const bad: [string, Buffer, Buffer, number][] = [
    ["even n", even, k.eBytes, 2048],
    ["empty n", Buffer.alloc(0), k.eBytes, 2048],
    ["zero n", Buffer.alloc(256), k.eBytes, 2048],
    ["n of 2040 bits", k.n.subarray(1), k.eBytes, 2048],
    ["n below 512 bits", k.n.subarray(0, 63), k.eBytes, 0],
    ["n above 8192 bits", Buffer.alloc(1025, 0xff), k.eBytes, 2048],
    ["e = 1", k.n, Buffer.from([1]), 2048],
    ["e = 2", k.n, Buffer.from([2]), 2048],
    ["e even", k.n, Buffer.from([1, 0, 0]), 2048],
    ["e empty", k.n, Buffer.alloc(0), 2048],
    ["e zero", k.n, Buffer.alloc(4), 2048],
    ["e of 65 bits", k.n, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 1]), 2048],
  ];
  for (const [name, n, e, min] of bad) assert.equal(wasm.rsaKey(h, n, e, min), false, name);
  assert.ok(wasm.rsaKey(h, k.n.subarray(1), k.eBytes, 1024), "minBits is honoured");
  assert.ok(wasm.rsaKey(h, Buffer.alloc(1024, 0xff), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
  done();
});

// ---------------------------------------------------------------------------------------------
// ECDSA

test("ECDSA: OpenSSL signatures verify, and so do their high-S twins (P-256, P-384)", () => {
  let count = 0;
  for (const k of ecKeys) {
    for (let i = 0; i < 150; i++) {
      const msg = rnd.bytes(rnd.int(600));
      const sig = signEc(k, msg);
      assert.ok(wasm.ecVerify(k.handle, msg, sig), `${k.crv} verify`);
      const hs = highS(k, sig);
      assert.ok(opensslEcVerify(k, msg, hs), "OpenSSL accepts high S");
      assert.ok(wasm.ecVerify(k.handle, msg, hs), `${k.crv} high S`);
      const digest = crypto.createHash(k.hash).update(msg).digest();
      assert.ok(wasm.ecVerify(k.handle, digest, sig, true), "digest entry point");
      assert.equal(wasm.ecVerify(k.handle, Buffer.concat([msg, Buffer.from("x")]), sig), false);
      count += 2;
    }
  }
  // a signature of one key fails under the other key of the same curve
  const msg = rnd.bytes(32);
  assert.equal(wasm.ecVerify(ecKeys[1].handle, msg, signEc(ecKeys[0], msg)), false);
  assert.equal(wasm.ecVerify(ecKeys[3].handle, msg, signEc(ecKeys[2], msg)), false);
  console.log(`# ${count} ECDSA signatures verified`);
  done();
});

test("ECDSA: every bit flip of signature, message and public key fails", () => {
  for (const k of [ecKeys[0], ecKeys[2]]) {
    const msg = rnd.bytes(48);
    const sig = signEc(k, msg);
    for (let bit = 0; bit < sig.length * 8; bit++) {
      assert.equal(wasm.ecVerify(k.handle, msg, flip(sig, bit)), false, `${k.crv} sig bit ${bit}`);
    }
    for (let bit = 0; bit < msg.length * 8; bit++) {
      assert.equal(wasm.ecVerify(k.handle, flip(msg, bit), sig), false, `${k.crv} msg bit ${bit}`);
    }
    let imported = 0;
    for (let bit = 0; bit < k.size * 16; bit++) {
      const x = bit < k.size * 8 ? flip(k.x, bit) : k.x;
      const y = bit < k.size * 8 ? k.y : flip(k.y, bit - k.size * 8);
      if (!wasm.ecKey(62, k.curve, x, y)) continue; // off the curve (almost always)
      imported++;
      assert.equal(wasm.ecVerify(62, msg, sig), false, `${k.crv} key bit ${bit}`);
    }
    assert.ok(imported < 4, "flipped keys are almost never on the curve");
  }
  // sampled bits of many signatures of the other keys
  for (const k of [ecKeys[1], ecKeys[3]]) {
    for (let i = 0; i < 20; i++) {
      const msg = rnd.bytes(20);
      const sig = signEc(k, msg);
      for (let t = 0; t < 8; t++) assert.equal(wasm.ecVerify(k.handle, msg, flip(sig, rnd.int(sig.length * 8))), false);
    }
  }
  done();
});

test("ECDSA: r and s range, lengths, and public key validation", () => {
  for (const k of ecKeys) {
    const msg = rnd.bytes(33);
    const sig = signEc(k, msg);
    const r = sig.subarray(0, k.size);
    const s = sig.subarray(k.size);
    const n = n2b(k.order, k.size);
    const zero = Buffer.alloc(k.size);
    const cases: [string, Buffer][] = [
      ["r = 0", Buffer.concat([zero, s])],
      ["s = 0", Buffer.concat([r, zero])],
      ["r = n", Buffer.concat([n, s])],
      ["s = n", Buffer.concat([r, n])],
      ["r = r + n", Buffer.concat([n2b(b2n(r) + k.order, k.size + 1).subarray(-k.size), s])],
      ["r = all ones", Buffer.concat([Buffer.alloc(k.size, 0xff), s])],
      ["s = all ones", Buffer.concat([r, Buffer.alloc(k.size, 0xff)])],
      ["empty", Buffer.alloc(0)],
      ["short", sig.subarray(1)],
      ["long", Buffer.concat([sig, Buffer.alloc(1)])],
      ["leading zero", Buffer.concat([Buffer.alloc(1), sig])],
      ["other curve size", Buffer.alloc(k.size === 32 ? 96 : 64, 1)],
      ["DER", Buffer.from(crypto.sign(k.hash, msg, k.priv))],
    ];
    for (const [name, c] of cases) {
      assert.equal(opensslEcVerify(k, msg, c), false, `OpenSSL agrees: ${name}`);
      assert.equal(wasm.ecVerify(k.handle, msg, c), false, `${k.crv}: ${name}`);
    }
    // s = n - s' for s' small, r = 1: valid range, wrong signature
    assert.equal(wasm.ecVerify(k.handle, msg, Buffer.concat([n2b(1n, k.size), n2b(k.order - 1n, k.size)])), false);
    // public keys
    const p = PRIME[k.crv];
    const keyCases: [string, Buffer, Buffer][] = [
      ["x = p", n2b(p, k.size), k.y],
      ["y = p", k.x, n2b(p, k.size)],
      ["y + p", k.x, n2b(b2n(k.y) + p, k.size + 1)],
      ["-y (valid point, other key)", k.x, n2b(p - b2n(k.y), k.size)],
      ["zero", Buffer.alloc(k.size), Buffer.alloc(k.size)],
      ["short x", k.x.subarray(1), k.y],
      ["long x", Buffer.concat([Buffer.alloc(1), k.x]), k.y],
      ["empty", Buffer.alloc(0), Buffer.alloc(0)],
    ];
    for (const [name, x, y] of keyCases) {
      const ok = wasm.ecKey(62, k.curve, x, y);
      if (name.startsWith("-y")) {
        assert.ok(ok, "the negated point is on the curve");
        assert.equal(wasm.ecVerify(62, msg, sig), false, "signature fails under -Q");
      } else {
        assert.equal(ok, false, `${k.crv} key: ${name}`);
      }
    }
    assert.equal(wasm.ecKey(62, 2, k.x, k.y), false, "unknown curve");
    assert.equal(wasm.ecKey(62, 1 - k.curve, k.x, k.y), false, "other curve");
  }
  done();
});

test("ECDSA: result at infinity and the doubling case (public key = G, chosen u1, u2)", () => {
  for (const crv of ["P-256", "P-384"] as const) {
    const size = crv === "P-256" ? 32 : 48;
    const curve = crv === "P-256" ? 0 : 1;
    const order = ORDER[crv];
    const ecdh = crypto.createECDH(crv === "P-256" ? "prime256v1" : "secp384r1");
    const pointOf = (d: bigint) => {
      ecdh.setPrivateKey(n2b(d, size));
      const pk = ecdh.getPublicKey();
      return { x: pk.subarray(1, 1 + size), y: pk.subarray(1 + size) };
    };
    const G = pointOf(1n);
    assert.ok(wasm.ecKey(63, curve, G.x, G.y));
    for (let t = 0; t < 40; t++) {
      // u1 = e/s, u2 = r/s with Q = G: R = (e + r)/s G. Pick e, r, s directly.
      const e = 1n + (b2n(rnd.bytes(size)) % (order - 1n));
      const s = 1n + (b2n(rnd.bytes(size)) % (order - 1n));
      // r = n - e: R = 0 (infinity) -> reject
      const rInf = order - e;
      assert.equal(wasm.ecVerify(63, n2b(e, size), Buffer.concat([n2b(rInf, size), n2b(s, size)]), true), false, "infinity");
      // s = e = r = x(2G) mod n (u1 = u2 = 1): R = 2G, valid
      const x2 = b2n(pointOf(2n).x) % order;
      assert.ok(wasm.ecVerify(63, n2b(x2, size), Buffer.concat([n2b(x2, size), n2b(x2, size)]), true), "2G");
      // a random valid (e, r, s) for Q = G: R = (e + r)/s G, r = x(R) mod n is a fixed point equation;
      // instead take R = kG, r = x(R) mod n, s = (e + r)/k, which is a real signature with d = 1
      const kk = 1n + (b2n(rnd.bytes(size)) % (order - 1n));
      const r = b2n(pointOf(kk).x) % order;
      const inv = (a: bigint) => {
        let [r0, r1, s0, s1] = [a % order, order, 1n, 0n];
        while (r1) {
          const q = r0 / r1;
          [r0, r1] = [r1, r0 - q * r1];
          [s0, s1] = [s1, s0 - q * s1];
        }
        return ((s0 % order) + order) % order;
      };
      const sig = (((e + r) % order) * inv(kk)) % order;
      if (r === 0n || sig === 0n) continue;
      assert.ok(wasm.ecVerify(63, n2b(e, size), Buffer.concat([n2b(r, size), n2b(sig, size)]), true), "d = 1 signature");
      assert.equal(wasm.ecVerify(63, n2b(e + 1n, size), Buffer.concat([n2b(r, size), n2b(sig, size)]), true), false);
    }
  }
  done();
});

// ---------------------------------------------------------------------------------------------
// Fuzz: random inputs to every entry point. None may trap; none may verify.

function randomLength(good: number): number {
  switch (rnd.int(6)) {
    case 0:
    case 1:
      return good;
    case 2:
      return good + rnd.pick([-1, 1, -2, 2]);
    case 3:
      return rnd.int(16);
    default:
      return rnd.int(good * 2 + 8);
  }
}

test(`fuzz: ${FUZZ} random signatures per RSA entry point`, () => {
  const keys = [rsaKeys[0], rsaKeys[2], rsaKeys[3]]; // 2048/65537, 2048/3, 2049
  let verified = 0;
  for (const scheme of [Scheme.PKCS1, Scheme.PSS]) {
    for (const digest of [false, true]) {
      for (let i = 0; i < FUZZ; i++) {
        const k = keys[i % keys.length];
        const alg = rnd.int(20) === 0 ? rnd.pick([3, -1, 1 << 30]) : rnd.int(3);
        const msg = digest ? rnd.bytes(rnd.int(4) === 0 ? rnd.int(80) : [32, 48, 64][alg] ?? 32) : rnd.bytes(rnd.int(100));
        let sig: Buffer;
        if (i % 10 === 0) {
          // a real signature with a few random byte changes
          sig = signRsaCached(k, scheme);
          for (let j = 1 + rnd.int(3); j > 0; j--) sig[rnd.int(sig.length)] = rnd.int(256);
        } else {
          sig = rnd.bytes(randomLength(k.n.length));
          if (rnd.int(4) === 0 && sig.length === k.n.length) sig[0] = rnd.int(k.n[0] + 1); // often < n
        }
        if (wasm.rsaVerify(k.handle, scheme, alg, msg, sig, digest)) verified++;
      }
    }
  }
  assert.equal(verified, 0);
  done();
});

const rsaSigCache = new Map<string, Buffer>();
function signRsaCached(k: RsaKey, scheme: Scheme): Buffer {
  const id = `${k.handle}/${scheme}`;
  let s = rsaSigCache.get(id);
  if (!s) {
    s = signRsa(k, scheme, "sha256", Buffer.from("fuzz"));
    rsaSigCache.set(id, s);
  }
  return Buffer.from(s);
}

test(`fuzz: ${FUZZ} random signatures per ECDSA entry point`, () => {
  let verified = 0;
  for (const digest of [false, true]) {
    for (let i = 0; i < FUZZ; i++) {
      const k = ecKeys[i % ecKeys.length];
      const msg = rnd.bytes(rnd.int(digest ? 80 : 100));
      let sig: Buffer;
      const mode = rnd.int(10);
      if (mode === 0) {
        sig = signEc(k, Buffer.from("fuzz"));
        for (let j = 1 + rnd.int(3); j > 0; j--) sig[rnd.int(sig.length)] = rnd.int(256);
      } else if (mode === 1) {
        // r, s drawn near the edges of the range
        const pickScalar = () => rnd.pick([0n, 1n, 2n, k.order - 1n, k.order, k.order + 1n, b2n(rnd.bytes(k.size))]);
        sig = Buffer.concat([n2b(pickScalar() % (1n << BigInt(8 * k.size)), k.size), n2b(pickScalar() % (1n << BigInt(8 * k.size)), k.size)]);
      } else {
        sig = rnd.bytes(randomLength(2 * k.size));
      }
      if (wasm.ecVerify(k.handle, msg, sig, digest)) verified++;
    }
  }
  assert.equal(verified, 0);
  done();
});

test(`fuzz: ${FUZZ} random RSA keys and ${FUZZ} random EC keys (constructors)`, () => {
  let accepted = 0;
  for (let i = 0; i < FUZZ; i++) {
    const nLen = rnd.pick([rnd.int(40), rnd.int(600), 256, 257, 384, 512, 1024, 1025, 1030]);
    const n = rnd.bytes(nLen);
    if (rnd.int(4) === 0 && nLen > 2) n.fill(0, 0, 1 + rnd.int(3));
    const e = rnd.pick([rnd.bytes(rnd.int(12)), Buffer.from([1, 0, 1]), Buffer.from([3]), Buffer.from([2])]);
    const minBits = rnd.pick([0, 512, 2048, -5, 1 << 30]);
    if (wasm.rsaKey(50, n, e, minBits)) {
      accepted++;
      // a key built from random bytes must still verify nothing, without trapping
      assert.equal(wasm.rsaVerify(50, rnd.int(2), 0, Buffer.from("m"), rnd.bytes(rnd.pick([n.length, 256]))), false);
    }
  }
  let ecAccepted = 0;
  for (let i = 0; i < FUZZ; i++) {
    const curve = rnd.pick([0, 0, 1, 1, 2, -1]);
    const size = curve === 1 ? 48 : 32;
    const real = ecKeys[rnd.int(ecKeys.length)];
    let x: Buffer, y: Buffer;
    switch (rnd.int(4)) {
      case 0: // real key, possibly for the other curve, with a random byte changed
        x = Buffer.from(real.x);
        y = Buffer.from(real.y);
        if (rnd.int(2)) (rnd.int(2) ? x : y)[rnd.int(real.size)] = rnd.int(256);
        break;
      case 1:
        x = rnd.bytes(size);
        y = rnd.bytes(size);
        break;
      default:
        x = rnd.bytes(randomLength(size));
        y = rnd.bytes(randomLength(size));
    }
    if (wasm.ecKey(51, curve, x, y)) {
      ecAccepted++;
      assert.equal(wasm.ecVerify(51, Buffer.from("m"), rnd.bytes(2 * size)), false);
    }
  }
  // random bytes as Montgomery moduli
  for (let i = 0; i < FUZZ; i++) {
    wasm.put(0, rnd.bytes(rnd.pick([rnd.int(10), rnd.int(1100)])));
    wasm.call("montNew", () => wasm.x.montNew(0));
  }
  console.log(`# accepted ${accepted} random RSA keys, ${ecAccepted} EC keys (mostly real ones)`);
  done();
});

test("no aborts, bounded memory", () => {
  done();
  const pages = wasm.memory.buffer.byteLength / 65536;
  console.log(`# ${wasm.calls} calls into Wasm; memory ${pages} pages; fixture ${wasm.size} bytes`);
  assert.ok(pages <= 512, `memory grew to ${pages} pages`);
});
