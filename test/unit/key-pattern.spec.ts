import { ConfigErrors, ConfigObject } from "../../assembly/config";
import { KeyPattern, PatternKind } from "../../assembly/key-pattern";
import { IpAddress } from "../../assembly/lib/cidr";
import { parseJson } from "../../assembly/lib/json";

function obj(): ConfigObject {
  return new ConfigObject(parseJson("{}").value!, "keys[0]", new ConfigErrors());
}

describe("KeyPattern.read", () => {
  it("reads *, regexp:, ranges (only when asked) and exact values", () => {
    const o = obj();
    expect<i32>(KeyPattern.read(o, "key", "*", false)!.kind).toBe(PatternKind.Any);
    expect<i32>(KeyPattern.read(o, "key", "regexp:^a+$", false)!.kind).toBe(PatternKind.Regex);
    expect<i32>(KeyPattern.read(o, "key", "10.0.0.0/8", true)!.kind).toBe(PatternKind.Cidr);
    expect<i32>(KeyPattern.read(o, "key", "10.0.0.0/8", false)!.kind).toBe(PatternKind.Exact);
    expect<i32>(KeyPattern.read(o, "key", "10.0.0.1", true)!.kind).toBe(PatternKind.Exact);
    expect<i32>(KeyPattern.read(o, "key", "regexp", false)!.kind).toBe(PatternKind.Exact);
    expect<bool>(KeyPattern.read(o, "key", "vip", false)!.isPattern).toBe(false);
    expect<i32>(o.errors.count).toBe(0);
  });

  it("reports a bad regexp or range on the field and returns null", () => {
    const o = obj();
    expect<KeyPattern | null>(KeyPattern.read(o, "key", "regexp:(a", false)).toBeNull();
    expect<KeyPattern | null>(KeyPattern.read(o, "key", "10.0.0.0/33", true)).toBeNull();
    expect<i32>(o.errors.count).toBe(2);
    expect<bool>(o.errors.messages[0].startsWith("keys[0].key: bad regexp at offset")).toBe(true);
    expect<string>(o.errors.messages[1]).toBe("keys[0].key: is not an IP range (CIDR such as 10.0.0.0/8)");
  });
});

describe("KeyPattern.matches", () => {
  it("matches values and addresses by kind", () => {
    const o = obj();
    const any = KeyPattern.read(o, "key", "*", false)!;
    const re = KeyPattern.read(o, "key", "regexp:^vip-[0-9]+$", false)!;
    const range = KeyPattern.read(o, "key", "10.0.0.0/8", true)!;
    const exact = KeyPattern.read(o, "key", "vip", false)!;
    expect<bool>(any.matches("", null)).toBe(true);
    expect<bool>(re.matches("vip-12", null)).toBe(true);
    expect<bool>(re.matches("vip-12x", null)).toBe(false);
    expect<bool>(range.matches("10.1.2.3", IpAddress.parse("10.1.2.3"))).toBe(true);
    expect<bool>(range.matches("10.1.2.3", null)).toBe(false); // no address: no match
    expect<bool>(range.matches("x", IpAddress.parse("::ffff:10.9.9.9"))).toBe(true);
    expect<bool>(range.matches("x", IpAddress.parse("11.0.0.1"))).toBe(false);
    expect<bool>(exact.matches("vip", null)).toBe(true);
    expect<bool>(exact.matches("vip2", null)).toBe(false);
  });
});
