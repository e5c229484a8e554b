// Crypto micro-benchmark: our Wasm (AssemblyScript, -O3, run by Node's V8 like Envoy's V8 runtime)
// against node:crypto (OpenSSL), interleaved A/B/A/B so machine drift hits both sides alike.
//
//   node --import tsx scripts/bench-crypto.ts [--rounds 15] [--ms 50] [--filter name]
//
// A row is { name, ours, openssl }: two functions doing one operation each, inputs prepared outside
// them (already in Wasm memory for ours). Add rows to rows() below, or for another fixture write a
// rowsX(fixture) next to it and add one line in main(): all.push(...rowsX(await loadFixture(...))).
// The module loader (compileFixture / Fixture / loadCryptoA) is shared with test/crypto/a.test.ts.

import crypto from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import asc from "assemblyscript/dist/asc.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------------------------------------
// Loading a test fixture module

/**
 * Compiles an AssemblyScript entry file (relative to the repo root) to Wasm in memory. Asserts stay
 * in, as in the plugins' build (asconfig.json has noAssert false): the tests must exercise the code
 * that ships, so an assert that fires on some input is an abort the fuzz tests catch.
 */
export async function compileFixture(entry: string, extraArgs: string[] = []): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  let errors = "";
  const { error } = await asc.main(
    [
      join(ROOT, entry),
      "--runtime", "incremental",
      "--exportRuntime",
      "-O3",
      // ignore the repo's asconfig.json (it adds the WASI shim, which these fixtures don't want)
      "--config", "no-such-asconfig.json",
      "--outFile", "fixture.wasm",
      ...extraArgs,
    ],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
      },
      stdout: { write: () => true } as never,
      stderr: { write: (s: string) => ((errors += s), true) } as never,
    },
  );
  if (error || binary == null) throw new Error(`asc failed for ${entry}: ${error?.message ?? ""}\n${errors}`);
  return binary;
}

/** A Wasm fixture instance with a byte-buffer helper and trap/abort bookkeeping. */
export class Fixture {
  readonly exports: Record<string, any>;
  readonly memory: WebAssembly.Memory;
  aborts: string[] = [];

  constructor(binary: Uint8Array) {
    let self: Fixture | null = null;
    const mod = new WebAssembly.Module(binary);
    const instance = new WebAssembly.Instance(mod, {
      env: {
        abort: (msg: number, file: number, line: number, col: number) => {
          const text = `abort: ${self?.readString(msg)} at ${self?.readString(file)}:${line}:${col}`;
          self?.aborts.push(text);
          throw new Error(text);
        },
      },
    });
    self = this;
    this.exports = instance.exports as Record<string, any>;
    this.memory = this.exports.memory as WebAssembly.Memory;
  }

  readString(ptr: number): string {
    if (!ptr) return "null";
    const len = new Uint32Array(this.memory.buffer, ptr - 4, 1)[0] >>> 1;
    return String.fromCharCode(...new Uint16Array(this.memory.buffer, ptr, len));
  }

  /** Copies bytes into a new pinned buffer; returns its pointer (free with free()). */
  put(data: Uint8Array): number {
    const p = this.exports.alloc(data.length) as number;
    new Uint8Array(this.memory.buffer, p, data.length).set(data);
    return p;
  }

  get(ptr: number, len: number): Buffer {
    return Buffer.from(new Uint8Array(this.memory.buffer, ptr, len));
  }

  free(...ptrs: number[]): void {
    for (const p of ptrs) this.exports.free(p);
  }
}

export enum Hash { SHA256 = 0, SHA384 = 1, SHA512 = 2 }

/** Convenience wrapper over test/fixtures/crypto-a. */
export class CryptoA extends Fixture {
  private out = 0;

  constructor(binary: Uint8Array) {
    super(binary);
    this.out = this.exports.alloc(64);
  }

