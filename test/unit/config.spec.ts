import { ConfigErrors, ConfigObject } from "../../assembly/config";
import { parseJson } from "../../assembly/lib/json";

function read(json: string, lenient: bool = false): ConfigObject {
  const parsed = parseJson(json);
  const c = new ConfigObject(parsed.value!, "", new ConfigErrors());
  c.lenient = lenient;
  return c;
}

describe("ConfigObject strict reads", () => {
  it("reads strings and integers of their own type only", () => {
    const c = read('{"s": "x", "n": 10, "q": "10", "f": 1.5}');
    expect<string>(c.string("s", "d")).toBe("x");
    expect<string>(c.string("missing", "d")).toBe("d");
    expect<i64>(c.int("n", 0, 0, 100)).toBe(10);
    expect<i32>(c.errors.count).toBe(0);
    expect<string>(c.string("n", "d")).toBe("d");
    expect<i64>(c.int("q", 7, 0, 100)).toBe(7);
    expect<i64>(c.int("f", 7, 0, 100)).toBe(7);
    expect<string>(c.errors.toString()).toBe("n: must be a string; q: must be an integer from 0 to 100; f: must be an integer from 0 to 100");
  });
});

describe("ConfigObject lenient reads (Higress forms)", () => {
  it("reads an exact integer as its decimal text where a string is expected", () => {
    const c = read('{"key": 102234, "neg": -5, "list": [7, "8"], "big": 1e300, "frac": 1.5, "t": true}', true);
    expect<string>(c.requiredString("key")).toBe("102234");
    expect<string>(c.string("neg", "")).toBe("-5");
    const list = c.stringList("list");
    expect<i32>(list.length).toBe(2);
    expect<string>(list[0]).toBe("7");
    expect<string>(list[1]).toBe("8");
    expect<i32>(c.errors.count).toBe(0);
    c.string("big", "");
    c.string("frac", "");
    c.requiredString("t");
    expect<string>(c.errors.toString()).toBe(
      "big: must be a string or an integer (quote numbers above 2^53); frac: must be a string or an integer (quote numbers above 2^53); " +
      "t: must be a non-empty string or an integer");
  });
  it("reads a decimal string as that integer where an integer is expected", () => {
    const c = read('{"a": "10", "b": "-3", "c": "007", "d": " 1", "e": "1.0", "f": "", "g": "1234567890123456", "h": "+1"}', true);
    expect<i64>(c.int("a", 0, 0, 100)).toBe(10);
    expect<i64>(c.int("b", 0, -5, 5)).toBe(-3);
    expect<i64>(c.int("c", 0, 0, 100)).toBe(7);
    expect<i32>(c.errors.count).toBe(0);
    expect<i64>(c.int("d", 1, 0, 100)).toBe(1);
    expect<i64>(c.int("e", 1, 0, 100)).toBe(1);
    expect<i64>(c.int("f", 1, 0, 100)).toBe(1);
    expect<i64>(c.int("g", 1, 0, 9007199254740992)).toBe(1);
    expect<i64>(c.int("h", 1, 0, 100)).toBe(1);
    expect<i32>(c.errors.count).toBe(5);
    expect<i64>(c.int("a", 0, 0, 5)).toBe(0);
    expect<i32>(c.errors.count).toBe(6);
  });
  it("passes leniency to the objects read from it, and only to them", () => {
    const c = read('{"o": {"k": 1}, "l": [{"k": 2}]}', true);
    expect<string>(c.object("o")!.string("k", "")).toBe("1");
    expect<string>(c.objectList("l")[0].string("k", "")).toBe("2");
    const strict = read('{"o": {"k": 1}}');
    expect<string>(strict.object("o")!.string("k", "d")).toBe("d");
    expect<string>(strict.errors.toString()).toBe("o.k: must be a string");
  });
});

