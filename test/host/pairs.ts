// Header-map ("pairs") serialization and Envoy's header map semantics.
//
// Wire format (little endian): u32 count; count x (u32 key_len, u32 value_len); then for each pair
// key bytes, NUL, value bytes, NUL. Envoy's parser (proxy-wasm-cpp-host src/pairs_util.cc) returns an EMPTY
// map, silently, for a buffer over 1 MiB, a count over 1024, a missing NUL, an overread or trailing bytes.
import { PAIRS_MAX_BYTES, PAIRS_MAX_COUNT } from "./abi.ts";

export type Pair = [string, string];
/** A header name or value as a test gives it: text (sent as UTF-8) or raw bytes. */
export type HeaderText = string | Uint8Array;
export type BytePair = [Uint8Array, Uint8Array];
export type HeadersInit = Array<[HeaderText, HeaderText]> | Record<string, HeaderText | HeaderText[]>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
/** Lossy (invalid sequences become U+FFFD), like any text view of bytes. */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}
/** Bytes of a header name or value: strings as UTF-8, bytes as they are. */
export function headerBytes(v: HeaderText): Uint8Array {
  return typeof v === "string" ? utf8(v) : v;
}

/** Serialize pairs exactly like cpp-host marshalPairs (used for map-typed results and properties). */
export function serializePairs(pairs: ReadonlyArray<readonly [HeaderText, HeaderText]>): Uint8Array {
  const encoded = pairs.map(([k, v]) => [headerBytes(k), headerBytes(v)] as const);
  let size = 4;
  for (const [k, v] of encoded) size += 8 + k.length + 1 + v.length + 1;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let pos = 4;
  for (const [k, v] of encoded) {
    view.setUint32(pos, k.length, true);
    view.setUint32(pos + 4, v.length, true);
    pos += 8;
  }
  for (const [k, v] of encoded) {
    out.set(k, pos);
    pos += k.length + 1;
    out.set(v, pos);
    pos += v.length + 1;
  }
  return out;
}

export interface ParseResult<P = Pair> {
  pairs: P[];
  /** Why Envoy would have treated the buffer as an empty map, if it did. */
  rejected?: string;
}

/** parsePairBytes with names and values as text (UTF-8 decoded, lossy). */
export function parsePairs(buf: Uint8Array): ParseResult {
  const r = parsePairBytes(buf);
  const pairs = r.pairs.map(([k, v]): Pair => [fromUtf8(k), fromUtf8(v)]);
  return r.rejected === undefined ? { pairs } : { pairs, rejected: r.rejected };
}

/** Parse like cpp-host PairsUtil::toPairs (names and values as bytes): any malformation yields an empty map. */
export function parsePairBytes(buf: Uint8Array): ParseResult<BytePair> {
  const empty = (why: string): ParseResult<BytePair> => ({ pairs: [], rejected: why });
  if (buf.length > PAIRS_MAX_BYTES) return empty(`buffer of ${buf.length} bytes exceeds 1 MiB`);
  if (buf.length < 4) return buf.length === 0 ? { pairs: [] } : empty("buffer shorter than the 4-byte count");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = view.getUint32(0, true);
  if (count > PAIRS_MAX_COUNT) return empty(`${count} pairs exceed the limit of ${PAIRS_MAX_COUNT}`);
  let pos = 4;
  if (pos + count * 8 > buf.length) return empty("size table overruns the buffer");
  const sizes: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    sizes.push([view.getUint32(pos, true), view.getUint32(pos + 4, true)]);
    pos += 8;
  }
  const pairs: BytePair[] = [];
  for (const [klen, vlen] of sizes) {
    if (pos + klen + 1 > buf.length) return empty("key overruns the buffer");
    const k = buf.slice(pos, pos + klen);
    pos += klen;
    if (buf[pos++] !== 0) return empty("key is not NUL-terminated");
    if (pos + vlen + 1 > buf.length) return empty("value overruns the buffer");
    const v = buf.slice(pos, pos + vlen);
    pos += vlen;
    if (buf[pos++] !== 0) return empty("value is not NUL-terminated");
    pairs.push([k, v]);
  }
  if (pos !== buf.length) return empty(`${buf.length - pos} trailing bytes`);
  return { pairs };
}

export function toPairs(init: HeadersInit | undefined): Array<[HeaderText, HeaderText]> {
  if (!init) return [];
  if (Array.isArray(init)) return init.map(([k, v]) => [k, v]);
  const out: Array<[HeaderText, HeaderText]> = [];
  for (const [k, v] of Object.entries(init)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, v]);
  }
  return out;
}