  sha(alg: Hash, data: Uint8Array): Buffer {
    const p = this.put(data);
    const n = this.exports.shaDigest(alg, p, data.length, this.out) as number;
    this.free(p);
    return this.get(this.out, n);
  }

  shaStream(alg: Hash, data: Uint8Array, cut1: number, cut2: number): Buffer {
    const p = this.put(data);
    const n = this.exports.shaStream(alg, p, data.length, cut1, cut2, this.out) as number;
    this.free(p);
    return this.get(this.out, n);
  }

  hmac(alg: Hash, key: Uint8Array, msg: Uint8Array): Buffer {
    const k = this.put(key);
    const m = this.put(msg);
    const n = this.exports.hmacDigest(alg, k, key.length, m, msg.length, this.out) as number;
    this.free(k, m);
    return this.get(this.out, n);
  }

  hmacSetKey(alg: Hash, key: Uint8Array): boolean {
    const k = this.put(key);
    const ok = this.exports.hmacSetKey(alg, k, key.length) === 1;
    this.free(k);
    return ok;
  }

  hmacKeyed(msg: Uint8Array): Buffer {
    const m = this.put(msg);
    const n = this.exports.hmacKeyedDigest(m, msg.length, this.out) as number;
    this.free(m);
    return this.get(this.out, n);
  }

  hmacKeyedVerify(msg: Uint8Array, mac: Uint8Array): boolean {
    const m = this.put(msg);
    const t = this.put(mac);
    const ok = this.exports.hmacKeyedVerify(m, msg.length, t, mac.length) === 1;
    this.free(m, t);
    return ok;
  }

  ctEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) throw new Error("ctEqual test helper needs equal lengths");
    const pa = this.put(a);
    const pb = this.put(b);
    const ok = this.exports.ctEqual(pa, pb, a.length) === 1;
    this.free(pa, pb);
    return ok;
  }

  edVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    const a = this.put(pk);
    const m = this.put(msg);
    const s = this.put(sig);
    const ok = this.exports.edVerify(a, pk.length, m, msg.length, s, sig.length) === 1;
    this.free(a, m, s);
    return ok;
  }

  /** Prepares an Ed25519PublicKey for edKeyVerify; false if the key is refused. */
  edKeySet(pk: Uint8Array): boolean {
    const a = this.put(pk);
    const ok = this.exports.edKeySet(a, pk.length) === 1;
    this.free(a);
    return ok;
  }

  /** Verifies with the prepared key: 1, 0, or -1 when no key is prepared. */
  edKeyVerify(msg: Uint8Array, sig: Uint8Array): number {
    const m = this.put(msg);
    const s = this.put(sig);
    const r = this.exports.edKeyVerify(m, msg.length, s, sig.length) as number;
    this.free(m, s);
    return r;
  }

  /**
   * Parses a JWKS document; returns the accepted keys (as JSON objects; `built` names the key object
   * each carries) and the error strings. The set stays in the module for jwkVerify.
   */
  jwks(text: string | Uint8Array, minRsaBits = 2048, maxRsaBits = 4096): { valid: boolean; keys: Record<string, string>[]; errors: string[] } {
    const data = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    const p = this.put(data);
    const r = this.exports.jwksParseMax(p, data.length, minRsaBits, maxRsaBits) as number;
    this.free(p);
    const json = this.get(this.exports.resultPtr(), r).toString("utf8");
    return JSON.parse(json);
  }

  /**
   * Verifies with key `index` of the last parsed set through its key object. alg: "RS256".."PS512",
   * "ES256"/"ES384", "EdDSA". 1 valid, 0 invalid, -1 no such key object.
   */
  jwkVerify(index: number, alg: string, msg: Uint8Array, sig: Uint8Array): number {
    const ids: Record<string, number> = { RS256: 0, RS384: 1, RS512: 2, PS256: 3, PS384: 4, PS512: 5, ES256: 6, ES384: 6, EdDSA: 7 };
    const m = this.put(msg);
    const s = this.put(sig);
    const r = this.exports.jwkVerify(index, ids[alg] ?? -1, m, msg.length, s, sig.length) as number;
    this.free(m, s);
    return r;
  }
}

