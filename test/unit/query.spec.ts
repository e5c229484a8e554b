import { findQueryParam, pathSegment, removeQueryParam } from "../../assembly/lib/query";
import { Xorshift } from "./prng";

function q(path: string, name: string): string {
  const v = findQueryParam(path, name);
  return v == null ? "<none>" : v;
}
function seg(path: string, index: i32): string {
  const v = pathSegment(path, index);
  return v == null ? "<none>" : v;
}

describe("findQueryParam", () => {
  it("finds parameters", () => {
    expect<string>(q("/api?tenant=acme&x=1", "tenant")).toBe("acme");
    expect<string>(q("/api?x=1&tenant=acme", "tenant")).toBe("acme");
    expect<string>(q("/api?x=1", "tenant")).toBe("<none>");
    expect<string>(q("/api", "tenant")).toBe("<none>");
    expect<string>(q("", "tenant")).toBe("<none>");
    expect<string>(q("?tenant=a", "tenant")).toBe("a");
  });
  it("matches whole keys, case-sensitively", () => {
    expect<string>(q("/?xtenant=1&tenantx=2&Tenant=3", "tenant")).toBe("<none>");
  });
  it("takes the first occurrence", () => {
    expect<string>(q("/?t=1&t=2", "t")).toBe("1");
  });
  it("gives an empty value for 'k' and 'k='", () => {
    expect<string>(q("/?t&u=1", "t")).toBe("");
    expect<string>(q("/?t=&u=1", "t")).toBe("");
  });
  it("decodes form encoding in values and keys", () => {
    expect<string>(q("/?t=a+b%20c", "t")).toBe("a b c");
    expect<string>(q("/?t=Am%C3%A9lie", "t")).toBe("Amélie");
    expect<string>(q("/?t=%2B%26%3D", "t")).toBe("+&=");
    expect<string>(q("/?t%65nant=x", "tenant")).toBe("x");
    expect<string>(q("/?my+key=x", "my key")).toBe("x");
    expect<string>(q("/?t=a%2fb", "t")).toBe("a/b");
  });
  it("keeps '=' inside values", () => {
    expect<string>(q("/?t=a=b", "t")).toBe("a=b");
  });
  it("is null for undecodable first values, without trying later ones", () => {
    expect<string>(q("/?t=%zz", "t")).toBe("<none>");
    expect<string>(q("/?t=%4", "t")).toBe("<none>");
    expect<string>(q("/?t=%", "t")).toBe("<none>");
    expect<string>(q("/?t=%C3", "t")).toBe("<none>");   // truncated UTF-8
    expect<string>(q("/?t=%ED%A0%80", "t")).toBe("<none>"); // surrogate
    expect<string>(q("/?t=%zz&t=ok", "t")).toBe("<none>");
    expect<string>(q("/?%zz=1&t=ok", "t")).toBe("ok"); // undecodable key: just not a match
  });
  it("stops at a fragment and skips empty parameters", () => {
    expect<string>(q("/?a=1#t=2", "t")).toBe("<none>");
    expect<string>(q("/?&&t=3&", "t")).toBe("3");
    expect<string>(q("/#x?t=1", "t")).toBe("<none>");
  });
  it("keeps raw non-ASCII characters", () => {
    expect<string>(q("/?t=é😀", "t")).toBe("é😀");
    expect<string>(q("/?t=a\ud800", "t")).toBe("<none>"); // lone surrogate
  });
});

describe("pathSegment", () => {
  it("counts 1-based segments of the path", () => {
    expect<string>(seg("/t1/api/orders", 1)).toBe("t1");
    expect<string>(seg("/t1/api/orders", 2)).toBe("api");
    expect<string>(seg("/t1/api/orders", 3)).toBe("orders");
    expect<string>(seg("/t1/api/orders", 4)).toBe("<none>");
    expect<string>(seg("/t1/api/orders", 0)).toBe("<none>");
    expect<string>(seg("/t1/api/orders", -1)).toBe("<none>");
  });
  it("ignores the query and fragment", () => {
    expect<string>(seg("/tenants/acme?x=/a/b", 2)).toBe("acme");
    expect<string>(seg("/tenants/acme?x=/a/b", 3)).toBe("<none>");
    expect<string>(seg("/a#/b", 2)).toBe("<none>");
  });
  it("returns null for empty segments", () => {
    expect<string>(seg("/", 1)).toBe("<none>");
    expect<string>(seg("", 1)).toBe("<none>");
    expect<string>(seg("/a//b", 2)).toBe("<none>");
    expect<string>(seg("/a//b", 3)).toBe("b");
    expect<string>(seg("/a/", 2)).toBe("<none>");
    expect<string>(seg("/?q", 1)).toBe("<none>");
  });
  it("percent-decodes, keeping '+'", () => {
    expect<string>(seg("/t%20x/a+b", 1)).toBe("t x");
    expect<string>(seg("/t%20x/a+b", 2)).toBe("a+b");
    expect<string>(seg("/a%2Fb/c", 1)).toBe("a/b");
    expect<string>(seg("/%zz/c", 1)).toBe("<none>");
    expect<string>(seg("/%zz/c", 2)).toBe("c");
  });
  it("handles a path without leading slash", () => {
    expect<string>(seg("*", 1)).toBe("*");
    expect<string>(seg("a/b", 2)).toBe("b");
  });
});