describe("ConfigObject helpers", () => {
  it("oneOf: index of the name, fallback when missing, required with -1, case-insensitive on request", () => {
    const c = read('{"per": "minute", "bad": "week", "logic": "AND", "num": 1}');
    const names = ["second", "minute", "hour"];
    expect<i32>(c.oneOf("per", names, 0)).toBe(1);
    expect<i32>(c.oneOf("missing", names, 2)).toBe(2);
    expect<i32>(c.oneOf("logic", ["and", "or"], -1, true)).toBe(0);
    expect<i32>(c.errors.count).toBe(0);
    expect<i32>(c.oneOf("bad", names, 0)).toBe(0);
    expect<i32>(c.oneOf("logic", ["and", "or"], -1)).toBe(-1);
    expect<i32>(c.oneOf("num", names, 0)).toBe(0);
    expect<i32>(c.oneOf("missing", names, -1)).toBe(-1);
    expect<string>(c.errors.toString()).toBe(
      "bad: must be one of: second, minute, hour; logic: must be one of: and, or; num: must be one of: second, minute, hour; missing: is required");
  });
  it("oneOfEach: each item of a list, errors naming the item", () => {
    const c = read('{"s": ["b", "x", "a", 3], "t": "a"}');
    const out = c.oneOfEach("s", ["a", "b"]);
    expect<i32>(out.length).toBe(2);
    expect<i32>(out[0]).toBe(1);
    expect<i32>(out[1]).toBe(0);
    expect<i32>(c.oneOfEach("missing", ["a"]).length).toBe(0);
    c.oneOfEach("t", ["a", "b"]);
    expect<string>(c.errors.toString()).toBe("s[1]: must be one of: a, b; s[3]: must be one of: a, b; t: must be a list of: a, b");
  });
  it("headerName: lower-cased HTTP token, one message, pseudo-headers only when asked", () => {
    const c = read('{"h": "X-Tag", "p": ":authority", "bad": "a b", "e": "", "n": 5}');
    expect<string>(c.headerName("h", null)).toBe("x-tag");
    expect<string>(c.headerName("missing", "X-Default")).toBe("x-default");
    expect<string>(c.headerName("p", null, true)).toBe(":authority");
    expect<i32>(c.errors.count).toBe(0);
    c.headerName("p", null);
    c.headerName("bad", null);
    c.headerName("e", "x");
    c.headerName("n", null);
    c.headerName("missing", null);
    expect<string>(c.errors.toString()).toBe(
      "p: must be a header name (an HTTP token); bad: must be a header name (an HTTP token); e: must be a header name (an HTTP token); " +
      "n: must be a header name (an HTTP token); missing: is required");
  });
  it("exactlyOneOf: the member present (null counts), or an error on the object", () => {
    const keys = ["header", "param"];
    expect<i32>(read('{"param": "x"}').exactlyOneOf(keys)).toBe(1);
    expect<i32>(read('{"header": null}').exactlyOneOf(keys)).toBe(0);
    const none = read('{"cookie": "x"}');
    expect<i32>(none.exactlyOneOf(keys)).toBe(-1);
    expect<string>(none.errors.toString()).toBe("must have exactly one of: header, param");
    const both = read('{"o": {"header": "a", "param": "b"}}');
    expect<i32>(both.object("o")!.exactlyOneOf(keys)).toBe(-1);
    expect<string>(both.errors.toString()).toBe("o: must have exactly one of: header, param");
  });
  it("isEmpty: no members of its own", () => {
    expect<bool>(read("{}").isEmpty()).toBe(true);
    expect<bool>(read('{"_rules_": [], "_match_route_": ["a"]}').isEmpty()).toBe(true);
    expect<bool>(read('{"a": null}').isEmpty()).toBe(false);
  });
});

describe("ConfigErrors", () => {
  it("keeps the first 20 messages and counts the rest (a hostile configuration can have thousands)", () => {
    const errors = new ConfigErrors();
    for (let i = 0; i < 10000; i++) errors.add("rules[" + i.toString() + "]", "must be an object");
    expect<i32>(errors.count).toBe(10000);
    expect<i32>(errors.messages.length).toBe(20);
    const text = errors.toString();
    expect<bool>(text.startsWith("rules[0]: must be an object; rules[1]")).toBe(true);
    expect<bool>(text.endsWith("rules[19]: must be an object; and 9980 more")).toBe(true);
  });
});