export async function loadCryptoA(): Promise<CryptoA> {
  return new CryptoA(await compileFixture("test/fixtures/crypto-a/index.ts"));
}

/** Compiles and instantiates any fixture module (entry relative to the repo root). */
export async function loadFixture(entry: string): Promise<Fixture> {
  return new Fixture(await compileFixture(entry));
}

// ---------------------------------------------------------------------------------------------
// Benchmark

export interface Row {
  name: string;
  ours: () => void;
  openssl: () => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeIt(fn: () => void, iterations: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / iterations; // µs per op
}

/** Iterations needed for ~targetMs. */
function calibrate(fn: () => void, targetMs: number): number {
  let n = 1;
  for (;;) {
    const us = timeIt(fn, n) * n;
    if (us > 5000 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs * 1000) / Math.max(us, 1)));
    n *= 4;
  }
}

export function runRows(rows: Row[], rounds: number, targetMs: number): void {
  const results: { name: string; ours: number; openssl: number }[] = [];
  // Warm-up pass over every row first: JIT tiers, and the first GCs after compiling the fixture
  // (binaryen leaves a large heap behind) otherwise land in whichever row runs first.
  for (const row of rows) {
    calibrate(row.ours, 50);
    calibrate(row.openssl, 50);
  }
  for (const row of rows) {
    // warm up both sides (JIT tiers), then size the rounds
    calibrate(row.ours, 20);
    calibrate(row.openssl, 20);
    const nOurs = calibrate(row.ours, targetMs);
    const nSsl = calibrate(row.openssl, targetMs);
    const ours: number[] = [];
    const ssl: number[] = [];
    for (let r = 0; r < rounds; r++) {
      ours.push(timeIt(row.ours, nOurs));
      ssl.push(timeIt(row.openssl, nSsl));
    }
    results.push({ name: row.name, ours: median(ours), openssl: median(ssl) });
  }
  const w = Math.max(...results.map((r) => r.name.length), 2);
  const line = (a: string, b: string, c: string, d: string) =>
    `| ${a.padEnd(w)} | ${b.padStart(12)} | ${c.padStart(16)} | ${d.padStart(6)} |`;
  console.log(line("op", "ours µs/op", "OpenSSL µs/op", "ratio"));
  console.log(`|${"-".repeat(w + 2)}|${"-".repeat(13)}:|${"-".repeat(17)}:|${"-".repeat(7)}:|`);
  for (const r of results) {
    console.log(line(r.name, r.ours.toFixed(2), r.openssl.toFixed(2), (r.ours / r.openssl).toFixed(2)));
  }
}

