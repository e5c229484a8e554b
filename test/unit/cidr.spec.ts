import { Cidr, IpAddress, stripPortFromAddress } from "../../assembly/lib/cidr";
import { Xorshift } from "./prng";

function cidr(s: string): string {
  const c = Cidr.parse(s);
  return c == null ? "<invalid>" : c.toString();
}
function ip(s: string): bool {
  return IpAddress.parse(s) != null;
}
function has(range: string, addr: string): bool {
  const c = Cidr.parse(range);
  if (c == null) return false;
  const direct = c.contains(addr);
  const parsed = IpAddress.parse(addr);
  // contains(string) and containsAddress(IpAddress) must agree.
  expect<bool>(parsed == null ? false : c.containsAddress(parsed)).toBe(direct);
  return direct;
}

describe("Cidr.parse", () => {
  it("parses IPv4 ranges and masks host bits", () => {
    expect<string>(cidr("10.0.0.0/8")).toBe("10.0.0.0/8");
    expect<string>(cidr("10.1.2.3/8")).toBe("10.0.0.0/8");
    expect<string>(cidr("192.168.1.7")).toBe("192.168.1.7/32");
    expect<string>(cidr("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect<string>(cidr("255.255.255.255/32")).toBe("255.255.255.255/32");
    expect<string>(cidr("172.16.5.4/12")).toBe("172.16.0.0/12");
  });
  it("parses IPv6 ranges", () => {
    expect<string>(cidr("2001:db8::/32")).toBe("2001:db8:0:0:0:0:0:0/32");
    expect<string>(cidr("::1")).toBe("0:0:0:0:0:0:0:1/128");
    expect<string>(cidr("::/0")).toBe("0:0:0:0:0:0:0:0/0");
    expect<string>(cidr("fe80::1:2/64")).toBe("fe80:0:0:0:0:0:0:0/64");
    expect<string>(cidr("1:2:3:4:5:6:7:8/127")).toBe("1:2:3:4:5:6:7:8/127");
    expect<string>(cidr("1:2:3:4:5:6:7:9/127")).toBe("1:2:3:4:5:6:7:8/127");
    expect<string>(cidr("::ffff:10.0.0.1/120")).toBe("0:0:0:0:0:ffff:a00:0/120");
    expect<string>(cidr("1::")).toBe("1:0:0:0:0:0:0:0/128");
    expect<string>(cidr("1:2:3:4:5:6::/96")).toBe("1:2:3:4:5:6:0:0/96");
    expect<string>(cidr("ABCD::Ef01/16")).toBe("abcd:0:0:0:0:0:0:0/16");
  });
  it("rejects malformed ranges", () => {
    const bad = [
      "", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0/8",
      "10.0.0.0.0", "256.0.0.0", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.", "a.b.c.d",
      "::/129", ":::", "1:::2", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
      "1:2:3:4:5:6:7:8::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "[::1]", "fe80::1%eth0", "g::", "1:",
      "::ffff:1.2.3.4.5", "10.0.0.0/8/8", "1.2.3.4/1000",
    ];
    for (let i = 0; i < bad.length; i++) {
      if (Cidr.parse(bad[i]) != null) expect<string>(bad[i]).toBe("<rejected>");
    }
  });
});

describe("Cidr.contains", () => {
  it("matches IPv4", () => {
    expect<bool>(has("10.0.0.0/8", "10.255.1.2")).toBe(true);
    expect<bool>(has("10.0.0.0/8", "11.0.0.0")).toBe(false);
    expect<bool>(has("10.0.0.0/8", "9.255.255.255")).toBe(false);
    expect<bool>(has("192.168.1.7", "192.168.1.7")).toBe(true);
    expect<bool>(has("192.168.1.7", "192.168.1.8")).toBe(false);
    expect<bool>(has("0.0.0.0/0", "1.2.3.4")).toBe(true);
    expect<bool>(has("172.16.0.0/12", "172.31.255.255")).toBe(true);
    expect<bool>(has("172.16.0.0/12", "172.32.0.0")).toBe(false);
  });
  it("matches IPv6", () => {
    expect<bool>(has("2001:db8::/32", "2001:db8:1::5")).toBe(true);
    expect<bool>(has("2001:db8::/32", "2001:db9::")).toBe(false);
    expect<bool>(has("::1", "::1")).toBe(true);
    expect<bool>(has("::1", "0:0:0:0:0:0:0:1")).toBe(true);
    expect<bool>(has("fe80::/10", "febf::1")).toBe(true);
    expect<bool>(has("fe80::/10", "fec0::1")).toBe(false);
    expect<bool>(has("1:2:3:4:5:6:7:8/127", "1:2:3:4:5:6:7:9")).toBe(true);
    expect<bool>(has("1:2:3:4:5:6:7:8/127", "1:2:3:4:5:6:7:a")).toBe(false);
    expect<bool>(has("1:2:3:4::/64", "1:2:3:4:ffff:ffff:ffff:ffff")).toBe(true);
    expect<bool>(has("1:2:3:4::/64", "1:2:3:5::")).toBe(false);
  });
  it("keeps families apart except for IPv4-mapped addresses", () => {
    expect<bool>(has("::/0", "10.0.0.1")).toBe(false);
    expect<bool>(has("0.0.0.0/0", "::1")).toBe(false);
    expect<bool>(has("10.0.0.0/8", "::ffff:10.1.2.3")).toBe(true);
    expect<bool>(has("10.0.0.0/8", "::ffff:a01:203")).toBe(true);
    expect<bool>(has("10.0.0.0/8", "::ffff:11.1.2.3")).toBe(false);
    expect<bool>(has("10.0.0.0/8", "::10.1.2.3")).toBe(false); // IPv4-compatible, not mapped
    expect<bool>(has("::ffff:0:0/96", "::ffff:10.1.2.3")).toBe(true);
  });
  it("is false for addresses that do not parse", () => {
    expect<bool>(has("0.0.0.0/0", "")).toBe(false);
    expect<bool>(has("0.0.0.0/0", "1.2.3.4:80")).toBe(false);
    expect<bool>(has("::/0", "[::1]")).toBe(false);
    expect<bool>(has("0.0.0.0/0", "localhost")).toBe(false);
  });
});

describe("IpAddress", () => {
  it("parses addresses and gives their IPv4 form", () => {
    expect<bool>(ip("1.2.3.4")).toBe(true);
    expect<bool>(ip("::")).toBe(true);
    expect<bool>(ip("1.2.3.4/32")).toBe(false);
    expect<i64>(IpAddress.parse("1.2.3.4")!.ipv4()).toBe(0x01020304);
    expect<i64>(IpAddress.parse("::ffff:1.2.3.4")!.ipv4()).toBe(0x01020304);
    expect<i64>(IpAddress.parse("::1")!.ipv4()).toBe(-1);
  });
});

describe("stripPortFromAddress", () => {
  it("removes ports as Envoy prints addresses", () => {
    expect<string>(stripPortFromAddress("1.2.3.4:5678")).toBe("1.2.3.4");
    expect<string>(stripPortFromAddress("[::1]:80")).toBe("::1");
    expect<string>(stripPortFromAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect<string>(stripPortFromAddress("1.2.3.4")).toBe("1.2.3.4");
    expect<string>(stripPortFromAddress("2001:db8::1")).toBe("2001:db8::1");
    expect<string>(stripPortFromAddress("")).toBe("");
    expect<string>(stripPortFromAddress("[::1")).toBe("[::1");
    expect<string>(stripPortFromAddress(":80")).toBe("");
  });
});

// ---- fuzz: never aborts; textual round trip of valid ranges ---------------------------------

const rng = new Xorshift(0x85ebca6b);
function next(): u32 { return rng.next(); }
function below(n: i32): i32 { return rng.below(n); }

const ALPHABET = "0123456789abcdefABCDEF:./[]%x ";

function randomText(): string {
  const n = below(50);
  let s = "";
  for (let i = 0; i < n; i++) {
    if (below(10) == 0) s += String.fromCharCode(<i32>(next() & 0xffff));
    else s += ALPHABET.charAt(below(ALPHABET.length));
  }
  return s;
}

describe("cidr fuzz", () => {
  it("never aborts on random text (60,000 inputs)", () => {
    const any = Cidr.parse("::/0")!;
    const any4 = Cidr.parse("0.0.0.0/0")!;
    let valid = 0;
    for (let i = 0; i < 60000; i++) {
      const s = randomText();
      const c = Cidr.parse(s);
      if (c != null) {
        valid++;
        // Normalized text parses back to the same range.
        const again = Cidr.parse(c.toString());
        expect<bool>(again != null && again.toString() == c.toString()).toBe(true);
      }
      any.contains(s);
      any4.contains(stripPortFromAddress(s));
      IpAddress.parse(s);
    }
    expect<bool>(valid > 0).toBe(true);
  });
  it("agrees with a bit-level reference on random addresses (20,000 inputs)", () => {
    for (let i = 0; i < 20000; i++) {
      const a = next();
      const b = next();
      const len = below(33);
      const range = ((a >> 24).toString() + "." + ((a >> 16) & 255).toString() + "." + ((a >> 8) & 255).toString() + "." + (a & 255).toString()) + "/" + len.toString();
      const addr = (b >> 24).toString() + "." + ((b >> 16) & 255).toString() + "." + ((b >> 8) & 255).toString() + "." + (b & 255).toString();
      const mask: u32 = len == 0 ? 0 : <u32>(0xffffffff << (32 - len));
      const expected = (a & mask) == (b & mask);
      expect<bool>(has(range, addr)).toBe(expected);
    }
  });
});
