import { Regex, RegexResult, REGEX_MAX_INPUT, REGEX_MAX_PROGRAM } from "../../assembly/lib/regex";
import { Xorshift } from "./prng";

function re(pattern: string): Regex {
  const r = Regex.compile(pattern);
  if (!r.ok) throw new Error("did not compile: " + pattern + ": " + r.error);
  return r.regex!;
}

function matches(pattern: string, input: string): bool { return re(pattern).test(input); }

function compileError(pattern: string): string {
  const r = Regex.compile(pattern);
  return r.ok ? "" : r.error;
}

describe("regex: matching", () => {
  it("literals match anywhere unless anchored", () => {
    expect<bool>(matches("vip", "a-vip-b")).toBe(true);
    expect<bool>(matches("vip", "vi")).toBe(false);
    expect<bool>(matches("^vip-", "vip-1")).toBe(true);
    expect<bool>(matches("^vip-", "x-vip-1")).toBe(false);
    expect<bool>(matches("-1$", "vip-1")).toBe(true);
    expect<bool>(matches("-1$", "vip-12")).toBe(false);
    expect<bool>(matches("^$", "")).toBe(true);
    expect<bool>(matches("^$", "a")).toBe(false);
    expect<bool>(matches("", "anything")).toBe(true);
  });

  it("dot, classes and escapes", () => {
    expect<bool>(matches("^a.c$", "abc")).toBe(true);
    expect<bool>(matches("^a.c$", "a\nc")).toBe(false);
    expect<bool>(matches("^[a-c]+$", "abcabc")).toBe(true);
    expect<bool>(matches("^[a-c]+$", "abcd")).toBe(false);
    expect<bool>(matches("^[^0-9]+$", "abc")).toBe(true);
    expect<bool>(matches("^[^0-9]+$", "ab1")).toBe(false);
    expect<bool>(matches("^\\d{3}-\\d{4}$", "555-1234")).toBe(true);
    expect<bool>(matches("^\\d{3}-\\d{4}$", "555-123")).toBe(false);
    expect<bool>(matches("^\\w+$", "user_01")).toBe(true);
    expect<bool>(matches("^\\w+$", "user-01")).toBe(false);
    expect<bool>(matches("\\s", "a b")).toBe(true);
    expect<bool>(matches("^\\S+$", "a b")).toBe(false);
    expect<bool>(matches("^\\D\\W$", "a-")).toBe(true);
    expect<bool>(matches("^a\\.b$", "a.b")).toBe(true);
    expect<bool>(matches("^a\\.b$", "axb")).toBe(false);
    expect<bool>(matches("^[-a]+$", "-a-")).toBe(true);
    expect<bool>(matches("^[a-]+$", "-a-")).toBe(true);
    expect<bool>(matches("^[\\]\\[]+$", "[]")).toBe(true);
    expect<bool>(matches("^[\\d.]+$", "10.0.0.1")).toBe(true);
    expect<bool>(matches("^\\x41\\u00e9$", "Aé")).toBe(true);
    expect<bool>(matches("^\\t$", "\t")).toBe(true);
    expect<bool>(matches("^中+$", "中中")).toBe(true);
  });

  it("quantifiers, groups and alternation", () => {
    expect<bool>(matches("^ab*c$", "ac")).toBe(true);
    expect<bool>(matches("^ab+c$", "ac")).toBe(false);
    expect<bool>(matches("^ab?c$", "abbc")).toBe(false);
    expect<bool>(matches("^a{2,3}$", "a")).toBe(false);
    expect<bool>(matches("^a{2,3}$", "aa")).toBe(true);
    expect<bool>(matches("^a{2,3}$", "aaa")).toBe(true);
    expect<bool>(matches("^a{2,3}$", "aaaa")).toBe(false);
    expect<bool>(matches("^a{2,}$", "aaaaaa")).toBe(true);
    expect<bool>(matches("^a{2}$", "aa")).toBe(true);
    expect<bool>(matches("^(ab)+$", "ababab")).toBe(true);
    expect<bool>(matches("^(ab)+$", "ababa")).toBe(false);
    expect<bool>(matches("^(?:gold|silver)-\\d+$", "silver-7")).toBe(true);
    expect<bool>(matches("^(?:gold|silver)-\\d+$", "bronze-7")).toBe(false);
    expect<bool>(matches("^(a|)+$", "aaa")).toBe(true);
    expect<bool>(matches("^(a*)*$", "aaa")).toBe(true);
    expect<bool>(matches("^a*?b$", "aab")).toBe(true);
    expect<bool>(matches("^(a|b|c)$", "c")).toBe(true);
    expect<bool>(matches("x|^a", "ba")).toBe(false);
    expect<bool>(matches("x|^a", "bx")).toBe(true);
  });

  it("hostile patterns stay linear: (a+)+$ on 4096 a's followed by b", () => {
    let s = "";
    for (let i = 0; i < REGEX_MAX_INPUT - 1; i++) s += "a";
    s += "b";
    expect<bool>(matches("^(a+)+$", s)).toBe(false);
    expect<bool>(matches("(a|aa)*c", s)).toBe(false);
    expect<bool>(matches("(.*)*x", s)).toBe(false);
  });

  it("inputs above the limit never match", () => {
    let s = "";
    for (let i = 0; i < REGEX_MAX_INPUT + 1; i++) s += "a";
    expect<bool>(matches("a", s)).toBe(false);
  });

  it("a regex is reusable", () => {
    const r = re("^vip-[0-9]+$");
    expect<bool>(r.test("vip-1")).toBe(true);
    expect<bool>(r.test("vip-")).toBe(false);
    expect<bool>(r.test("vip-22")).toBe(true);
    expect<bool>(r.test("xvip-22")).toBe(false);
  });
});