/** The rows for test/fixtures/crypto-a. Other fixtures add theirs next to these. */
export function rows(a: CryptoA): Row[] {
  const x = a.exports;
  const rng = (n: number) => crypto.randomBytes(n);

  // SHA-256 of 1 KiB: input already in Wasm memory (as host-copied request data would be)
  const kib = rng(1024);
  const kibPtr = a.put(kib);
  const out = x.alloc(64);

  // HS256 over a typical JWS signing input (~300 bytes) with a 32-byte key
  const header = Buffer.from('{"alg":"HS256","typ":"JWT","kid":"2024-09-key-1"}').toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({ iss: "https://issuer.example.com", sub: "user-1234567890", aud: "api.example.com",
      exp: 1893456000, iat: 1700000000, scope: "read write", tenant: "acme-corp", roles: ["admin", "dev"] }),
  ).toString("base64url");
  const signingInput = Buffer.from(`${header}.${payload}`);
  const hsKey = rng(32);
  const hsKeyPtr = a.put(hsKey);
  const siPtr = a.put(signingInput);
  a.hmacSetKey(Hash.SHA256, hsKey);
  const mac = crypto.createHmac("sha256", hsKey).update(signingInput).digest();
  const macPtr = a.put(mac);
  const hsKeyObj = crypto.createSecretKey(hsKey);

  // Ed25519 verify of the same signing input
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const edSig = crypto.sign(null, signingInput, privateKey);
  const edPk = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const edPkPtr = a.put(edPk);
  const edSigPtr = a.put(edSig);
  if (x.edVerify(edPkPtr, 32, siPtr, signingInput.length, edSigPtr, 64) !== 1) throw new Error("ed25519 self-check");
  if (x.edKeySet(edPkPtr, 32) !== 1 || x.edKeyVerify(siPtr, signingInput.length, edSigPtr, 64) !== 1) {
    throw new Error("ed25519 prepared key self-check");
  }
  if (x.hmacKeyedVerify(siPtr, signingInput.length, macPtr, 32) !== 1) throw new Error("hmac self-check");

  return [
    {
      name: "SHA-256 1 KiB",
      ours: () => x.shaDigest(0, kibPtr, 1024, out),
      openssl: () => crypto.hash("sha256", kib, "buffer"),
    },
    {
      name: `HS256 ${signingInput.length} B (key per call)`,
      ours: () => x.hmacDigest(0, hsKeyPtr, 32, siPtr, signingInput.length, out),
      openssl: () => crypto.createHmac("sha256", hsKey).update(signingInput).digest(),
    },
    {
      name: `HS256 ${signingInput.length} B verify (keyed)`,
      ours: () => x.hmacKeyedVerify(siPtr, signingInput.length, macPtr, 32),
      openssl: () => crypto.timingSafeEqual(crypto.createHmac("sha256", hsKeyObj).update(signingInput).digest(), mac),
    },
    {
      name: "Ed25519 verify",
      ours: () => x.edVerify(edPkPtr, 32, siPtr, signingInput.length, edSigPtr, 64),
      openssl: () => crypto.verify(null, signingInput, publicKey, edSig),
    },
    {
      name: "Ed25519 verify (prepared key)",
      ours: () => x.edKeyVerify(siPtr, signingInput.length, edSigPtr, 64),
      openssl: () => crypto.verify(null, signingInput, publicKey, edSig),
    },
  ];
}

/**
 * Rows for test/fixtures/crypto-b (RSA / ECDSA verification and key import). The fixture takes
 * inputs through numbered byte slots (input(slot, len) returns the address to write to); each row
 * keeps its own slots and key handle, so the prepared inputs stay in Wasm memory between calls.
 */
