// Bounded, strict JSON (RFC 8259) parser and serializer.
//
// Used for plugin configuration (parsed once) and for JWT headers and payloads (per request, attacker
// controlled). The parser therefore never aborts: every problem becomes a JsonResult with a short
// message and the byte offset where it was found.
//
// Decisions:
// - Strict grammar: no comments, trailing commas, leading zeros, single quotes, NaN/Infinity, BOM, or
//   data after the value. Control characters (< 0x20) inside strings must be escaped.
// - The input must be valid UTF-8 (overlong forms, surrogate code points and > U+10FFFF are rejected).
// - Lone surrogates in \u escapes ("\ud800" without a following low surrogate, or a lone low surrogate)
//   are REJECTED: they would produce a string that is not valid Unicode and that different consumers
//   re-encode differently (U+FFFD, WTF-8, ...), which is a claim-confusion risk for JWTs.
// - Duplicate object keys are an ERROR, for the same reason: parsers disagree on which one wins.
// - Numbers are f64, correctly rounded for integers and for all values with a non-negative decimal
//   exponent (up to 19 significant digits), and for ordinary decimals; see decimalToF64. Literals
//   that overflow f64 (e.g. 1e400) are rejected as out of range; underflow rounds to 0.
// - Nesting is limited by JsonLimits.maxDepth (default 64, hard cap JSON_MAX_DEPTH_CAP). The parser is
//   iterative (explicit container stack), so the limit exists to bound consumers and toString(), which
//   recurse once per level, not the parser itself.
// - Input size is limited by JsonLimits.maxBytes (default 1 MiB) and the number of values by
//   JsonLimits.maxValues (default 131072), which bounds memory (about 60 bytes per value; empty
//   containers allocate no arrays). Callers parsing per-request data (JWTs) should pass smaller limits.

import { TextBuilder } from "./text-builder";
import { hexDigitValue } from "./ascii";
/** Hard upper bound for JsonLimits.maxDepth, so toString() and recursive consumers stay well inside the stack. */
export const JSON_MAX_DEPTH_CAP: i32 = 512;

export enum JsonKind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

// Object members are found by a linear scan while the object is small; from this many members on, a
// Map index is built so that duplicate detection and get() stay O(1) on large (hostile) objects.
const INDEX_THRESHOLD: i32 = 8;

