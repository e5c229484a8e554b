// Header-map ("pairs") serialization and Envoy's header map semantics.
//
// Wire format (little endian): u32 count; count x (u32 key_len, u32 value_len); then for each pair
// key bytes, NUL, value bytes, NUL. Envoy's parser (proxy-wasm-cpp-host src/pairs_util.cc) returns an EMPTY
// map, silently, for a buffer over 1 MiB, a count over 1024, a missing NUL, an overread or trailing bytes.
import { PAIRS_MAX_BYTES, PAIRS_MAX_COUNT } from "./abi.ts";

export type Pair = [string, string];
export type HeadersInit = Pair[] | Record<string, string | string[]>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** Serialize pairs exactly like cpp-host marshalPairs (used for map-typed results and properties). */
export function serializePairs(pairs: readonly Pair[]): Uint8Array {
  const encoded = pairs.map(([k, v]) => [utf8(k), utf8(v)] as const);
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

export interface ParseResult {
  pairs: Pair[];
  /** Why Envoy would have treated the buffer as an empty map, if it did. */
  rejected?: string;
}

/** Parse like cpp-host PairsUtil::toPairs: any malformation yields an empty map. */
export function parsePairs(buf: Uint8Array): ParseResult {
  const empty = (why: string): ParseResult => ({ pairs: [], rejected: why });
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
  const pairs: Pair[] = [];
  for (const [klen, vlen] of sizes) {
    if (pos + klen + 1 > buf.length) return empty("key overruns the buffer");
    const k = fromUtf8(buf.subarray(pos, pos + klen));
    pos += klen;
    if (buf[pos++] !== 0) return empty("key is not NUL-terminated");
    if (pos + vlen + 1 > buf.length) return empty("value overruns the buffer");
    const v = fromUtf8(buf.subarray(pos, pos + vlen));
    pos += vlen;
    if (buf[pos++] !== 0) return empty("value is not NUL-terminated");
    pairs.push([k, v]);
  }
  if (pos !== buf.length) return empty(`${buf.length - pos} trailing bytes`);
  return { pairs };
}

export function toPairs(init: HeadersInit | undefined): Pair[] {
  if (!init) return [];
  if (Array.isArray(init)) return init.map(([k, v]) => [String(k), String(v)]);
  const out: Pair[] = [];
  for (const [k, v] of Object.entries(init)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, String(x)]);
    else out.push([k, String(v)]);
  }
  return out;
}

/**
 * An Envoy HeaderMap: keys lower-cased (Http::LowerCaseString), insertion order kept except that pseudo
 * headers (":x") stay in front of regular ones, repeated keys allowed.
 */
export class HeaderMap {
  private entries: Pair[] = [];

  constructor(init?: HeadersInit) {
    for (const [k, v] of toPairs(init)) this.add(k, v);
  }

  static from(init?: HeadersInit): HeaderMap {
    return new HeaderMap(init);
  }

  /** addCopy: append (pseudo headers go after the last pseudo header). */
  add(key: string, value: string): void {
    const k = key.toLowerCase();
    if (k.startsWith(":")) {
      let i = 0;
      while (i < this.entries.length && this.entries[i][0].startsWith(":")) i++;
      this.entries.splice(i, 0, [k, value]);
    } else {
      this.entries.push([k, value]);
    }
  }
  /** setCopy: Envoy removes every entry for the key and appends one. */
  set(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }
  remove(key: string): void {
    const k = key.toLowerCase();
    this.entries = this.entries.filter(([ek]) => ek !== k);
  }
  /** First value, like proxy_get_header_map_value. */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    for (const [ek, v] of this.entries) if (ek === k) return v;
    return undefined;
  }
  getAll(key: string): string[] {
    const k = key.toLowerCase();
    return this.entries.filter(([ek]) => ek === k).map(([, v]) => v);
  }
  /** Values joined with ',' like Envoy's CEL header map (HeaderUtility::getAllOfHeaderAsString). */
  getJoined(key: string): string | undefined {
    const all = this.getAll(key);
    return all.length === 0 ? undefined : all.join(",");
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  replaceAll(pairs: readonly Pair[]): void {
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
    for (const [k, v] of this.entries) n += byteLength(k) + byteLength(v);
    return n;
  }
  pairs(): Pair[] {
    return this.entries.map(([k, v]) => [k, v]);
  }
  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (const [k, v] of this.entries) o[k] = k in o ? `${o[k]},${v}` : v;
    return o;
  }
  clone(): HeaderMap {
    const m = new HeaderMap();
    m.entries = this.pairs();
    return m;
  }
}
