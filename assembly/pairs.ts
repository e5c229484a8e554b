// The ABI's header-map wire format (little endian):
//   u32 count; count x (u32 nameLength, u32 valueLength); then each name and value followed by NUL.
// Used for local-response headers and http-call headers.

import { encodeBytes } from "./lib/bytes-text";
import { isAllowedHeaderValue } from "./lib/header-value";

export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/**
 * Serializes pairs (strings encoded back to the bytes they were read from, see lib/bytes-text.ts),
 * or null when a value holds a byte Envoy refuses (lib/header-value.ts): nothing is sent then.
 */
export function encodePairs(pairs: Array<HeaderPair>): ArrayBuffer | null {
  const n = pairs.length;
  let size = 4 + n * 8;
  const names = new Array<ArrayBuffer>(n);
  const values = new Array<ArrayBuffer>(n);
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    const name = encodeBytes(p.name);
    const value = encodeBytes(p.value);
    if (!isAllowedHeaderValue(changetype<usize>(value), value.byteLength)) return null;
    unchecked(names[i] = name);
    unchecked(values[i] = value);
    size += name.byteLength + value.byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, <u32>n);
  let lengths = base + 4;
  let data = base + 4 + <usize>n * 8;
  for (let i = 0; i < n; i++) {
    const name = unchecked(names[i]);
    const value = unchecked(values[i]);
    store<u32>(lengths, <u32>name.byteLength);
    store<u32>(lengths, <u32>value.byteLength, 4);
    lengths += 8;
    memory.copy(data, changetype<usize>(name), name.byteLength);
    data += name.byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(value), value.byteLength);
    data += value.byteLength;
    store<u8>(data++, 0);
  }
  return out;
}