const TWO_POW_53: f64 = 9007199254740992.0;

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  boolValue: bool = false;
  numberValue: f64 = 0;
  stringValue: string = "";
  /** Array elements. Read-only: for non-arrays this is a shared empty array; use push() to add. */
  items: Array<JsonValue> = EMPTY_VALUES;
  /** Object member names, in document order. Read-only: use set() to add. */
  keys: Array<string> = EMPTY_KEYS;
  /** Object member values, parallel to keys. Read-only: use set() to add. */
  values: Array<JsonValue> = EMPTY_VALUES;
  private index: Map<string, i32> | null = null;

  // ---- construction -------------------------------------------------------------------------

  static makeNull(): JsonValue {
    return new JsonValue();
  }
  static makeBool(b: bool): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Bool;
    v.boolValue = b;
    return v;
  }
  static makeNumber(n: f64): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.numberValue = n;
    return v;
  }
  static makeString(s: string): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.String;
    v.stringValue = s;
    return v;
  }
  // Containers get their own arrays on the first element: empty ones ({} and [] are common in
  // hostile input) cost one object, not three.
  static makeArray(): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    return v;
  }
  static makeObject(): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    return v;
  }

  /** Appends to an array. Returns false (and does nothing) if this is not an array. */
  push(value: JsonValue): bool {
    if (this.kind != JsonKind.Array) return false;
    if (this.items.length == 0) this.items = new Array<JsonValue>(); // leave the shared empty array alone
    this.items.push(value);
    return true;
  }

  /** Sets an object member, replacing an existing one with that key. False if this is not an object. */
  set(key: string, value: JsonValue): bool {
    if (this.kind != JsonKind.Object) return false;
    const i = this.indexOf(key);
    if (i >= 0) {
      unchecked((this.values[i] = value));
      return true;
    }
    return this.addMember(key, value);
  }

  // Adds a member; returns false if the key already exists (used by the parser to reject duplicates).
  addMember(key: string, value: JsonValue): bool {
    if (this.kind != JsonKind.Object) return false;
    const n = this.keys.length;
    let index = this.index;
    if (index != null) {
      if (index.has(key)) return false;
      index.set(key, n);
    } else {
      if (this.indexOf(key) >= 0) return false;
      if (n + 1 >= INDEX_THRESHOLD) {
        index = new Map<string, i32>();
        for (let i = 0; i < n; i++) index.set(unchecked(this.keys[i]), i);
        index.set(key, n);
        this.index = index;
      }
    }
    if (n == 0) { // leave the shared empty arrays alone
      this.keys = new Array<string>();
      this.values = new Array<JsonValue>();
    }
    this.keys.push(key);
    this.values.push(value);
    return true;
  }

  private indexOf(key: string): i32 {
    if (this.kind != JsonKind.Object) return -1;
    const index = this.index;
    if (index != null) return index.has(key) ? index.get(key) : -1;
    const keys = this.keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (unchecked(keys[i]) == key) return i;
    }
    return -1;
  }

  // ---- inspection ---------------------------------------------------------------------------

  isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  isBool(): bool {
    return this.kind == JsonKind.Bool;
  }
  isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  isString(): bool {
    return this.kind == JsonKind.String;
  }
  isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  isObject(): bool {
    return this.kind == JsonKind.Object;
  }

  /** A number with no fractional part and |n| <= 2^53 (so it is exact, e.g. a JWT "exp"). */
  isInteger(): bool {
    if (this.kind != JsonKind.Number) return false;
    const n = this.numberValue;
    return Math.trunc(n) == n && Math.abs(n) <= TWO_POW_53; // false for NaN and infinities
  }

  /** Object member or null (also null when this is not an object). */
  get(key: string): JsonValue | null {
    const i = this.indexOf(key);
    return i >= 0 ? unchecked(this.values[i]) : null;
  }

  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }

  /** Array element or null for any out-of-range index (or when this is not an array). */
  at(index: i32): JsonValue | null {
    if (this.kind != JsonKind.Array || index < 0 || index >= this.items.length) return null;
    return unchecked(this.items[index]);
  }

  /** Element count of an array, member count of an object, 0 otherwise. */
  get length(): i32 {
    if (this.kind == JsonKind.Array) return this.items.length;
    if (this.kind == JsonKind.Object) return this.keys.length;
    return 0;
  }

  /** "null", "boolean", "number", "string", "array" or "object": for config error messages. */
  kindName(): string {
    switch (this.kind) {
      case JsonKind.Bool:
        return "boolean";
      case JsonKind.Number:
        return "number";
      case JsonKind.String:
        return "string";
      case JsonKind.Array:
        return "array";
      case JsonKind.Object:
        return "object";
      default:
        return "null";
    }
  }

  /**
   * Compact JSON. Non-finite numbers become null. Lone surrogates in strings are written as \u escapes.
   * Containers nested deeper than JSON_MAX_DEPTH_CAP (only possible for values built by hand) are cut
   * off as null rather than risking the stack.
   */
  toString(): string {
    const out = new TextBuilder(64);
    writeValue(out, this, 0);
    return out.toString();
  }
}

// Shared empty arrays for the container fields of values that are not containers (saves three
// allocations per scalar). Never mutated: push()/set() refuse the wrong kind.
const EMPTY_VALUES = new Array<JsonValue>(0);
const EMPTY_KEYS = new Array<string>(0);

export class JsonLimits {
  /** Bytes of UTF-8 input. */
  maxBytes: i32;
  /** Nesting of arrays and objects (capped at JSON_MAX_DEPTH_CAP). */
  maxDepth: i32;
  /** Values (scalars and containers) in the document: bounds the memory one document can take. */
  maxValues: i32;
  constructor(maxBytes: i32 = 1 << 20, maxDepth: i32 = 64, maxValues: i32 = 1 << 17) {
    this.maxBytes = maxBytes;
    this.maxDepth = maxDepth;
    this.maxValues = maxValues;
  }
}

const DEFAULT_LIMITS = new JsonLimits();

export class JsonResult {
  value: JsonValue | null = null;
  /** Empty on success; otherwise a short message. */
  error: string = "";
  /** Byte offset (into the UTF-8 input) of the error; 0 on success. */
  offset: i32 = 0;
  get ok(): bool {
    return this.value != null && this.error.length == 0;
  }
}

