// Strings that carry bytes (assembly/lib/bytes-text.ts): valid UTF-8 is text, every other byte an
// escape U+DC00+byte, and encoding gives back the bytes exactly.
import { decodeBytes, encodeBytes, encodeBytesInto, encodedLength, escapedBytesAsPercent } from "../../assembly/lib/bytes-text";
import { isAllowedHeaderValue } from "../../assembly/lib/header-value";
import { Xorshift } from "./prng";

function bytes(list: u8[]): Uint8Array {
  const b = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) b[i] = list[i];
  return b;
}
function decode(list: u8[]): string {
  const b = bytes(list);
  return decodeBytes(b.dataStart, b.length);
}
/** Code units of s as hex, e.g. "61 dcc0". */
function units(s: string): string {
  const parts = new Array<string>();
  for (let i = 0; i < s.length; i++) parts.push((<u32>s.charCodeAt(i)).toString(16));
  return parts.join(" ");
}
/** Bytes of encodeBytes(s) as hex. */
function encoded(s: string): string {
  const b = Uint8Array.wrap(encodeBytes(s));
  const parts = new Array<string>();
  for (let i = 0; i < b.length; i++) parts.push((<u32>b[i]).toString(16));
  return parts.join(" ");
}
function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("bytes_text: decoding", () => {
  it("decodes ASCII and valid UTF-8 as text (every length around the 4-byte fast path)", () => {
    expect<string>(decode([])).toBe("");
    expect<string>(decode([0x61])).toBe("a");
    expect<string>(decode([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69])).toBe("abcdefghi");
    expect<string>(decode([0xc3, 0xa9, 0x61])).toBe("éa");
    expect<string>(decode([0x61, 0x62, 0x63, 0x64, 0xe4, 0xb8, 0xad])).toBe("abcd中");
    expect<string>(decode([0xf0, 0x9f, 0x98, 0x80])).toBe("😀");
    expect<string>(decode([0x00, 0x7f, 0x09])).toBe("\u0000\u007f\t");
    expect<string>(decode([0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80, 0xef, 0xbf, 0xbf, 0xf4, 0x8f, 0xbf, 0xbf])).toBe("\u0080\u07ff\u0800\uffff\u{10ffff}");
  });
  it("escapes every byte that is not part of shortest-form UTF-8, one by one", () => {
    expect<string>(units(decode([0x61, 0x3d, 0xc0, 0x9c]))).toBe("61 3d dcc0 dc9c"); // overlong '\'
    expect<string>(units(decode([0x61, 0x3d, 0xc3, 0x58]))).toBe("61 3d dcc3 58"); // lead + ASCII
    expect<string>(units(decode([0x61, 0x3d, 0xff, 0x2c, 0x62]))).toBe("61 3d dcff 2c 62"); // the ',' stays
    expect<string>(units(decode([0x80]))).toBe("dc80"); // stray continuation
    expect<string>(units(decode([0xe4, 0xb8]))).toBe("dce4 dcb8"); // truncated
    expect<string>(units(decode([0xf0, 0x9f, 0x98]))).toBe("dcf0 dc9f dc98");
    expect<string>(units(decode([0xe0, 0x80, 0xaf]))).toBe("dce0 dc80 dcaf"); // overlong 3-byte
    expect<string>(units(decode([0xf0, 0x80, 0x80, 0xaf]))).toBe("dcf0 dc80 dc80 dcaf"); // overlong 4-byte
    expect<string>(units(decode([0xed, 0xa0, 0x80]))).toBe("dced dca0 dc80"); // encoded surrogate
    expect<string>(units(decode([0xf4, 0x90, 0x80, 0x80]))).toBe("dcf4 dc90 dc80 dc80"); // > U+10FFFF
    expect<string>(units(decode([0xf8, 0x88, 0x80, 0x80, 0x80]))).toBe("dcf8 dc88 dc80 dc80 dc80");
    expect<string>(units(decode([0xc0, 0xc3, 0xa9]))).toBe("dcc0 e9"); // a valid sequence right after
    expect<string>(units(decode([0xfe, 0xff, 0xc1, 0xf5]))).toBe("dcfe dcff dcc1 dcf5");
  });
  it("keeps text comparisons with configuration strings working", () => {
    expect<bool>(decode([0x67, 0x72, 0x61, 0x79]) == "gray").toBe(true);
    expect<bool>(decode([0x67, 0x72, 0x61, 0x79, 0xff]) == "gray").toBe(false);
  });
});