describe("regex: compile errors", () => {
  it("reports unsupported or malformed syntax", () => {
    expect<string>(compileError("(")).toBe("missing )");
    expect<string>(compileError(")")).toBe("unmatched )");
    expect<string>(compileError("a)")).toBe("unmatched )");
    expect<string>(compileError("[a")).toBe("missing ]");
    expect<string>(compileError("[]")).toBe("empty class (escape a literal ] as \\])");
    expect<string>(compileError("*a")).toBe("nothing to repeat");
    expect<string>(compileError("a**")).toBe("nothing to repeat (double quantifier)");
    expect<string>(compileError("^*")).toBe("nothing to repeat");
    expect<string>(compileError("\\1")).toBe("unsupported escape \\1");
    expect<string>(compileError("\\b")).toBe("unsupported escape \\b");
    expect<string>(compileError("(?i)a")).toBe("only (?:...) groups are supported (no flags, lookaround or named groups)");
    expect<string>(compileError("(?=a)")).toBe("only (?:...) groups are supported (no flags, lookaround or named groups)");
    expect<string>(compileError("a{")).toBe("'{' must start a quantifier {n}, {n,} or {n,m} (escape a literal brace as \\{)");
    expect<string>(compileError("a{3,2}")).toBe("bad quantifier: {n,m} with m < n");
    expect<string>(compileError("a{101}")).toBe("repeat count above 100");
    expect<string>(compileError("[z-a]")).toBe("bad range in class (end before start)");
    expect<string>(compileError("[\\D]")).toBe("\\D, \\W and \\S are not supported inside [...]");
    expect<string>(compileError("a\\")).toBe("trailing backslash");
    expect<string>(compileError("\\xZZ")).toBe("bad hex escape");
    expect<string>(compileError("}")).toBe("unmatched } (escape it as \\})");
  });

  it("reports the offset", () => {
    const r = Regex.compile("ab(c");
    expect<bool>(r.ok).toBe(false);
    expect<i32>(r.offset).toBe(2);
  });

  it("bounds program size and nesting", () => {
    expect<bool>(compileError("(((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))").length > 0).toBe(true);
    const big = Regex.compile("(a{100}){100}");
    expect<bool>(big.ok).toBe(false);
    expect<bool>(big.error.startsWith("pattern too complex")).toBe(true);
    const ok = Regex.compile("[a-z]{0,100}");
    expect<bool>(ok.ok).toBe(true);
    expect<bool>(ok.regex!.programSize <= REGEX_MAX_PROGRAM).toBe(true);
  });
});

// ---- fuzz: random patterns and inputs never abort ---------------------------------------------

const rng = new Xorshift(0x2545f491);
function rnd(n: u32): u32 { return rng.next() % n; }

const ALPHABET = "ab.^$*+?()[]{}|\\-,0123456789dDwWsSxu:?!=<>";

function randomString(max: u32, alphabet: string): string {
  const n = rnd(max);
  let s = "";
  for (let i: u32 = 0; i < n; i++) {
    const r = rnd(20);
    if (r == 0) s += String.fromCharCode(<i32>rnd(0x10000));
    else s += alphabet.charAt(<i32>rnd(<u32>alphabet.length));
  }
  return s;
}

describe("regex: repeats of empty groups", () => {
  it("compile at once however deeply they nest (they used to multiply work by 100 per level)", () => {
    expect<bool>(matches("a(?:(?:(?:(?:(?:(?:){100}){100}){100}){100}){100}){100}b", "ab")).toBe(true);
    expect<bool>(matches("^(?:){5}x$", "x")).toBe(true);
    expect<bool>(matches("^(?:a{0}){3,7}$", "")).toBe(true);
  });
});

describe("regex: fuzz", () => {
  it("30,000 random patterns compile or fail cleanly, and match random inputs without aborting", () => {
    let compiled = 0;
    for (let i = 0; i < 30000; i++) {
      const r = Regex.compile(randomString(24, ALPHABET));
      if (!r.ok) continue;
      compiled++;
      const regex = r.regex!;
      for (let j = 0; j < 4; j++) regex.test(randomString(40, "ab01-_ \n"));
    }
    expect<bool>(compiled > 1000).toBe(true);
  });
});