/** Parses UTF-8 JSON. Never aborts. */
export function parseJsonBytes(data: Uint8Array, limits: JsonLimits | null = null): JsonResult {
  const l = limits != null ? limits : DEFAULT_LIMITS;
  const maxBytes = l.maxBytes;
  let maxDepth = l.maxDepth;
  if (maxDepth > JSON_MAX_DEPTH_CAP) maxDepth = JSON_MAX_DEPTH_CAP;
  if (maxDepth < 0) maxDepth = 0;
  const result = new JsonResult();
  if (data.length > maxBytes) {
    result.error = "input larger than " + maxBytes.toString() + " bytes";
    result.offset = maxBytes < 0 ? 0 : maxBytes;
    return result;
  }
  const parser = new Parser(data.dataStart, data.length, maxDepth, l.maxValues);
  const value = parser.parseDocument();
  if (value == null || parser.error.length != 0) {
    result.error = parser.error.length != 0 ? parser.error : "invalid JSON";
    result.offset = parser.errorAt;
  } else {
    result.value = value;
  }
  // Don't keep a large string scratch buffer alive after parsing an unusually big document.
  if (scratch.capacity() > 16384) scratch = new TextBuilder(256);
  return result;
}

/**
 * Parses JSON text. The text is encoded to UTF-8 first and offsets refer to that encoding; lone
 * surrogates in the text itself are reported as invalid UTF-8.
 */
export function parseJson(text: string, limits: JsonLimits | null = null): JsonResult {
  return parseJsonBytes(Uint8Array.wrap(String.UTF8.encode(text)), limits);
}

// =============================================================================================
// UTF-16 output buffer, used for decoding strings (shared scratch) and for serialization.

let scratch = new TextBuilder(256);

// =============================================================================================
// Serialization

function hexDigit(v: u32): u32 {
  return v < 10 ? 0x30 + v : 0x57 + v; // lowercase a-f
}

function writeUnicodeEscape(out: TextBuilder, u: u32): void {
  out.push(0x5c); // '\'
  out.push(0x75); // 'u'
  out.push(hexDigit((u >> 12) & 15));
  out.push(hexDigit((u >> 8) & 15));
  out.push(hexDigit((u >> 4) & 15));
  out.push(hexDigit(u & 15));
}

function writeString(out: TextBuilder, s: string): void {
  const n = s.length;
  out.ensure(n + 2);
  out.push(0x22);
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    const u = <u32>load<u16>(p + (<usize>i << 1));
    if (u == 0x22 || u == 0x5c) {
      out.push(0x5c);
      out.push(u);
    } else if (u < 0x20) {
      if (u == 0x08) {
        out.push(0x5c);
        out.push(0x62);
      } else if (u == 0x0c) {
        out.push(0x5c);
        out.push(0x66);
      } else if (u == 0x0a) {
        out.push(0x5c);
        out.push(0x6e);
      } else if (u == 0x0d) {
        out.push(0x5c);
        out.push(0x72);
      } else if (u == 0x09) {
        out.push(0x5c);
        out.push(0x74);
      } else {
        writeUnicodeEscape(out, u);
      }
    } else if (u >= 0xd800 && u <= 0xdfff) {
      // Keep well-formed pairs as they are; escape lone surrogates so the output stays valid text.
      if (u <= 0xdbff && i + 1 < n) {
        const lo = <u32>load<u16>(p + (<usize>(i + 1) << 1));
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          out.push(u);
          out.push(lo);
          i++;
          continue;
        }
      }
      writeUnicodeEscape(out, u);
    } else {
      out.push(u);
    }
  }
  out.push(0x22);
}

function writeNumber(out: TextBuilder, n: f64): void {
  if (!isFinite(n)) {
    out.pushString("null");
  } else if (Math.trunc(n) == n && Math.abs(n) <= TWO_POW_53) {
    out.pushString((<i64>n).toString()); // "1", not AssemblyScript's "1.0"
  } else {
    out.pushString(n.toString()); // e.g. "0.5", "1e+300": valid JSON number syntax
  }
}

