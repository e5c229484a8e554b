import { Xorshift } from "./prng";
// In-wasm fuzz smoke tests: deterministic random and mutated inputs for every parser in assembly/lib.
// A trap (bounds check, assert, throw) would make as-pect report the test as failed, so a passing run
// means no input here aborted. Where cheap, results are also checked against a round-trip property.

import { JsonLimits, JsonValue, parseJson, parseJsonBytes } from "../../assembly/lib/json";
import {
  base64Decode,
  base64DecodeBytes,
  base64DecodeRange,
  base64Encode,
  base64UrlDecode,
  base64UrlDecodeBytes,
  base64UrlDecodeRange,
  base64UrlEncode,
} from "../../assembly/lib/base64";
import {
  BaggageLookup,
  appendBaggageMember,
  findBaggageValue,
  findSw8CorrelationValue,
  isToken,
  percentDecode,
  percentEncodeBaggageValue,
} from "../../assembly/lib/baggage";

const ITERATIONS: i32 = 40000;

// ---- deterministic PRNG (xorshift32) -------------------------------------------------------

const rng = new Xorshift(0x9e3779b9);
function seed(s: u32): void { rng.reseed(s); }
function next(): u32 { return rng.next(); }
function below(n: i32): i32 { return rng.below(n); }

// ---- input generation ---------------------------------------------------------------------

// Bytes that are structurally interesting to one of the parsers, plus UTF-8 edge bytes.
const SPECIAL: u8[] = [
  0x25, 0x2c, 0x3b, 0x3d, 0x22, 0x5c, 0x7b, 0x5b, 0x7d, 0x5d, 0x3a, 0x20, 0x09, 0x0a, 0x30, 0x2d, 0x2e,
  0x65, 0x75, 0x2b, 0x2f, 0x5f, 0x00, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff, 0x41, 0x3d, 0x2c,
];

function specialByte(): u8 {
  return unchecked(SPECIAL[below(SPECIAL.length)]);
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function randomBytes(maxLen: i32): Uint8Array {
  const len = below(maxLen + 1);
  const out = new Uint8Array(len);
  const mode = below(3);
  for (let i = 0; i < len; i++) {
    if (mode == 0) out[i] = <u8>next();
    else if (mode == 1) out[i] = specialByte();
    else out[i] = <u8>(0x20 + below(0x5f)); // printable ASCII
  }
  return out;
}

// Applies 1..4 random mutations: byte flip, truncation, deletion, duplication, special insertion.
function mutate(src: Uint8Array): Uint8Array {
  let cur = src;
  const rounds = 1 + below(4);
  for (let r = 0; r < rounds; r++) {
    const len = cur.length;
    const op = below(6);
    if (op == 0 && len > 0) {
      const c = cur.slice(0);
      c[below(len)] = <u8>next();
      cur = c;
    } else if (op == 1 && len > 0) {
      cur = cur.slice(0, below(len));
    } else if (op == 2 && len > 0) {
      const a = below(len);
      const b = a + below(len - a + 1);
      const c = new Uint8Array(len - (b - a));
      c.set(cur.subarray(0, a), 0);
      c.set(cur.subarray(b), a);
      cur = c;
    } else if (op == 3 && len > 0) {
      const a = below(len);
      const b = a + below(len - a + 1);
      const c = new Uint8Array(len + (b - a));
      c.set(cur.subarray(0, b), 0);
      c.set(cur.subarray(a), b);
      cur = c;
    } else {
      const at = below(len + 1);
      const n = 1 + below(3);
      const c = new Uint8Array(len + n);
      c.set(cur.subarray(0, at), 0);
      for (let k = 0; k < n; k++) c[at + k] = specialByte();
      c.set(cur.subarray(at), at + n);
      cur = c;
    }
  }
  return cur;
}

function pick(samples: string[]): Uint8Array {
  return utf8(unchecked(samples[below(samples.length)]));
}

// Byte i -> UTF-16 unit i (Latin-1), sometimes with a random unit (incl. lone surrogates) mixed in.
function toWideString(b: Uint8Array, wild: bool): string {
  const n = b.length;
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    let u = <u16>b[i];
    if (wild && below(16) == 0) u = <u16>next();
    store<u16>(p + (<usize>i << 1), u);
  }
  return s;
}

// ASCII-only view of bytes (high bit cleared): the domain where header strings and bytes agree.
function toAsciiString(b: Uint8Array): string {
  const n = b.length;
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u16>(p + (<usize>i << 1), <u16>(b[i] & 0x7f));
  return s;
}

