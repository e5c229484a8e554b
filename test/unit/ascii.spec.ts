import { asciiLower, hasControlChars, hexDigitValue } from "../../assembly/lib/ascii";

describe("asciiLower", () => {
  it("lower-cases A-Z only", () => {
    expect<string>(asciiLower("API.Example.COM:8080")).toBe("api.example.com:8080");
    expect<string>(asciiLower("X-MSE-Tag")).toBe("x-mse-tag");
    expect<string>(asciiLower("ÄÖ-Ü")).toBe("ÄÖ-Ü");
    expect<string>(asciiLower("")).toBe("");
    expect<string>(asciiLower("already-lower")).toBe("already-lower");
  });
});


describe("hasControlChars", () => {
  it("finds C0 controls and DEL; tab only when allowed", () => {
    expect<bool>(hasControlChars("tenant-1")).toBe(false);
    expect<bool>(hasControlChars("a\r\nb")).toBe(true);
    expect<bool>(hasControlChars("a\u007fb")).toBe(true);
    expect<bool>(hasControlChars("a\tb")).toBe(true);
    expect<bool>(hasControlChars("a\tb", true)).toBe(false);
    expect<bool>(hasControlChars("")).toBe(false);
  });
});

describe("hexDigitValue", () => {
  it("maps hex digits and rejects everything else", () => {
    expect<i32>(hexDigitValue(0x30)).toBe(0);
    expect<i32>(hexDigitValue(0x46)).toBe(15);
    expect<i32>(hexDigitValue(0x66)).toBe(15);
    expect<i32>(hexDigitValue(0x67)).toBe(-1);
    expect<i32>(hexDigitValue(0x2f)).toBe(-1);
    expect<i32>(hexDigitValue(<u32>-1)).toBe(-1);
  });
});