function writeValue(out: TextBuilder, v: JsonValue, depth: i32): void {
  switch (v.kind) {
    case JsonKind.Bool:
      out.pushString(v.boolValue ? "true" : "false");
      break;
    case JsonKind.Number:
      writeNumber(out, v.numberValue);
      break;
    case JsonKind.String:
      writeString(out, v.stringValue);
      break;
    case JsonKind.Array: {
      if (depth >= JSON_MAX_DEPTH_CAP) {
        out.pushString("null");
        break;
      }
      out.push(0x5b);
      const items = v.items;
      for (let i = 0, n = items.length; i < n; i++) {
        if (i > 0) out.push(0x2c);
        writeValue(out, unchecked(items[i]), depth + 1);
      }
      out.push(0x5d);
      break;
    }
    case JsonKind.Object: {
      if (depth >= JSON_MAX_DEPTH_CAP) {
        out.pushString("null");
        break;
      }
      out.push(0x7b);
      const keys = v.keys;
      const values = v.values;
      let n = keys.length;
      if (values.length < n) n = values.length;
      for (let i = 0; i < n; i++) {
        if (i > 0) out.push(0x2c);
        writeString(out, unchecked(keys[i]));
        out.push(0x3a);
        writeValue(out, unchecked(values[i]), depth + 1);
      }
      out.push(0x7d);
      break;
    }
    default:
      out.pushString("null");
  }
}

// =============================================================================================
// Parser

const C_QUOTE: i32 = 0x22;
const C_BACKSLASH: i32 = 0x5c;
const C_SLASH: i32 = 0x2f;
const C_COMMA: i32 = 0x2c;
const C_COLON: i32 = 0x3a;
const C_LBRACKET: i32 = 0x5b;
const C_RBRACKET: i32 = 0x5d;
const C_LBRACE: i32 = 0x7b;
const C_RBRACE: i32 = 0x7d;
const C_MINUS: i32 = 0x2d;
const C_PLUS: i32 = 0x2b;
const C_DOT: i32 = 0x2e;
const C_0: i32 = 0x30;

// @ts-ignore: decorator
@inline function isDigit(c: i32): bool {
  return <u32>(c - C_0) < 10;
}


// Short description of the byte at a position, for messages.
function describeByte(c: i32): string {
  if (c < 0) return "end of input";
  if (c >= 0x21 && c < 0x7f) return "'" + String.fromCharCode(c) + "'";
  return "byte 0x" + (c < 16 ? "0" : "") + c.toString(16);
}

// Key text for an error message: escaped like JSON and truncated, so it is safe to log.
function quoteKeyForMessage(key: string): string {
  const out = new TextBuilder(key.length + 8);
  writeString(out, key.length > 64 ? key.substring(0, 64) + "..." : key);
  return out.toString();
}

// ---------------------------------------------------------------------------------------------
// Decimal to f64.
//
// The number text [start, end) at base has already been validated against the JSON grammar. It is
// reduced to w * 10^e10 with w holding the first 19 significant digits (plus a sticky flag for
// dropped non-zero digits). Typical values (<= 2^53 significand, |e10| <= 22: every integer a JWT
// or config holds, and ordinary decimals) take Clinger's fast path, which is exact because both w
// and 10^|e10| are exact doubles and IEEE division/multiplication rounds once.
//
// Other values with e10 >= 0 are computed exactly as a big integer and rounded once (bigToF64).
// We don't use the standard library for them: AssemblyScript 0.27's strtod drops a factor
// 10^(e-22) when a significand above 2^53 meets a decimal exponent e in 23..37 (for example
// "1.2345678901234569e40" parses as ~1.23e38). Values with e10 < 0 go to the standard parseFloat
// with a canonical string; its path for negative exponents round-trips every double in our fuzzing.
// Only when more than 19 significant digits are given can the result be an ulp off (the dropped
// digits are folded into a sticky bit).

const TWO_POW_53_U: u64 = 9007199254740992;

function exactPow10(n: i32): f64 {
  // 10^n is exactly representable for 0 <= n <= 22.
  let r: f64 = 1;
  for (let i = 0; i < n; i++) r *= 10;
  return r;
}

// @ts-ignore: decorator
@inline function limbBit(limbs: StaticArray<u32>, b: i32): u32 {
  return (unchecked(limbs[b >>> 5]) >>> (<u32>b & 31)) & 1;
}

