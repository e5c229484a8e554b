// The ABI's header-map wire format (little endian):
//   u32 count; count x (u32 nameLength, u32 valueLength); then each name and value followed by NUL.
// Used for header maps, local-response headers and http-call headers.

export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/** Serializes pairs; names and values are written as UTF-8 (lone surrogates become U+FFFD). */
export function encodePairs(pairs: Array<HeaderPair>): ArrayBuffer {
  const n = pairs.length;
  let size = 4 + n * 8;
  const names = new Array<ArrayBuffer>(n);
  const values = new Array<ArrayBuffer>(n);
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    const name = String.UTF8.encode(p.name, false, String.UTF8.ErrorMode.REPLACE);
    const value = String.UTF8.encode(p.value, false, String.UTF8.ErrorMode.REPLACE);
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

/** Parses a serialized map. A malformed buffer yields the pairs read so far, never an abort. */
export function decodePairs(ptr: usize, size: usize): Array<HeaderPair> {
  const out = new Array<HeaderPair>();
  if (ptr == 0 || size < 4) return out;
  const n = <usize>load<u32>(ptr);
  if (n > (size - 4) / 8) return out;
  const end = ptr + size;
  let lengths = ptr + 4;
  let data = ptr + 4 + n * 8;
  for (let i: usize = 0; i < n; i++) {
    const nameLen = <usize>load<u32>(lengths);
    const valueLen = <usize>load<u32>(lengths, 4);
    lengths += 8;
    // Both strings plus their NUL terminators must fit.
    if (nameLen > end - data || valueLen > end - data || nameLen + valueLen + 2 > end - data) break;
    const name = String.UTF8.decodeUnsafe(data, nameLen);
    data += nameLen + 1;
    const value = String.UTF8.decodeUnsafe(data, valueLen);
    data += valueLen + 1;
    out.push(new HeaderPair(name, value));
  }
  return out;
}
