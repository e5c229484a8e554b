import { base64DecodeRangeInto } from "../../assembly/lib/base64";
import { ByteScratch } from "../../assembly/lib/scratch";
import {
  base64Decode,
  base64DecodeBytes,
  base64DecodeRange,
  base64Encode,
  base64EncodeString,
  base64UrlDecode,
  base64UrlDecodeBytes,
  base64UrlDecodeRange,
  base64UrlEncode,
  base64UrlEncodeString,
} from "../../assembly/lib/base64";

function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function text(b: Uint8Array | null): string {
  if (b == null) return "<null>";
  return String.UTF8.decode(b.buffer);
}

function hex(b: Uint8Array | null): string {
  if (b == null) return "<null>";
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

describe("base64 RFC 4648 §10 test vectors", () => {
  it("encodes with padding", () => {
    expect<string>(base64EncodeString("")).toBe("");
    expect<string>(base64EncodeString("f")).toBe("Zg==");
    expect<string>(base64EncodeString("fo")).toBe("Zm8=");
    expect<string>(base64EncodeString("foo")).toBe("Zm9v");
    expect<string>(base64EncodeString("foob")).toBe("Zm9vYg==");
    expect<string>(base64EncodeString("fooba")).toBe("Zm9vYmE=");
    expect<string>(base64EncodeString("foobar")).toBe("Zm9vYmFy");
  });
  it("decodes padded", () => {
    expect<string>(text(base64Decode(""))).toBe("");
    expect<string>(text(base64Decode("Zg=="))).toBe("f");
    expect<string>(text(base64Decode("Zm8="))).toBe("fo");
    expect<string>(text(base64Decode("Zm9v"))).toBe("foo");
    expect<string>(text(base64Decode("Zm9vYg=="))).toBe("foob");
    expect<string>(text(base64Decode("Zm9vYmE="))).toBe("fooba");
    expect<string>(text(base64Decode("Zm9vYmFy"))).toBe("foobar");
  });
  it("decodes unpadded standard base64 (padding is optional)", () => {
    expect<string>(text(base64Decode("Zg"))).toBe("f");
    expect<string>(text(base64Decode("Zm8"))).toBe("fo");
    expect<string>(text(base64Decode("Zm9vYg"))).toBe("foob");
    expect<string>(text(base64Decode("Zm9vYmE"))).toBe("fooba");
  });
  it("url variant encodes without padding", () => {
    expect<string>(base64UrlEncodeString("")).toBe("");
    expect<string>(base64UrlEncodeString("f")).toBe("Zg");
    expect<string>(base64UrlEncodeString("fo")).toBe("Zm8");
    expect<string>(base64UrlEncodeString("foo")).toBe("Zm9v");
    expect<string>(base64UrlEncodeString("foob")).toBe("Zm9vYg");
    expect<string>(base64UrlEncodeString("fooba")).toBe("Zm9vYmE");
    expect<string>(base64UrlEncodeString("foobar")).toBe("Zm9vYmFy");
  });
  it("url variant decodes", () => {
    expect<string>(text(base64UrlDecode(""))).toBe("");
    expect<string>(text(base64UrlDecode("Zg"))).toBe("f");
    expect<string>(text(base64UrlDecode("Zm8"))).toBe("fo");
    expect<string>(text(base64UrlDecode("Zm9v"))).toBe("foo");
    expect<string>(text(base64UrlDecode("Zm9vYg"))).toBe("foob");
    expect<string>(text(base64UrlDecode("Zm9vYmE"))).toBe("fooba");
    expect<string>(text(base64UrlDecode("Zm9vYmFy"))).toBe("foobar");
  });
});

describe("base64 alphabets", () => {
  it("uses +/ vs -_", () => {
    const bytes = new Uint8Array(3);
    bytes[0] = 0xfb; bytes[1] = 0xff; bytes[2] = 0xbf;
    expect<string>(base64Encode(bytes)).toBe("+/+/");
    expect<string>(base64UrlEncode(bytes)).toBe("-_-_");
    expect<string>(hex(base64Decode("+/+/"))).toBe("fbffbf");
    expect<string>(hex(base64UrlDecode("-_-_"))).toBe("fbffbf");
  });
  it("rejects the other alphabet", () => {
    expect<Uint8Array | null>(base64Decode("-_-_")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("+/+/")).toBeNull();
  });
  it("round-trips all byte values", () => {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = <u8>i;
    for (let len = 0; len <= 256; len += 1) {
      const part = all.subarray(0, len);
      expect<string>(hex(base64Decode(base64Encode(part)))).toBe(hex(part));
      expect<string>(hex(base64UrlDecode(base64UrlEncode(part)))).toBe(hex(part));
    }
  });
  it("decodes a JWT header", () => {
    expect<string>(text(base64UrlDecode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"))).toBe(
      '{"alg":"HS256","typ":"JWT"}',
    );
  });
});

describe("base64url rejects (JWS form)", () => {
  it("padding", () => {
    expect<Uint8Array | null>(base64UrlDecode("Zg==")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm8=")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("=")).toBeNull();
  });
  it("whitespace and junk", () => {
    expect<Uint8Array | null>(base64UrlDecode("Zm9v YmFy")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode(" Zm9v")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm9v\n")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm9v.")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm9vé")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm\u00009v")).toBeNull();
  });
  it("bad length (len % 4 == 1)", () => {
    expect<Uint8Array | null>(base64UrlDecode("Z")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm9vY")).toBeNull();
  });
  it("non-zero trailing bits", () => {
    expect<Uint8Array | null>(base64UrlDecode("Zh")).toBeNull(); // 'h' leaves low bits set
    expect<Uint8Array | null>(base64UrlDecode("Zm9")).toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zm8")).not.toBeNull();
    expect<Uint8Array | null>(base64UrlDecode("Zg")).not.toBeNull();
  });
});

describe("base64 (standard) rejects", () => {
  it("wrong padding", () => {
    expect<Uint8Array | null>(base64Decode("Zg=")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zg===")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zm8==")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zm9v=")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zm9v====")).toBeNull();
    expect<Uint8Array | null>(base64Decode("====")).toBeNull();
    expect<Uint8Array | null>(base64Decode("=")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Z===")).toBeNull();
  });
  it("padding in the middle", () => {
    expect<Uint8Array | null>(base64Decode("Zg==Zg==")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Z=g=")).toBeNull();
  });
  it("whitespace, bad length, trailing bits", () => {
    expect<Uint8Array | null>(base64Decode("Zm9v\r\nYmFy")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zm9vY")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zh==")).toBeNull();
    expect<Uint8Array | null>(base64Decode("Zm9=")).toBeNull();
  });
});

describe("base64 range and byte variants", () => {
  it("decodes a range of a string", () => {
    const jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
    const dot1 = jwt.indexOf(".");
    const dot2 = jwt.indexOf(".", dot1 + 1);
    expect<string>(text(base64UrlDecodeRange(jwt, 0, dot1))).toBe('{"alg":"none"}');
    expect<string>(text(base64UrlDecodeRange(jwt, dot1 + 1, dot2))).toBe('{"sub":"x"}');
    expect<string>(text(base64UrlDecodeRange(jwt, dot2 + 1, jwt.length))).toBe("");
    expect<string>(text(base64DecodeRange("xxZm9vxx", 2, 6))).toBe("foo");
  });
  it("rejects bad ranges instead of aborting", () => {
    expect<Uint8Array | null>(base64UrlDecodeRange("Zm9v", -1, 4)).toBeNull();
    expect<Uint8Array | null>(base64UrlDecodeRange("Zm9v", 0, 5)).toBeNull();
    expect<Uint8Array | null>(base64UrlDecodeRange("Zm9v", 3, 2)).toBeNull();
    expect<Uint8Array | null>(base64DecodeRange("Zm9v", 0, i32.MAX_VALUE)).toBeNull();
    expect<Uint8Array | null>(base64UrlDecodeBytes(bytesOf("Zm9v"), 2, 9)).toBeNull();
    expect<Uint8Array | null>(base64DecodeBytes(bytesOf("Zm9v"), -3, 2)).toBeNull();
  });
  it("decodes bytes", () => {
    expect<string>(text(base64UrlDecodeBytes(bytesOf("Zm9vYmFy")))).toBe("foobar");
    expect<string>(text(base64DecodeBytes(bytesOf("Zm9vYmE=")))).toBe("fooba");
    expect<string>(text(base64UrlDecodeBytes(bytesOf("..Zm9v.."), 2, 6))).toBe("foo");
    expect<Uint8Array | null>(base64UrlDecodeBytes(bytesOf("Zm9vYmE="))).toBeNull();
  });
});

describe("base64DecodeRangeInto", () => {
  it("decodes a range into a reused buffer and rejects what base64DecodeRange rejects", () => {
    const into = new ByteScratch();
    const s = "x:Zm9vYmFy:y";
    const n = base64DecodeRangeInto(s, 2, 10, into);
    expect<i32>(n).toBe(6);
    expect<string>(String.UTF8.decodeUnsafe(into.ptr, <usize>n)).toBe("foobar");
    expect<i32>(base64DecodeRangeInto(s, 2, 11, into)).toBe(-1);
    expect<i32>(base64DecodeRangeInto(s, 5, 2, into)).toBe(-1);
    expect<i32>(base64DecodeRangeInto(s, 0, 99, into)).toBe(-1);
    expect<i32>(base64DecodeRangeInto("", 0, 0, into)).toBe(0);
  });
});