function hasLoneSurrogate(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

// ---- JSON ---------------------------------------------------------------------------------

const JSON_SAMPLES: string[] = [
  '{"alg":"RS256","kid":"k1","typ":"JWT"}',
  '{"sub":"1234567890","name":"John Doe","iat":1516239022,"exp":1516242622,"aud":["a","b"],"admin":true}',
  '{"rules":[{"header":"x-mse-tag","baggage_key":"x-mse-tag","override":false}],"nested":{"a":{"b":[1,2.5,-3e2,null]}}}',
  '["\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/",0,-0,1e-7,123456789012345678901234567890,{"k":{}}]',
  '[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]',
  '"Am\u00e9lie \u20ac \ud83d\ude00"',
  '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}',
  " true ",
  "-12.5e+3",
];

let jsonMismatch: string = "";

function fuzzJsonOne(data: Uint8Array): void {
  const limits = below(4) == 0 ? new JsonLimits(below(256), below(8)) : null;
  const r = parseJsonBytes(data, limits);
  if (!r.ok) {
    // Error results must be well-formed too.
    if (r.error.length == 0 || r.offset < 0) jsonMismatch = "bad error result";
    return;
  }
  const v = r.value!;
  // Poke the accessors with arbitrary arguments.
  v.at(<i32>next());
  v.at(below(4) - 1);
  v.get("a");
  v.has("sub");
  const len = v.length;
  for (let i = 0; i < len && i < 4; i++) {
    const item = v.isArray() ? v.at(i) : v.get(v.keys[i]);
    if (item == null) jsonMismatch = "missing member " + i.toString();
  }
  // Property: serialization re-parses to the same serialization.
  const s1 = v.toString();
  const r2 = parseJson(s1, new JsonLimits(1 << 22, 512));
  if (!r2.ok) {
    jsonMismatch = "re-parse failed: " + r2.error + " for " + s1;
    return;
  }
  if (!sameJson(v, r2.value!)) jsonMismatch = "unstable serialization: " + s1 + " vs " + r2.value!.toString();
}

// Structural equality. Numbers may differ by an ulp: the parser is exact for non-negative decimal
// exponents and typical decimals, but relies on the standard library for the remaining cases.
// NaN/Infinity serialize as null.
function sameJson(a: JsonValue, b: JsonValue): bool {
  if (a.isNumber() && !isFinite(a.numberValue)) return b.isNull();
  if (a.kind != b.kind) return false;
  if (a.isBool()) return a.boolValue == b.boolValue;
  if (a.isString()) return a.stringValue == b.stringValue;
  if (a.isNumber()) {
    const x = a.numberValue;
    const y = b.numberValue;
    if (x == y) return true;
    return Math.abs(x - y) <= Math.abs(x) * 2.3e-16 || Math.abs(x - y) <= 5e-324;
  }
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.isArray()) {
      if (!sameJson(a.items[i], b.items[i])) return false;
    } else {
      if (a.keys[i] != b.keys[i] || !sameJson(a.values[i], b.values[i])) return false;
    }
  }
  return true;
}

describe("fuzz: json", () => {
  it("random bytes never abort", () => {
    seed(1);
    for (let i = 0; i < ITERATIONS; i++) fuzzJsonOne(randomBytes(64));
    expect<string>(jsonMismatch).toBe("");
  });
  it("mutated documents never abort", () => {
    seed(2);
    for (let i = 0; i < ITERATIONS; i++) fuzzJsonOne(mutate(pick(JSON_SAMPLES)));
    expect<string>(jsonMismatch).toBe("");
  });
  it("string input (with lone surrogates) never aborts", () => {
    seed(3);
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const s = toWideString(mutate(pick(JSON_SAMPLES)), true);
      const r = parseJson(s);
      if (r.ok) r.value!.toString();
    }
    expect<string>(jsonMismatch).toBe("");
  });
  it("built values with hostile strings and numbers serialize and parse back", () => {
    seed(4);
    let failures = 0;
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const key = toWideString(randomBytes(8), true);
      const str = toWideString(randomBytes(16), true);
      const num = reinterpret<f64>((<u64>next() << 32) | next());
      const o = JsonValue.makeObject();
      o.set("n", JsonValue.makeNumber(num));
      o.set(key, JsonValue.makeString(str));
      const text = o.toString();
      const r = parseJson(text);
      if (hasLoneSurrogate(key) || hasLoneSurrogate(str)) {
        // Written as \u escapes, which the parser rejects by design.
        if (r.ok || r.error != "lone surrogate in \\u escape") failures++;
        continue;
      }
      if (!r.ok || !sameJson(o, r.value!)) {
        failures++;
        if (failures < 5) log<string>(r.error + " in " + text);
      }
    }
    expect<i32>(failures).toBe(0);
  });
});

// ---- base64 -------------------------------------------------------------------------------

const B64_SAMPLES: string[] = [
  "Zm9vYmFy",
  "Zm9vYmE=",
  "Zm9vYg==",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
  "SGVsbG8-_w",
  "+/+/",
  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
];

const B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=";

function randomBase64ish(): string {
  const len = below(24);
  let s = "";
  for (let i = 0; i < len; i++) {
    s += below(10) == 0 ? String.fromCharCode(specialByte()) : B64_ALPHABET.charAt(below(B64_ALPHABET.length));
  }
  return s;
}

function stripPadding(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) == 0x3d) n--;
  return s.substring(0, n);
}

let b64Mismatch: string = "";

