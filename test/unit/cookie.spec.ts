import { findCookie, removeCookie } from "../../assembly/lib/cookie";
import { Xorshift } from "./prng";

function get(header: string, name: string): string {
  const v = findCookie(header, name);
  return v == null ? "<none>" : v;
}

function without(header: string, name: string): string {
  const v = removeCookie(header, name);
  return v == null ? "<none>" : v;
}

describe("removeCookie", () => {
  it("removes every pair with the name and keeps the others", () => {
    expect<string>(without("a=1; token=x; b=2", "token")).toBe("a=1; b=2");
    expect<string>(without("token=x;a=1;token=y", "token")).toBe("a=1");
    expect<string>(without(" token = x ", "token")).toBe("<none>");
    expect<string>(without("a=1; tokenx=2", "token")).toBe("a=1; tokenx=2");
    expect<string>(without("a=1;;b", "token")).toBe("a=1;;b");
  });
});

describe("cookies from repeated lines (Envoy joins them with ',')", () => {
  it("finds and removes pairs after a ','", () => {
    expect<string>(get("a=1,partner_token=x", "partner_token")).toBe("x");
    expect<string>(get("a=1, b=2; c=3", "b")).toBe("2");
    expect<string>(get("t=1,t=2", "t")).toBe("1");
    const second = findCookie("t=1,t=2", "t", 1);
    expect<string>(second == null ? "<none>" : second!).toBe("2");
    expect<string>(without("a=1,token=x; b=2", "token")).toBe("a=1; b=2");
  });
});

describe("findCookie", () => {
  it("finds cookies in a canonical cookie-string", () => {
    const h = "SID=31d4d96e407aad42; lang=en-US; tenant=acme";
    expect<string>(get(h, "SID")).toBe("31d4d96e407aad42");
    expect<string>(get(h, "lang")).toBe("en-US");
    expect<string>(get(h, "tenant")).toBe("acme");
    expect<string>(get(h, "missing")).toBe("<none>");
  });
  it("is case-sensitive and exact on names", () => {
    expect<string>(get("Tenant=a; tenant=b", "tenant")).toBe("b");
    expect<string>(get("xtenant=a; tenantx=b", "tenant")).toBe("<none>");
    expect<string>(get("tenant=a", "")).toBe("<none>");
  });
  it("takes the first of repeated cookies", () => {
    expect<string>(get("t=1; t=2", "t")).toBe("1");
    expect<string>(get("a=0; t=; t=2", "t")).toBe("");
  });
  it("tolerates missing or extra whitespace and empty pairs", () => {
    expect<string>(get("a=1;t=2", "t")).toBe("2");
    expect<string>(get("a=1 ;  \tt = 2 ;", "t")).toBe("2");
    expect<string>(get(";;; t=3;;", "t")).toBe("3");
    expect<string>(get("", "t")).toBe("<none>");
    expect<string>(get(";", "t")).toBe("<none>");
  });
  it("skips nameless pairs", () => {
    expect<string>(get("t; t=5", "t")).toBe("5");
    expect<string>(get("=t; t=6", "t")).toBe("6");
    expect<string>(get("t", "t")).toBe("<none>");
  });
  it("keeps '=' inside values and removes one pair of quotes", () => {
    expect<string>(get("t=a=b", "t")).toBe("a=b");
    expect<string>(get('t="quoted"', "t")).toBe("quoted");
    expect<string>(get('t=""', "t")).toBe("");
    expect<string>(get('t="', "t")).toBe('"');
    expect<string>(get('t=""x""', "t")).toBe('"x"');
  });
  it("does not percent-decode", () => {
    expect<string>(get("t=a%20b", "t")).toBe("a%20b");
  });
  it("handles non-ASCII text without aborting", () => {
    expect<string>(get("n=Amélie; t=😀", "t")).toBe("😀");
    expect<string>(get("Amélie=1", "Amélie")).toBe("1");
  });
});

// ---- fuzz: never aborts, and agrees with a naive reference on well-formed inputs ------------

const rng = new Xorshift(0x2545f491);
function next(): u32 { return rng.next(); }
function below(n: i32): i32 { return rng.below(n); }

const ALPHABET = "t=; \t\"a,%x=\u00e9\ud83d";

function randomHeader(): string {
  const n = below(40);
  let s = "";
  for (let i = 0; i < n; i++) {
    const mode = below(4);
    if (mode == 0) s += String.fromCharCode(<i32>(next() & 0xffff));
    else s += ALPHABET.charAt(below(ALPHABET.length));
  }
  return s;
}

// Reference on canonical input "k1=v1; k2=v2" built from simple tokens.
describe("findCookie fuzz", () => {
  it("never aborts on random headers (50,000 inputs)", () => {
    let found = 0;
    for (let i = 0; i < 50000; i++) {
      const h = randomHeader();
      const v = findCookie(h, below(2) == 0 ? "t" : "a");
      if (v != null) {
        found++;
        expect<bool>(v.length <= h.length).toBe(true);
      }
    }
    expect<bool>(found > 0).toBe(true);
  });
  it("finds every cookie of generated canonical strings (5,000 inputs)", () => {
    for (let i = 0; i < 5000; i++) {
      const count = 1 + below(6);
      const names = new Array<string>();
      const values = new Array<string>();
      let h = "";
      for (let k = 0; k < count; k++) {
        const name = "c" + below(5).toString();
        const value = "v" + next().toString(36);
        if (k > 0) h += "; ";
        h += name + "=" + value;
        if (!names.includes(name)) {
          names.push(name);
          values.push(value);
        }
      }
      for (let k = 0; k < names.length; k++) {
        expect<string>(get(h, names[k])).toBe(values[k]);
      }
    }
  });
});

describe("removeCookie keeps the other cookies as sent", () => {
  it("trims only spaces and tabs (a no-break space is part of a name)", () => {
    expect<string>(without("a=1;\u00a0b=2; token=x", "token")).toBe("a=1; \u00a0b=2");
    expect<string>(without("token=x;\tc=3 ", "token")).toBe("c=3");
  });
  it("takes linear time and memory: 20,000 cookies", () => {
    let h = "token=x";
    const parts = new Array<string>();
    for (let i = 0; i < 20000; i++) parts.push("c" + i.toString() + "=v");
    h += "; " + parts.join("; ");
    const rest = removeCookie(h, "token");
    expect<bool>(rest != null && rest!.startsWith("c0=v; c1=v") && rest!.endsWith("c19999=v")).toBe(true);
  });
});