export function rowsB(b: Fixture): Row[] {
  const x = b.exports;
  const put = (slot: number, data: Uint8Array) => {
    const p = x.input(slot, data.length) as number;
    new Uint8Array(b.memory.buffer, p, data.length).set(data);
  };
  const header = Buffer.from('{"alg":"RS256","typ":"JWT","kid":"2024-09-key-1"}').toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({ iss: "https://issuer.example.com", sub: "user-1234567890", aud: "api.example.com",
      exp: 1893456000, iat: 1700000000, scope: "read write", tenant: "acme-corp", roles: ["admin", "dev"] }),
  ).toString("base64url");
  const msg = Buffer.from(`${header}.${payload}`);
  put(0, msg); // the signing input, shared by every verify row
  const pss = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const out: Row[] = [];
  let slot = 1;
  let handle = 0;

  const rsa = (bits: number, e: number, scheme: 0 | 1) => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: e });
    const jwk = publicKey.export({ format: "jwk" });
    const sig = scheme === 0 ? crypto.sign("sha256", msg, privateKey) : crypto.sign("sha256", msg, { key: privateKey, ...pss });
    const h = handle++;
    const [nSlot, eSlot, sSlot] = [slot++, slot++, slot++];
    put(nSlot, Buffer.from(jwk.n!, "base64url"));
    put(eSlot, Buffer.from(jwk.e!, "base64url"));
    put(sSlot, sig);
    if (x.rsaKey(h, nSlot, eSlot, 2048) !== 1 || x.rsaVerify(h, scheme, 0, 0, sSlot, 0) !== 1) {
      throw new Error(`RSA ${bits} self-check`);
    }
    const verifyKey = scheme === 0 ? publicKey : { key: publicKey, ...pss };
    out.push({
      name: `${scheme === 0 ? "RS256" : "PS256"} verify (${bits}-bit, e=${e})`,
      ours: () => x.rsaVerify(h, scheme, 0, 0, sSlot, 0),
      openssl: () => crypto.verify("sha256", msg, verifyKey, sig),
    });
    return { h, nSlot, eSlot, jwk };
  };
  const r2048 = rsa(2048, 65537, 0);
  rsa(2048, 65537, 1);
  rsa(2048, 3, 0);
  rsa(4096, 65537, 0);

  const ec = (crv: "P-256" | "P-384") => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: crv });
    const jwk = publicKey.export({ format: "jwk" });
    const hash = crv === "P-256" ? "sha256" : "sha384";
    const sig = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: "ieee-p1363" });
    const h = 32 + handle++;
    const [xSlot, ySlot, sSlot] = [slot++, slot++, slot++];
    put(xSlot, Buffer.from(jwk.x!, "base64url"));
    put(ySlot, Buffer.from(jwk.y!, "base64url"));
    put(sSlot, sig);
    const curve = crv === "P-256" ? 0 : 1;
    if (x.ecKey(h, curve, xSlot, ySlot) !== 1 || x.ecVerify(h, 0, sSlot, 0) !== 1) throw new Error(`${crv} self-check`);
    const verifyKey = { key: publicKey, dsaEncoding: "ieee-p1363" as const };
    out.push({
      name: `${crv === "P-256" ? "ES256" : "ES384"} verify`,
      ours: () => x.ecVerify(h, 0, sSlot, 0),
      openssl: () => crypto.verify(hash, msg, verifyKey, sig),
    });
    return { h, curve, xSlot, ySlot, jwk };
  };
  const p256 = ec("P-256");
  ec("P-384");

  // Key import from JWK members (ours: bytes already decoded; OpenSSL: from the JWK object)
  const spare = 60;
  const rsaJwk = { kty: "RSA", n: r2048.jwk.n, e: r2048.jwk.e };
  out.push({
    name: "RSA 2048 key import",
    ours: () => x.rsaKey(spare, r2048.nSlot, r2048.eSlot, 2048),
    openssl: () => crypto.createPublicKey({ key: rsaJwk, format: "jwk" }),
  });
  const ecJwk = { kty: "EC", crv: "P-256", x: p256.jwk.x, y: p256.jwk.y };
  out.push({
    name: "P-256 key import (+ table)",
    ours: () => x.ecKey(spare + 1, p256.curve, p256.xSlot, p256.ySlot),
    openssl: () => crypto.createPublicKey({ key: ecJwk, format: "jwk" }),
  });
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
  };
  const rounds = Number(opt("--rounds", "15"));
  const ms = Number(opt("--ms", "50"));
  const filter = opt("--filter", "");
  const t0 = Date.now();
  const binary = await compileFixture("test/fixtures/crypto-a/index.ts");
  const a = new CryptoA(binary);
  console.log(`crypto-a fixture: ${binary.length} bytes (-O3), compiled in ${Date.now() - t0} ms; ` +
    `node ${process.version}, OpenSSL ${process.versions.openssl}; ${rounds} interleaved rounds of ~${ms} ms\n`);
  const all: Row[] = [...rows(a)];
  // Other fixtures' rows go here, one line each:
  all.push(...rowsB(await loadFixture("test/fixtures/crypto-b/index.ts")));
  runRows(all.filter((r) => r.name.toLowerCase().includes(filter.toLowerCase())), rounds, ms);
  console.log(`\n(total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
