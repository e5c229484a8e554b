// Minimal reader for a module's type, import, function and export sections: gives the signature of every
// imported and exported function, which the JS WebAssembly API does not expose. Envoy (cpp-host) rejects
// a module whose imports or callback exports have the wrong signature; the emulator does the same.
import type { Signature, ValType } from "./abi.ts";

export interface ImportInfo {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global";
  signature?: Signature;
}
export interface ExportInfo {
  name: string;
  kind: "function" | "table" | "memory" | "global";
  signature?: Signature;
}
export interface ModuleInfo {
  imports: ImportInfo[];
  exports: ExportInfo[];
}

const VALTYPES: Record<number, ValType | string> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS = ["function", "table", "memory", "global"] as const;

export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Error(`malformed wasm module at byte ${pos}: ${msg}`);
  };
  const byte = (): number => {
    if (pos >= bytes.length) fail("unexpected end");
    return bytes[pos++];
  };
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) fail("LEB128 too long");
    }
  };
  const name = (): string => {
    const len = u32();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const valtype = (): ValType => {
    const b = byte();
    const t = VALTYPES[b];
    if (!t) fail(`unknown value type 0x${b.toString(16)}`);
    return t as ValType;
  };
  const limits = (): void => {
    const flags = byte();
    u32();
    if (flags & 1) u32();
  };

  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    fail("not a wasm binary (bad magic)");
  }
  pos = 8;
  const types: Signature[] = [];
  const imports: ImportInfo[] = [];
  const funcTypes: number[] = []; // function index space -> type index
  const exports: { name: string; kind: (typeof KINDS)[number]; index: number }[] = [];

  while (pos < bytes.length) {
    const id = byte();
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const form = byte();
        if (form !== 0x60) fail(`unsupported type form 0x${form.toString(16)}`);
        const params: ValType[] = [];
        for (let p = u32(); p > 0; p--) params.push(valtype());
        const results: ValType[] = [];
        for (let r = u32(); r > 0; r--) results.push(valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const module = name();
        const field = name();
        const kind = byte();
        if (kind === 0) {
          const t = u32();
          funcTypes.push(t);
          imports.push({ module, name: field, kind: "function", signature: types[t] });
        } else if (kind === 1) {
          byte();
          limits();
          imports.push({ module, name: field, kind: "table" });
        } else if (kind === 2) {
          limits();
          imports.push({ module, name: field, kind: "memory" });
        } else if (kind === 3) {
          valtype();
          byte();
          imports.push({ module, name: field, kind: "global" });
        } else {
          fail(`unknown import kind ${kind}`);
        }
      }
    } else if (id === 3) {
      for (let count = u32(); count > 0; count--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let count = u32(); count > 0; count--) {
        const exportName = name();
        const kind = byte();
        const index = u32();
        if (kind > 3) fail(`unknown export kind ${kind}`);
        exports.push({ name: exportName, kind: KINDS[kind], index });
      }
    }
    pos = end;
  }
  return {
    imports,
    exports: exports.map((e) => ({
      name: e.name,
      kind: e.kind,
      signature: e.kind === "function" ? types[funcTypes[e.index]] : undefined,
    })),
  };
}