const MAX_LIMBS: i32 = 36; // 1152 bits: enough for w < 2^64 times 10^309

// w * 10^e10 (e10 >= 0, e10 + digits(w) <= 310) rounded to nearest-even. `sticky` says the true
// value is slightly above w * 10^e10 (non-zero digits were dropped).
function bigToF64(w: u64, e10: i32, sticky: bool): f64 {
  const limbs = new StaticArray<u32>(MAX_LIMBS);
  unchecked((limbs[0] = <u32>w));
  unchecked((limbs[1] = <u32>(w >> 32)));
  let n = 2;
  let e = e10;
  while (e > 0) {
    const k = e < 9 ? e : 9; // 10^9 < 2^32
    const m = <u64>exactPow10(k);
    let carry: u64 = 0;
    for (let i = 0; i < n; i++) {
      const t = <u64>unchecked(limbs[i]) * m + carry;
      unchecked((limbs[i] = <u32>t));
      carry = t >> 32;
    }
    if (carry != 0) {
      if (n >= MAX_LIMBS) return Infinity; // cannot happen for e10 <= 310; never index out of range
      unchecked((limbs[n] = <u32>carry));
      n++;
    }
    e -= k;
  }
  while (n > 0 && unchecked(limbs[n - 1]) == 0) n--;
  if (n == 0) return 0;
  let top = (n - 1) * 32 + (31 - <i32>clz(unchecked(limbs[n - 1]))); // index of the highest set bit
  if (top < 53) return <f64>((<u64>unchecked(limbs[1]) << 32) | <u64>unchecked(limbs[0])); // exact
  if (top > 1023) return Infinity;
  let m: u64 = 0;
  for (let b = top; b >= top - 52; b--) m = (m << 1) | <u64>limbBit(limbs, b);
  const roundBit = limbBit(limbs, top - 53);
  let rest = sticky;
  for (let b = top - 54; b >= 0 && !rest; b--) if (limbBit(limbs, b) != 0) rest = true;
  if (roundBit != 0 && (rest || (m & 1) != 0)) {
    m++;
    if (m == (<u64>1 << 53)) {
      m >>= 1;
      top++;
      if (top > 1023) return Infinity;
    }
  }
  return reinterpret<f64>((<u64>(top + 1023) << 52) | (m & 0xfffffffffffff));
}

function decimalToF64(base: usize, start: i32, end: i32): f64 {
  let i = start;
  let negative = false;
  if (i < end && load<u8>(base + <usize>i) == <u8>C_MINUS) {
    negative = true;
    i++;
  }
  let w: u64 = 0;
  let kept = 0; // significant digits in w
  let e10: i32 = 0;
  let sticky = false;
  let inFraction = false;
  for (; i < end; i++) {
    const c = <i32>load<u8>(base + <usize>i);
    if (c == C_DOT) {
      inFraction = true;
      continue;
    }
    if (!isDigit(c)) break; // 'e' or 'E'
    const d = c - C_0;
    if (kept == 0 && d == 0) {
      if (inFraction) e10--; // leading zero after the point
      continue;
    }
    if (kept < 19) {
      w = w * 10 + <u64>d;
      kept++;
      if (inFraction) e10--;
    } else {
      if (!inFraction) e10++; // dropped integer digit still scales the value
      if (d != 0) sticky = true;
    }
  }
  if (i < end) {
    // Exponent: saturate far beyond any finite double so that huge digit strings cannot overflow i32.
    i++;
    let expNegative = false;
    const s = <i32>load<u8>(base + <usize>i);
    if (s == C_MINUS || s == C_PLUS) {
      expNegative = s == C_MINUS;
      i++;
    }
    let exp: i32 = 0;
    for (; i < end; i++) {
      if (exp < 100000) exp = exp * 10 + (<i32>load<u8>(base + <usize>i) - C_0);
    }
    e10 += expNegative ? -exp : exp;
  }
  let value: f64;
  if (w == 0) {
    value = 0;
  } else if (e10 + kept > 310) {
    value = Infinity; // >= 10^309: reported as out of range
  } else if (e10 + kept < -330) {
    value = 0; // below the smallest subnormal (~4.9e-324): underflow
  } else if (!sticky && w <= TWO_POW_53_U && e10 >= -22 && e10 <= 22) {
    value = e10 >= 0 ? <f64>w * exactPow10(e10) : <f64>w / exactPow10(-e10);
  } else if (e10 >= 0) {
    value = bigToF64(w, e10, sticky);
  } else {
    // Canonical text for parseFloat: the kept digits, one extra '1' digit standing for the dropped
    // non-zero digits (strtod folds it into its sticky bit), and an exponent that compensates for it.
    const text = w.toString() + (sticky ? "1e" : "e") + (sticky ? e10 - 1 : e10).toString();
    value = parseFloat(text);
  }
  return negative ? -value : value;
}