// Names and values are held as byte strings (one char per byte, 0..255), so what a plugin wrote is
// kept byte for byte and compared exactly; text accessors decode UTF-8 for convenience.
const toBin = (v: HeaderText): string => Buffer.from(typeof v === "string" ? utf8(v) : v).toString("latin1");
const binBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));
const binText = (s: string): string => (/^[\x00-\x7f]*$/.test(s) ? s : fromUtf8(binBytes(s)));
/** Http::LowerCaseString: ASCII letters only. */
const lowerKey = (v: HeaderText): string => toBin(v).replace(/[A-Z]+/g, (m) => m.toLowerCase());

/**
 * Which bytes Envoy 1.40's router refuses in a request header value a filter wrote (measured on the
 * real binary with test/fixtures/sdk-probe mode "raw", see test/envoy/header-bytes.test.ts): NUL,
 * every other C0 control except HTAB, and DEL. SP, HTAB and 0x80-0xFF (any sequence, valid UTF-8 or
 * not) pass; so does the empty value.
 */
const REFUSED = /[\x00-\x08\x0a-\x1f\x7f]/;
export function isValidHeaderValue(value: Uint8Array): boolean {
  return !REFUSED.test(toBin(value));
}

/**
 * An Envoy HeaderMap: keys lower-cased (Http::LowerCaseString), insertion order kept except that pseudo
 * headers (":x") stay in front of regular ones, repeated keys allowed. Names and values are bytes:
 * accessors take text (UTF-8) or bytes; get/pairs/... answer text, the *Bytes accessors bytes.
 */
export class HeaderMap {
  private entries: Pair[] = []; // byte strings

  constructor(init?: HeadersInit) {
    for (const [k, v] of toPairs(init)) this.add(k, v);
  }

  static from(init?: HeadersInit): HeaderMap {
    return new HeaderMap(init);
  }

  /** addCopy: append (pseudo headers go after the last pseudo header). */
  add(key: HeaderText, value: HeaderText): void {
    const k = lowerKey(key);
    const v = toBin(value);
    if (k.startsWith(":")) {
      let i = 0;
      while (i < this.entries.length && this.entries[i][0].startsWith(":")) i++;
      this.entries.splice(i, 0, [k, v]);
    } else {
      this.entries.push([k, v]);
    }
  }
  /** setCopy: Envoy removes every entry for the key and appends one. */
  set(key: HeaderText, value: HeaderText): void {
    this.remove(key);
    this.add(key, value);
  }
  remove(key: HeaderText): void {
    const k = lowerKey(key);
    this.entries = this.entries.filter(([ek]) => ek !== k);
  }
  private values(key: HeaderText): string[] {
    const k = lowerKey(key);
    return this.entries.filter(([ek]) => ek === k).map(([, v]) => v);
  }
  /** First value, like proxy_get_header_map_value (as text). */
  get(key: HeaderText): string | undefined {
    const v = this.values(key)[0];
    return v === undefined ? undefined : binText(v);
  }
  /** First value, byte for byte. */
  getBytes(key: HeaderText): Uint8Array | undefined {
    const v = this.values(key)[0];
    return v === undefined ? undefined : binBytes(v);
  }
  getAll(key: HeaderText): string[] {
    return this.values(key).map(binText);
  }
  getAllBytes(key: HeaderText): Uint8Array[] {
    return this.values(key).map(binBytes);
  }
  /** Values joined with ',' like Envoy's CEL header map (HeaderUtility::getAllOfHeaderAsString). */
  getJoined(key: HeaderText): string | undefined {
    const all = this.values(key);
    return all.length === 0 ? undefined : binText(all.join(","));
  }
  getJoinedBytes(key: HeaderText): Uint8Array | undefined {
    const all = this.values(key);
    return all.length === 0 ? undefined : binBytes(all.join(","));
  }
  has(key: HeaderText): boolean {
    return this.values(key).length > 0;
  }
  replaceAll(pairs: ReadonlyArray<readonly [HeaderText, HeaderText]>): void {
    this.entries = [];
    for (const [k, v] of pairs) this.add(k, v);
  }
  /** Number of entries (what Envoy passes as num_headers). */
  get size(): number {
    return this.entries.length;
  }
  /** HeaderMap::byteSize(): sum of key and value lengths in bytes (proxy_get_header_map_size). */
  get byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += k.length + v.length;
    return n;
  }
  /** Every pair as text. */
  pairs(): Pair[] {
    return this.entries.map(([k, v]) => [binText(k), binText(v)]);
  }
  /** Every pair byte for byte. */
  bytePairs(): BytePair[] {
    return this.entries.map(([k, v]) => [binBytes(k), binBytes(v)]);
  }
  /** The first name whose value (any instance) Envoy's router refuses, if any. */
  firstInvalidValue(): string | undefined {
    for (const [k, v] of this.entries) if (REFUSED.test(v)) return binText(k);
    return undefined;
  }
  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (const [k, v] of this.pairs()) o[k] = k in o ? `${o[k]},${v}` : v;
    return o;
  }
  clone(): HeaderMap {
    const m = new HeaderMap();
    m.entries = this.entries.map(([k, v]) => [k, v]);
    return m;
  }
}