describe("bytes_text: encoding", () => {
  it("encodes text as UTF-8 and an escape as its byte", () => {
    expect<string>(encoded("")).toBe("");
    expect<string>(encoded("abcdefg")).toBe("61 62 63 64 65 66 67");
    expect<string>(encoded("é中😀")).toBe("c3 a9 e4 b8 ad f0 9f 98 80");
    expect<string>(encoded("a\udcc0\udc9c")).toBe("61 c0 9c");
    expect<string>(encoded("\udcff\udc80")).toBe("ff 80");
  });
  it("writes U+FFFD for any other lone surrogate (only a plugin-built string has them)", () => {
    expect<string>(encoded("\ud800")).toBe("ef bf bd");
    expect<string>(encoded("a\ud800b")).toBe("61 ef bf bd 62");
    expect<string>(encoded("\udc7f")).toBe("ef bf bd"); // would be a byte below 0x80: not an escape
    expect<string>(encoded("\udd00")).toBe("ef bf bd");
    expect<string>(encoded("\udbff\udfff")).toBe("f4 8f bf bf"); // a pair is a character
    expect<string>(encoded("\ud83d\udc80")).toBe("f0 9f 92 80"); // a low surrogate in the escape range, paired
  });
  it("encodedLength counts what encoding writes: an escape is one byte", () => {
    const samples = ["", "abc", "é", "中", "😀", "\udcc0", "a\udcff\udc80b", "\ud800", "\udc00", "\ud83d\udc80", "x\ud800\udcc0"];
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      expect<i32>(encodedLength(s)).toBe(encodeBytes(s).byteLength, s);
    }
    expect<i32>(encodedLength("a=\udcc0\udc9c")).toBe(4);
  });
});

describe("bytes_text: round trips (fuzz)", () => {
  it("decode then encode gives back any byte string", () => {
    const rng = new Xorshift(0xb17e5);
    // Biased toward bytes that make UTF-8 interesting.
    const pool: u8[] = [0x00, 0x2c, 0x41, 0x7f, 0x80, 0x9c, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe4, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    const out = new ArrayBuffer(3 * 200);
    for (let iter = 0; iter < 20000; iter++) {
      const n = rng.below(64);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = rng.below(3) == 0 ? <u8>rng.below(256) : pool[rng.below(pool.length)];
      const s = decodeBytes(b.dataStart, n);
      expect<i32>(encodedLength(s)).toBe(n);
      const m = encodeBytesInto(s, changetype<usize>(out));
      expect<bool>(sameBytes(Uint8Array.wrap(out, 0, <i32>m), b)).toBe(true);
    }
  });
  it("encode then decode gives back any string without lone surrogates", () => {
    const rng = new Xorshift(0x5eed);
    const chars = ["a", "~", ",", "\u0000", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "中", "\uffff", "😀", "\u{10ffff}", "\ue000"];
    for (let iter = 0; iter < 20000; iter++) {
      let s = "";
      for (let n = rng.below(24); n > 0; n--) s += chars[rng.below(chars.length)];
      const e = encodeBytes(s);
      expect<string>(decodeBytes(changetype<usize>(e), e.byteLength)).toBe(s);
    }
  });
  it("escapes survive encode then decode", () => {
    const s = decode([0xc0, 0x9c, 0x61, 0xff]);
    const e = encodeBytes(s);
    expect<string>(decodeBytes(changetype<usize>(e), e.byteLength)).toBe(s);
  });
});

describe("header_value: the bytes Envoy refuses", () => {
  it("refuses NUL, C0 controls but HTAB, and DEL; takes everything else", () => {
    const b = new Uint8Array(3);
    b[0] = 0x61;
    b[2] = 0x62;
    for (let v = 0; v < 256; v++) {
      b[1] = <u8>v;
      const refused = (v < 0x20 && v != 0x09) || v == 0x7f;
      expect<bool>(isAllowedHeaderValue(b.dataStart, 3)).toBe(!refused, v.toString());
    }
    expect<bool>(isAllowedHeaderValue(0, 0)).toBe(true); // the empty value
  });
});

describe("bytes_text: escaped bytes as %XX", () => {
  it("leaves text without escaped bytes as it is (the same string)", () => {
    const s = "api-key é 😀";
    expect(changetype<usize>(escapedBytesAsPercent(s))).toBe(changetype<usize>(s));
  });
  it("writes each byte that is not UTF-8 as %XX; pairs stay characters", () => {
    const raw = Uint8Array.wrap(String.UTF8.encode("k"));
    const bytes = new Uint8Array(9);
    bytes.set(raw, 0);
    bytes[1] = 0xff; bytes[2] = 0xc3; bytes[3] = 0xa9; bytes[4] = 0xed; bytes[5] = 0xa0; bytes[6] = 0x80; bytes[7] = 0x80; bytes[8] = 0x7a;
    const s = decodeBytes(changetype<usize>(bytes.buffer), 9);
    expect(escapedBytesAsPercent(s)).toBe("k%FFé%ED%A0%80%80z");
    expect(escapedBytesAsPercent("😀" + String.fromCharCode(0xdcff))).toBe("😀%FF");
  });
});