class Parser {
  base: usize;
  n: i32;
  p: i32 = 0;
  maxDepth: i32;
  maxValues: i32;
  valuesLeft: i32;
  error: string = "";
  errorAt: i32 = 0;
  key: string = ""; // pending member key of the innermost object
  keyAt: i32 = 0;

  constructor(base: usize, n: i32, maxDepth: i32, maxValues: i32) {
    this.base = base;
    this.n = n;
    this.maxDepth = maxDepth;
    this.maxValues = maxValues;
    this.valuesLeft = maxValues;
  }

  // Byte at i, or -1 past the end. All reads of the input go through here (or are preceded by an
  // explicit bounds check).
  // @ts-ignore: decorator
  @inline byte(i: i32): i32 {
    return i >= 0 && i < this.n ? <i32>load<u8>(this.base + <usize>i) : -1;
  }

  fail(msg: string, at: i32): void {
    if (this.error.length == 0) {
      this.error = msg;
      this.errorAt = at;
    }
  }

  skipWs(): void {
    let p = this.p;
    const n = this.n;
    while (p < n) {
      const c = <i32>load<u8>(this.base + <usize>p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.p = p;
  }

  parseDocument(): JsonValue | null {
    const stack = new Array<JsonValue>();
    let root: JsonValue | null = null;
    this.skipWs();
    // Each iteration of the outer loop parses one value at this.p, attaches it to its parent, then
    // consumes closing brackets and the separator that leads to the next value.
    while (true) {
      this.skipWs();
      const at = this.p;
      const c = this.byte(at);
      if (--this.valuesLeft < 0) {
        this.fail("more than " + this.maxValues.toString() + " values", at);
        return null;
      }
      let v: JsonValue;
      let opened = false;
      if (c == C_LBRACE || c == C_LBRACKET) {
        if (stack.length >= this.maxDepth) {
          this.fail("nesting deeper than " + this.maxDepth.toString(), at);
          return null;
        }
        v = c == C_LBRACE ? JsonValue.makeObject() : JsonValue.makeArray();
        opened = true;
        this.p = at + 1;
      } else {
        const s = this.parseScalar();
        if (s == null) return null;
        v = s;
      }

      // Attach to the parent (or make it the root).
      if (stack.length == 0) {
        root = v;
      } else {
        const top = unchecked(stack[stack.length - 1]);
        if (top.kind == JsonKind.Array) {
          top.push(v);
        } else if (!top.addMember(this.key, v)) {
          this.fail("duplicate key " + quoteKeyForMessage(this.key), this.keyAt);
          return null;
        }
      }

      if (opened) {
        stack.push(v);
        this.skipWs();
        const d = this.byte(this.p);
        if (v.kind == JsonKind.Object) {
          if (d == C_RBRACE) {
            this.p++;
            stack.pop();
          } else {
            if (!this.readKey()) return null;
            continue;
          }
        } else {
          if (d == C_RBRACKET) {
            this.p++;
            stack.pop();
          } else {
            continue;
          }
        }
      }

      // A value is complete: close containers until a ',' leads to the next value.
      while (true) {
        this.skipWs();
        const q = this.p;
        const d = this.byte(q);
        if (stack.length == 0) {
          if (d < 0) return root;
          if (d == C_SLASH) this.fail("comments are not allowed", q);
          else this.fail("unexpected data after JSON value", q);
          return null;
        }
        const top = unchecked(stack[stack.length - 1]);
        const isObject = top.kind == JsonKind.Object;
        if (d == C_COMMA) {
          this.p = q + 1;
          this.skipWs();
          const e = this.byte(this.p);
          if (isObject) {
            if (e == C_RBRACE) {
              this.fail("trailing comma in object", q);
              return null;
            }
            if (!this.readKey()) return null;
          } else if (e == C_RBRACKET) {
            this.fail("trailing comma in array", q);
            return null;
          }
          break;
        }
        if ((isObject && d == C_RBRACE) || (!isObject && d == C_RBRACKET)) {
          this.p = q + 1;
          stack.pop();
          continue;
        }
        if (d < 0) this.fail("unexpected end of input", q);
        else if (d == C_SLASH) this.fail("comments are not allowed", q);
        else if (isObject) this.fail("expected ',' or '}' after object member, found " + describeByte(d), q);
        else this.fail("expected ',' or ']' after array element, found " + describeByte(d), q);
        return null;
      }
    }
    return null; // unreachable; keeps the compiler's flow analysis happy
  }

  // Reads `"key" :` into this.key.
  readKey(): bool {
    this.skipWs();
    const at = this.p;
    const c = this.byte(at);
    if (c != C_QUOTE) {
      if (c < 0) this.fail("unexpected end of input", at);
      else if (c == C_SLASH) this.fail("comments are not allowed", at);
      else this.fail("expected string for object key, found " + describeByte(c), at);
      return false;
    }
    const key = this.parseString();
    if (key == null) return false;
    this.key = key;
    this.keyAt = at;
    this.skipWs();
    if (this.byte(this.p) != C_COLON) {
      this.fail("expected ':' after object key", this.p);
      return false;
    }
    this.p++;
    return true;
  }

  parseScalar(): JsonValue | null {
    const at = this.p;
    const c = this.byte(at);
    if (c == C_QUOTE) {
      const s = this.parseString();
      return s == null ? null : JsonValue.makeString(s);
    }
    if (c == C_MINUS || isDigit(c)) return this.parseNumber();
    if (c == 0x74) return this.literal("true", JsonValue.makeBool(true));
    if (c == 0x66) return this.literal("false", JsonValue.makeBool(false));
    if (c == 0x6e) return this.literal("null", JsonValue.makeNull());
    if (c < 0) this.fail("unexpected end of input", at);
    else if (c == C_SLASH) this.fail("comments are not allowed", at);
    else this.fail("expected value, found " + describeByte(c), at);
    return null;
  }

  literal(word: string, v: JsonValue): JsonValue | null {
    const at = this.p;
    const len = word.length;
    for (let i = 0; i < len; i++) {
      if (this.byte(at + i) != <i32>word.charCodeAt(i)) {
        this.fail("invalid literal, expected '" + word + "'", at);
        return null;
      }
    }
    // "truex" or "nulls" must not pass as a literal followed by junk with a misleading message.
    const next = this.byte(at + len);
    if ((next >= 0x61 && next <= 0x7a) || (next >= 0x41 && next <= 0x5a) || isDigit(next)) {
      this.fail("invalid literal, expected '" + word + "'", at);
      return null;
    }
    this.p = at + len;
    return v;
  }

  parseNumber(): JsonValue | null {
    const start = this.p;
    let p = start;
    if (this.byte(p) == C_MINUS) p++;
    let c = this.byte(p);
    if (!isDigit(c)) {
      this.fail("invalid number: expected digit", p);
      return null;
    }
    if (c == C_0) {
      p++;
      if (isDigit(this.byte(p))) {
        this.fail("invalid number: leading zero", start);
        return null;
      }
    } else {
      while (isDigit(this.byte(p))) p++;
    }
    if (this.byte(p) == C_DOT) {
      p++;
      if (!isDigit(this.byte(p))) {
        this.fail("invalid number: expected digit after '.'", p);
        return null;
      }
      while (isDigit(this.byte(p))) p++;
    }
    c = this.byte(p);
    if (c == 0x65 || c == 0x45) {
      p++;
      c = this.byte(p);
      if (c == C_PLUS || c == C_MINUS) p++;
      if (!isDigit(this.byte(p))) {
        this.fail("invalid number: expected digit in exponent", p);
        return null;
      }
      while (isDigit(this.byte(p))) p++;
    }
    this.p = p;
    const value = decimalToF64(this.base, start, p);
    if (!isFinite(value)) {
      this.fail("number out of range", start);
      return null;
    }
    return JsonValue.makeNumber(value);
  }

  // Parses a string starting at the opening quote; decodes escapes and UTF-8 into the scratch buffer.
  parseString(): string | null {
    const open = this.p;
    let p = open + 1;
    const n = this.n;
    const out = scratch;
    out.len = 0;
    while (true) {
      if (p >= n) {
        this.fail("unterminated string", open);
        return null;
      }
      const c = <i32>load<u8>(this.base + <usize>p);
      if (c == C_QUOTE) {
        p++;
        break;
      }
      if (c == C_BACKSLASH) {
        const e = this.byte(p + 1);
        let u: i32 = -1;
        if (e == C_QUOTE) u = 0x22;
        else if (e == C_BACKSLASH) u = 0x5c;
        else if (e == C_SLASH) u = 0x2f;
        else if (e == 0x62) u = 0x08;
        else if (e == 0x66) u = 0x0c;
        else if (e == 0x6e) u = 0x0a;
        else if (e == 0x72) u = 0x0d;
        else if (e == 0x74) u = 0x09;
        if (u >= 0) {
          out.push(<u32>u);
          p += 2;
          continue;
        }
        if (e != 0x75) {
          if (e < 0) this.fail("unterminated string", open);
          else this.fail("invalid escape sequence", p);
          return null;
        }
        const hi = this.hex4(p + 2);
        if (hi < 0) {
          this.fail("invalid \\u escape", p);
          return null;
        }
        if (hi >= 0xdc00 && hi <= 0xdfff) {
          this.fail("lone surrogate in \\u escape", p);
          return null;
        }
        if (hi >= 0xd800 && hi <= 0xdbff) {
          // Must be followed by \u and a low surrogate.
          const lo = this.byte(p + 6) == C_BACKSLASH && this.byte(p + 7) == 0x75 ? this.hex4(p + 8) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) {
            this.fail("lone surrogate in \\u escape", p);
            return null;
          }
          out.push(<u32>hi);
          out.push(<u32>lo);
          p += 12;
          continue;
        }
        out.push(<u32>hi);
        p += 6;
        continue;
      }
      if (c < 0x20) {
        this.fail("unescaped control character in string", p);
        return null;
      }
      if (c < 0x80) {
        out.push(<u32>c);
        p++;
        continue;
      }
      // Multi-byte UTF-8: validate strictly and convert to UTF-16.
      const cp = this.utf8At(p);
      if (cp < 0) {
        this.fail("invalid UTF-8", p);
        return null;
      }
      if (cp >= 0x10000) {
        const v = <u32>cp - 0x10000;
        out.push(0xd800 + (v >> 10));
        out.push(0xdc00 + (v & 0x3ff));
        p += 4;
      } else {
        out.push(<u32>cp);
        p += cp >= 0x800 ? 3 : 2;
      }
    }
    this.p = p;
    return out.toString();
  }

  // Four hex digits at i as a value, or -1.
  hex4(i: i32): i32 {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const h = hexDigitValue(<u32>this.byte(i + k));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  }

  // Decodes the UTF-8 sequence starting with a byte >= 0x80 at i. Returns the code point, or -1 for
  // anything RFC 3629 forbids (stray continuation, overlong, surrogate, > U+10FFFF, truncated).
  // The caller derives the sequence length from the code point.
  utf8At(i: i32): i32 {
    const b0 = this.byte(i);
    if (b0 < 0xc2 || b0 > 0xf4) return -1;
    const b1 = this.byte(i + 1);
    if (b0 < 0xe0) {
      if ((b1 & 0xc0) != 0x80) return -1;
      return ((b0 & 0x1f) << 6) | (b1 & 0x3f);
    }
    // Second-byte ranges that exclude overlongs, surrogates and values above U+10FFFF.
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 == 0xe0) lo = 0xa0;
    else if (b0 == 0xed) hi = 0x9f;
    else if (b0 == 0xf0) lo = 0x90;
    else if (b0 == 0xf4) hi = 0x8f;
    if (b1 < lo || b1 > hi) return -1;
    const b2 = this.byte(i + 2);
    if ((b2 & 0xc0) != 0x80) return -1;
    if (b0 < 0xf0) return ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    const b3 = this.byte(i + 3);
    if ((b3 & 0xc0) != 0x80) return -1;
    return ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
  }
}
