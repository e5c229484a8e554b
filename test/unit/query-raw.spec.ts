import { findRawQueryParam } from "../../assembly/lib/query";
import { Xorshift } from "./prng";

function raw(path: string, name: string): string {
  const v = findRawQueryParam(path, name);
  return v == null ? "<none>" : v;
}

describe("findRawQueryParam (Higress key-rate-limit's limit_by_param)", () => {
  it("returns the value as sent: no percent- or '+'-decoding", () => {
    expect<string>(raw("/p?apikey=a+b%20c", "apikey")).toBe("a+b%20c");
    expect<string>(raw("/p?x=1&apikey=9a342114-ba8a&y=2", "apikey")).toBe("9a342114-ba8a");
    expect<string>(raw("/p?apikey=%zz", "apikey")).toBe("%zz");
  });
  it("compares the raw name exactly", () => {
    expect<string>(raw("/p?%61pikey=x", "apikey")).toBe("<none>");
    expect<string>(raw("/p?Apikey=x", "apikey")).toBe("<none>");
    expect<string>(raw("/p?apikeys=x&apikey=y", "apikey")).toBe("y");
    expect<string>(raw("/p?a+b=x", "a+b")).toBe("x");
  });
  it("takes the first occurrence; a name without '=' is an empty value", () => {
    expect<string>(raw("/p?k=1&k=2", "k")).toBe("1");
    expect<string>(raw("/p?k&k=2", "k")).toBe("");
    expect<string>(raw("/p?k=", "k")).toBe("");
    expect<string>(raw("/p?k=a=b", "k")).toBe("a=b");
  });
  it("reads only the query: after the first '?', before a '#'", () => {
    expect<string>(raw("/p", "k")).toBe("<none>");
    expect<string>(raw("/p?", "k")).toBe("<none>");
    expect<string>(raw("/k=1", "k")).toBe("<none>");
    expect<string>(raw("/p?a=1?k=2&k=3", "k")).toBe("3");
    expect<string>(raw("/p?k=1#f", "k")).toBe("1");
    expect<string>(raw("/p#?k=1", "k")).toBe("<none>");
    expect<string>(raw("/p?&&k=1&&", "k")).toBe("1");
  });
  it("never aborts on random paths (50,000 inputs)", () => {
    const rng = new Xorshift(0x2b7e1516);
    const alphabet = "/?#&=+%k1\u00e9\ud83d\ude00";
    let found = 0;
    for (let i = 0; i < 50000; i++) {
      const n = rng.below(40);
      let s = "";
      for (let j = 0; j < n; j++) {
        if (rng.below(6) == 0) s += String.fromCharCode(<i32>(rng.next() & 0xffff));
        else s += alphabet.charAt(rng.below(alphabet.length));
      }
      if (findRawQueryParam(s, rng.below(2) == 0 ? "k" : "k1") != null) found++;
    }
    expect<bool>(found > 0).toBe(true);
  });
});
