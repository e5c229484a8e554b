// Property tree served by proxy_get_property. A path is a list of tokens (joined by '\0' on the wire).
// Encoding follows Envoy's serializeValue: strings/bytes raw, integers 8-byte little endian, doubles 8-byte
// IEEE, booleans 1 byte, maps serialized as pairs.
import { serializePairs, utf8, type Pair } from "./pairs.ts";

export type PropertyValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  /** a CEL map of strings: read whole (serialized pairs) or by key */
  | Record<string, string>
  | null;

export type PropertyPath = string | readonly string[];

/** "a.b.c" or ["a","b","c"] -> tokens. Use the array form when a token itself contains a dot. */
export function pathTokens(path: PropertyPath): string[] {
  return typeof path === "string" ? path.split(".") : [...path];
}

export function encodePropertyValue(value: Exclude<PropertyValue, null>): Uint8Array {
  if (value instanceof Uint8Array) return value.slice();
  switch (typeof value) {
    case "string":
      return utf8(value);
    case "boolean":
      return Uint8Array.of(value ? 1 : 0);
    case "bigint": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, value), true);
      return b;
    }
    case "number": {
      const b = new Uint8Array(8);
      if (Number.isInteger(value)) new DataView(b.buffer).setBigInt64(0, BigInt(value), true);
      else new DataView(b.buffer).setFloat64(0, value, true);
      return b;
    }
    case "object": {
      const pairs: Pair[] = Object.entries(value).map(([k, v]) => [k, String(v)]);
      return serializePairs(pairs);
    }
  }
  throw new Error(`unsupported property value ${String(value)}`);
}

type Stored = { kind: "bytes"; bytes: Uint8Array } | { kind: "map"; map: Record<string, string> };

/** A set of property values addressed by token paths; a map value also answers paths one token deeper. */
export class PropertyStore {
  private values = new Map<string, Stored>();

  set(path: PropertyPath, value: PropertyValue): void {
    const key = pathTokens(path).join("\0");
    if (value === null) {
      this.values.delete(key);
    } else if (typeof value === "object" && !(value instanceof Uint8Array)) {
      this.values.set(key, { kind: "map", map: { ...value } });
    } else {
      this.values.set(key, { kind: "bytes", bytes: encodePropertyValue(value) });
    }
  }

  delete(path: PropertyPath): void {
    this.values.delete(pathTokens(path).join("\0"));
  }

  /** undefined = not known here (the caller tries the next source). */
  lookup(tokens: readonly string[]): Uint8Array | undefined {
    const exact = this.values.get(tokens.join("\0"));
    if (exact) return exact.kind === "bytes" ? exact.bytes : encodePropertyValue(exact.map);
    if (tokens.length >= 2) {
      const parent = this.values.get(tokens.slice(0, -1).join("\0"));
      if (parent?.kind === "map") {
        const v = parent.map[tokens[tokens.length - 1]];
        if (v !== undefined) return utf8(v);
      }
    }
    return undefined;
  }

  clone(): PropertyStore {
    const p = new PropertyStore();
    for (const [k, v] of this.values) p.values.set(k, v);
    return p;
  }
}

export function i64Bytes(v: number | bigint): Uint8Array {
  return encodePropertyValue(typeof v === "bigint" ? v : Math.trunc(v));
}