function fuzzBase64One(s: string, bytes: Uint8Array): void {
  // Property: whatever decodes is canonical, so re-encoding gives the input back.
  const u = base64UrlDecode(s);
  if (u != null && base64UrlEncode(u) != s) b64Mismatch = "url not canonical: " + s;
  const d = base64Decode(s);
  if (d != null && stripPadding(base64Encode(d)) != stripPadding(s)) b64Mismatch = "std not canonical: " + s;
  const a = below(s.length + 3) - 1;
  const b = below(s.length + 3) - 1;
  base64UrlDecodeRange(s, a, b);
  base64DecodeRange(s, a, b);
  base64UrlDecodeBytes(bytes, a, b);
  base64DecodeBytes(bytes, a, b);
  base64UrlDecodeBytes(bytes);
  base64DecodeBytes(bytes);
}

describe("fuzz: base64", () => {
  it("random alphabet soup never aborts and only canonical input decodes", () => {
    seed(5);
    for (let i = 0; i < ITERATIONS; i++) {
      const s = randomBase64ish();
      fuzzBase64One(s, utf8(s));
    }
    expect<string>(b64Mismatch).toBe("");
  });
  it("random and mutated bytes never abort", () => {
    seed(6);
    for (let i = 0; i < ITERATIONS; i++) {
      const b = below(2) == 0 ? randomBytes(48) : mutate(pick(B64_SAMPLES));
      fuzzBase64One(toWideString(b, true), b);
    }
    expect<string>(b64Mismatch).toBe("");
  });
  it("encoders round-trip random data", () => {
    seed(7);
    let failures = 0;
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const b = randomBytes(40);
      const e1 = base64Decode(base64Encode(b));
      const e2 = base64UrlDecode(base64UrlEncode(b));
      if (e1 == null || e2 == null || e1.length != b.length || e2.length != b.length) {
        failures++;
        continue;
      }
      for (let k = 0; k < b.length; k++) if (e1[k] != b[k] || e2[k] != b[k]) failures++;
    }
    expect<i32>(failures).toBe(0);
  });
});

// ---- baggage ------------------------------------------------------------------------------

const BAGGAGE_SAMPLES: string[] = [
  "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
  "serverNode=DF%2028,userId=Am%C3%A9lie,isProduction=false",
  "x-mse-tag=gray",
  "a=1,,x-mse-tag=%2C%3D, b = 2 ; p = q",
  "k=%F0%9F%98%80;p,x-mse-tag=blue",
];

const SW8_SAMPLES: string[] = [
  "eC1tc2UtdGFn:Z3JheQ==,dXNlcg==:QW3DqWxpZQ==",
  "dGFn:Ymx1ZQ==",
  " dGFn:Ymx1ZQ , eC1tc2UtdGFn:Ymx1ZQ==",
];

const KEYS: string[] = ["x-mse-tag", "key1", "key3", "userId", "tag", "a", "k", "", "b"];

let baggageMismatch: string = "";

function fuzzBaggageOne(header: string, out: BaggageLookup): void {
  const key = unchecked(KEYS[below(KEYS.length)]);
  findBaggageValue(header, key, out);
  if (out.malformed < 0 || (!out.found && out.value.length != 0)) baggageMismatch = "bad lookup state";
  findSw8CorrelationValue(header, key, out);
  percentDecode(header);
  isToken(header);
  const enc = percentEncodeBaggageValue(header);
  // Property: encoding is reversible for text without lone surrogates.
  if (!hasLoneSurrogate(header)) {
    const dec = percentDecode(enc);
    if (dec == null || dec != header) baggageMismatch = "percent round trip failed for: " + header;
  }
  // Property: an appended member is found again, unless the key was already present.
  if (key.length > 0) {
    findBaggageValue(header, key, out);
    const before = out.found;
    const appended = appendBaggageMember(header, key, "v%, ;");
    if (appended != null && !before) {
      findBaggageValue(appended, key, out);
      if (!out.found || out.value != "v%, ;") baggageMismatch = "appended member not found in: " + appended;
    }
  }
}

describe("fuzz: baggage", () => {
  it("random strings never abort", () => {
    seed(8);
    const out = new BaggageLookup();
    for (let i = 0; i < ITERATIONS; i++) fuzzBaggageOne(toWideString(randomBytes(64), true), out);
    expect<string>(baggageMismatch).toBe("");
  });
  it("mutated W3C headers never abort", () => {
    seed(9);
    const out = new BaggageLookup();
    for (let i = 0; i < ITERATIONS; i++) {
      const b = mutate(pick(BAGGAGE_SAMPLES));
      fuzzBaggageOne(below(2) == 0 ? toAsciiString(b) : toWideString(b, below(4) == 0), out);
    }
    expect<string>(baggageMismatch).toBe("");
  });
  it("mutated sw8-correlation headers never abort", () => {
    seed(10);
    const out = new BaggageLookup();
    for (let i = 0; i < ITERATIONS; i++) {
      fuzzBaggageOne(toAsciiString(mutate(pick(SW8_SAMPLES))), out);
    }
    expect<string>(baggageMismatch).toBe("");
  });
});