// ---- fuzz ----------------------------------------------------------------------------------

const rng = new Xorshift(0x6b43a9b5);
function next(): u32 { return rng.next(); }
function below(n: i32): i32 { return rng.below(n); }

const ALPHABET = "/?#&=+%t1aF\u00e9\ud83d\ude00";

function randomPath(): string {
  const n = below(48);
  let s = below(2) == 0 ? "/" : "";
  for (let i = 0; i < n; i++) {
    if (below(5) == 0) s += String.fromCharCode(<i32>(next() & 0xffff));
    else s += ALPHABET.charAt(below(ALPHABET.length));
  }
  return s;
}

function hex(b: i32): string {
  const h = "0123456789ABCDEF";
  return "%" + h.charAt(b >> 4) + h.charAt(b & 15);
}

describe("removeQueryParam", () => {
  it("removes every parameter with the (decoded) name and keeps the rest as written", () => {
    expect<string>(removeQueryParam("/a?access_token=x.y.z", "access_token")).toBe("/a");
    expect<string>(removeQueryParam("/a?b=1&access_token=x&c=%20+", "access_token")).toBe("/a?b=1&c=%20+");
    expect<string>(removeQueryParam("/a?t=1&b=2&t=3", "t")).toBe("/a?b=2");
    expect<string>(removeQueryParam("/a?%74=1&b=2", "t")).toBe("/a?b=2");
    expect<string>(removeQueryParam("/a?t&b", "t")).toBe("/a?b");
    expect<string>(removeQueryParam("/a?t=1#frag", "t")).toBe("/a#frag");
    expect<string>(removeQueryParam("/a?b=1&&t=2", "t")).toBe("/a?b=1");
  });
  it("leaves a path without the parameter unchanged", () => {
    expect<string>(removeQueryParam("/a?tt=1&b=t", "t")).toBe("/a?tt=1&b=t");
    expect<string>(removeQueryParam("/a", "t")).toBe("/a");
    expect<string>(removeQueryParam("/a#t=1", "t")).toBe("/a#t=1");
  });
});

describe("query fuzz", () => {
  it("never aborts on random paths (50,000 inputs)", () => {
    let found = 0;
    for (let i = 0; i < 50000; i++) {
      const p = randomPath();
      const name = below(2) == 0 ? "t" : "1";
      if (findQueryParam(p, name) != null) {
        found++;
        expect<bool>(findQueryParam(removeQueryParam(p, name), name) == null).toBe(true);
      }
      if (pathSegment(p, below(6) - 1) != null) found++;
    }
    expect<bool>(found > 0).toBe(true);
  });
  it("decodes what an encoder produced (5,000 round trips)", () => {
    for (let i = 0; i < 5000; i++) {
      // A value of random code points, percent-encoded byte by byte.
      let value = "";
      const n = below(8);
      for (let k = 0; k < n; k++) {
        const kind = below(3);
        if (kind == 0) value += String.fromCharCode(0x20 + below(0x5f));
        else if (kind == 1) value += String.fromCharCode(0xa0 + below(0x700));
        else value += String.fromCodePoint(0x10000 + below(0x1000));
      }
      const bytes = Uint8Array.wrap(String.UTF8.encode(value));
      let enc = "";
      for (let k = 0; k < bytes.length; k++) enc += hex(bytes[k]);
      expect<string>(q("/x?a=1&t=" + enc + "&t=2", "t")).toBe(value);
      expect<string>(seg("/x/" + enc + "/y", 2)).toBe(value.length == 0 ? "<none>" : value);
    }
  });
});
