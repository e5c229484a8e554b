import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  BaggageLookup,
  appendBaggageMember,
  baggageCarriesOnly,
  removeBaggageMembers,
  findBaggageValue,
  findSw8CorrelationValue,
  isToken,
  percentDecode,
  percentEncodeBaggageValue,
} from "../../assembly/lib/baggage";
import { base64EncodeString } from "../../assembly/lib/base64";

// "value" if found, "<none>" otherwise, plus malformed count: "value|m=0".
function lookup(header: string, key: string): string {
  const out = new BaggageLookup();
  findBaggageValue(header, key, out);
  return (out.found ? out.value : "<none>") + "|m=" + out.malformed.toString();
}

function sw8(header: string, key: string): string {
  const out = new BaggageLookup();
  findSw8CorrelationValue(header, key, out);
  return (out.found ? out.value : "<none>") + "|m=" + out.malformed.toString();
}

function repeat(s: string, n: i32): string {
  let out = "";
  for (let i = 0; i < n; i++) out += s;
  return out;
}

function b64(s: string): string {
  return base64EncodeString(s);
}

describe("baggage: W3C spec examples", () => {
  const example = "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue";
  it("finds each key of the spec example", () => {
    expect<string>(lookup(example, "key1")).toBe("value1|m=0");
    expect<string>(lookup(example, "key2")).toBe("value2|m=0");
    expect<string>(lookup(example, "key3")).toBe("value3|m=0");
    expect<string>(lookup(example, "key4")).toBe("<none>|m=0");
    expect<string>(lookup(example, "property1")).toBe("<none>|m=0");
    expect<string>(lookup(example, "propertyKey")).toBe("<none>|m=0");
  });
  it("decodes percent-encoded values", () => {
    const h = "serverNode=DF%2028,userId=Am%C3%A9lie,isProduction=false";
    expect<string>(lookup(h, "serverNode")).toBe("DF 28|m=0");
    expect<string>(lookup(h, "userId")).toBe("Amélie|m=0");
    expect<string>(lookup(h, "isProduction")).toBe("false|m=0");
    expect<string>(lookup("k=%2C%3D", "k")).toBe(",=|m=0");
    expect<string>(lookup("k=a%2cb%3d", "k")).toBe("a,b=|m=0"); // lowercase hex accepted
    expect<string>(lookup("k=%F0%9F%98%80", "k")).toBe("😀|m=0");
  });
  it("allows '=' inside values and empty values", () => {
    expect<string>(lookup("k=a=b", "k")).toBe("a=b|m=0");
    expect<string>(lookup("k=", "k")).toBe("|m=0");
    expect<string>(lookup("k = ;p", "k")).toBe("|m=0");
  });
  it("finds the traffic tag", () => {
    expect<string>(lookup("x-mse-tag=gray", "x-mse-tag")).toBe("gray|m=0");
    expect<string>(lookup("a=1,\tx-mse-tag\t=\tgray\t;\tp\t, b=2", "x-mse-tag")).toBe("gray|m=0");
  });
});

describe("baggage: robustness", () => {
  it("skips empty members silently", () => {
    expect<string>(lookup(",,a=1,, ,\t,b=2,", "b")).toBe("2|m=0");
    expect<string>(lookup("", "a")).toBe("<none>|m=0");
    expect<string>(lookup(" , ", "a")).toBe("<none>|m=0");
  });
  it("skips and counts malformed members among good ones", () => {
    expect<string>(lookup("bad,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("=v,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("b c=1,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup('k="q",a=1', "a")).toBe("1|m=1");
    expect<string>(lookup("k=a b,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=a\\b,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=v;,a=1", "a")).toBe("1|m=1"); // empty property
    expect<string>(lookup("k=v;=x,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=v p,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=%,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=%4,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=%zz,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("k=%FF,a=1", "a")).toBe("1|m=1"); // invalid UTF-8
    expect<string>(lookup("k=%C3,a=1", "a")).toBe("1|m=1"); // truncated UTF-8
    expect<string>(lookup("k=%ED%A0%80,a=1", "a")).toBe("1|m=1"); // encoded surrogate
    expect<string>(lookup("k=é,a=1", "a")).toBe("1|m=1"); // raw non-ASCII
    expect<string>(lookup("k=v\u0000,a=1", "a")).toBe("1|m=1");
    expect<string>(lookup("x,y,z=%,a=1,w", "a")).toBe("1|m=3"); // counted up to the match
    expect<string>(lookup("x,y,z=%", "a")).toBe("<none>|m=3");
  });
  it("first well-formed occurrence wins", () => {
    expect<string>(lookup("a=1,a=2", "a")).toBe("1|m=0");
    expect<string>(lookup("a=%zz,a=2,a=3", "a")).toBe("2|m=1");
    expect<string>(lookup("a=x y,a=2", "a")).toBe("2|m=1");
  });
  it("compares keys exactly (case-sensitive, whole key)", () => {
    expect<string>(lookup("A=1,ab=2,a=3", "a")).toBe("3|m=0");
    expect<string>(lookup("ab=2", "a")).toBe("<none>|m=0");
    expect<string>(lookup("a=2", "ab")).toBe("<none>|m=0");
    expect<string>(lookup("a=2", "")).toBe("<none>|m=0");
    expect<string>(lookup("a b=2", "a b")).toBe("<none>|m=1");
  });
  it("handles multi-instance headers joined by ','", () => {
    const joined = "k1=v1;p=1" + "," + "x-mse-tag=blue, k2=v2";
    expect<string>(lookup(joined, "x-mse-tag")).toBe("blue|m=0");
    expect<string>(lookup("a=1, " + ", x-mse-tag=green", "x-mse-tag")).toBe("green|m=0");
  });
  it("resets the lookup object", () => {
    const out = new BaggageLookup();
    findBaggageValue("bad,a=1", "a", out);
    findBaggageValue("b=2", "a", out);
    expect<bool>(out.found).toBe(false);
    expect<string>(out.value).toBe("");
    expect<i32>(out.malformed).toBe(0);
  });
});

describe("baggage: limits", () => {
  it("ignores members beyond BAGGAGE_MAX_MEMBERS", () => {
    let h = "";
    for (let i = 0; i < BAGGAGE_MAX_MEMBERS; i++) h += "k" + i.toString() + "=" + i.toString() + ",";
    const out = new BaggageLookup();
    findBaggageValue(h + "last=1", "k63", out);
    expect<string>(out.value).toBe("63");
    expect<bool>(out.truncated).toBe(false);
    findBaggageValue(h + "last=1", "last", out);
    expect<bool>(out.found).toBe(false);
    expect<bool>(out.truncated).toBe(true);
    // Empty members don't count against the limit.
    findBaggageValue(",,,," + h.substring(0, h.length - 1) + ",,,", "k0", out);
    expect<bool>(out.found).toBe(true);
    expect<bool>(out.truncated).toBe(false);
  });
  it("ignores members beyond BAGGAGE_MAX_BYTES", () => {
    const filler = "f=" + repeat("x", BAGGAGE_MAX_BYTES - 10); // 8184 chars
    const out = new BaggageLookup();
    // "a=1" at 8185..8188 lies within the limit.
    findBaggageValue(filler + ",a=1,b=2345", "a", out);
    expect<string>(out.value).toBe("1");
    findBaggageValue(filler + ",a=1,b=2345", "b", out);
    expect<bool>(out.found).toBe(false);
    expect<bool>(out.truncated).toBe(true);
    // A member ending exactly at the limit is fine, with or without more after it.
    const exact = filler + ",a=12345"; // length 8192
    expect<i32>(exact.length).toBe(BAGGAGE_MAX_BYTES);
    findBaggageValue(exact, "a", out);
    expect<string>(out.value).toBe("12345");
    findBaggageValue(exact + ",c=1", "a", out);
    expect<string>(out.value).toBe("12345");
    findBaggageValue(exact + ",", "a", out);
    expect<string>(out.value).toBe("12345");
    expect<bool>(out.truncated).toBe(false);
    findBaggageValue(exact + "6", "a", out); // 8193 characters: one past the limit
    expect<bool>(out.found).toBe(false);
    expect<bool>(out.truncated).toBe(true);
    findBaggageValue(exact + " ,c=1", "a", out); // trailing OWS past the limit
    expect<bool>(out.found).toBe(false);
    findBaggageValue(exact + "6,c=1", "c", out);
    expect<bool>(out.found).toBe(false);
  });
  it("stays bounded on a huge header without commas", () => {
    const huge = "a=" + repeat("y", 100000);
    const out = new BaggageLookup();
    findBaggageValue(huge, "a", out);
    expect<bool>(out.found).toBe(false);
    expect<bool>(out.truncated).toBe(true);
  });
});

describe("baggage: percent codec", () => {
  it("encodes outside baggage-octet and '%'", () => {
    expect<string>(percentEncodeBaggageValue("plain-Value_1.2~!#$&'()*+/:<=>?@[]^`{|}")).toBe(
      "plain-Value_1.2~!#$&'()*+/:<=>?@[]^`{|}",
    );
    expect<string>(percentEncodeBaggageValue("a b,c;d\\e\"f%g")).toBe("a%20b%2Cc%3Bd%5Ce%22f%25g");
    expect<string>(percentEncodeBaggageValue("Amélie")).toBe("Am%C3%A9lie");
    expect<string>(percentEncodeBaggageValue("😀")).toBe("%F0%9F%98%80");
    expect<string>(percentEncodeBaggageValue("\n\t\u007f")).toBe("%0A%09%7F");
    expect<string>(percentEncodeBaggageValue("")).toBe("");
    expect<string>(percentEncodeBaggageValue("a\uD800")).toBe("a%EF%BF%BD"); // lone surrogate -> U+FFFD
  });
  it("decodes", () => {
    expect<string | null>(percentDecode("DF%2028")).toBe("DF 28");
    expect<string | null>(percentDecode("Am%C3%A9lie")).toBe("Amélie");
    expect<string | null>(percentDecode("")).toBe("");
    expect<string | null>(percentDecode("%25")).toBe("%");
    expect<string | null>(percentDecode("a+b")).toBe("a+b");
  });
  it("rejects bad escapes and invalid UTF-8", () => {
    expect<string | null>(percentDecode("%")).toBeNull();
    expect<string | null>(percentDecode("a%2")).toBeNull();
    expect<string | null>(percentDecode("%g0")).toBeNull();
    expect<string | null>(percentDecode("%80")).toBeNull();
    expect<string | null>(percentDecode("%C0%AF")).toBeNull(); // overlong
    expect<string | null>(percentDecode("%F4%90%80%80")).toBeNull(); // > U+10FFFF
    expect<string | null>(percentDecode("%E2%82")).toBeNull(); // truncated
    expect<string | null>(percentDecode("é")).toBeNull(); // raw non-ASCII input
  });
  it("round-trips through encode and decode", () => {
    const samples = ["gray", "a b,c;d=e%f", "Amélie", "😀 x", "\u0000\u0001", repeat("é", 1000)];
    for (let i = 0; i < samples.length; i++) {
      expect<string | null>(percentDecode(percentEncodeBaggageValue(samples[i]))).toBe(samples[i]);
      const h = appendBaggageMember("x=1", "k", samples[i]);
      expect<string>(lookup(h!, "k")).toBe(samples[i] + "|m=0");
    }
  });
});

describe("baggage: appendBaggageMember", () => {
  it("appends", () => {
    expect<string | null>(appendBaggageMember("", "x-mse-tag", "gray")).toBe("x-mse-tag=gray");
    expect<string | null>(appendBaggageMember("a=1", "k", "v w")).toBe("a=1,k=v%20w");
    expect<string | null>(appendBaggageMember("a=1, ,\t", "k", "v")).toBe("a=1,k=v");
    expect<string | null>(appendBaggageMember(" , ", "k", "v")).toBe("k=v");
  });
  it("rejects non-token keys", () => {
    expect<string | null>(appendBaggageMember("", "", "v")).toBeNull();
    expect<string | null>(appendBaggageMember("", "a b", "v")).toBeNull();
    expect<string | null>(appendBaggageMember("", "a=b", "v")).toBeNull();
    expect<string | null>(appendBaggageMember("", "é", "v")).toBeNull();
  });
  it("respects the member limit", () => {
    let h = "";
    for (let i = 0; i < BAGGAGE_MAX_MEMBERS - 1; i++) h = appendBaggageMember(h, "k" + i.toString(), "v")!;
    const full = appendBaggageMember(h, "last", "v");
    expect<bool>(full != null).toBe(true);
    expect<string | null>(appendBaggageMember(full!, "more", "v")).toBeNull();
  });
  it("respects the byte limit", () => {
    const big = "f=" + repeat("x", BAGGAGE_MAX_BYTES - 8); // 8186 chars
    expect<string | null>(appendBaggageMember(big, "k", "v")).toBe(big + ",k=v"); // 8190
    expect<string | null>(appendBaggageMember(big, "k", "vvv")).toBe(big + ",k=vvv"); // 8192
    expect<string | null>(appendBaggageMember(big, "k", "vvvv")).toBeNull(); // 8193
    expect<string | null>(appendBaggageMember(big, "k", "é")).toBeNull(); // "%C3%A9" is 6 bytes
  });
});

describe("baggage: isToken", () => {
  it("accepts RFC 7230 tokens", () => {
    expect<bool>(isToken("x-mse-tag")).toBe(true);
    expect<bool>(isToken("!#$%&'*+-.^_`|~09azAZ")).toBe(true);
  });
  it("rejects everything else", () => {
    expect<bool>(isToken("")).toBe(false);
    expect<bool>(isToken("a b")).toBe(false);
    const bad = "\"(),/:;<=>?@[\\]{}\u007f\u0000\té";
    for (let i = 0; i < bad.length; i++) {
      expect<bool>(isToken("a" + bad.charAt(i))).toBe(false);
    }
  });
});

describe("baggage: sw8-correlation", () => {
  it("finds values", () => {
    const h = b64("x-mse-tag") + ":" + b64("gray") + "," + b64("user") + ":" + b64("Amélie");
    expect<string>(sw8(h, "x-mse-tag")).toBe("gray|m=0");
    expect<string>(sw8(h, "user")).toBe("Amélie|m=0");
    expect<string>(sw8(h, "nope")).toBe("<none>|m=0");
    expect<string>(sw8("dGFn:", "tag")).toBe("|m=0"); // empty value
    expect<string>(sw8(" dGFn:Ymx1ZQ== , ", "tag")).toBe("blue|m=0");
    expect<string>(sw8("dGFn:Ymx1ZQ", "tag")).toBe("blue|m=0"); // unpadded
  });
  it("skips and counts malformed pairs", () => {
    expect<string>(sw8("dGFn,dGFn:Ymx1ZQ==", "tag")).toBe("blue|m=1"); // no ':'
    expect<string>(sw8(":Ymx1ZQ==,dGFn:Ymx1ZQ==", "tag")).toBe("blue|m=1"); // empty key
    expect<string>(sw8("dGFn:!!!!,dGFn:Ymx1ZQ==", "tag")).toBe("blue|m=1"); // bad value
    expect<string>(sw8("d GFn:Ymx1ZQ==,dGFn:Z3JlZW4=", "tag")).toBe("green|m=1");
    expect<string>(sw8("dGFn:Ymx1ZQ=,dGFn:Z3JlZW4=", "tag")).toBe("green|m=1"); // bad padding
    expect<string>(sw8("dGFn:/w==,dGFn:Z3JlZW4=", "tag")).toBe("green|m=1"); // 0xFF is not UTF-8
    expect<string>(sw8("dGFn:Ymx1ZQ==:x,dGFn:Z3JlZW4=", "tag")).toBe("green|m=1");
    expect<string>(sw8("dGFn:Ymx1ZQ==,dGFn:Z3JlZW4=", "tag")).toBe("blue|m=0"); // first wins
    expect<string>(sw8(",,", "tag")).toBe("<none>|m=0");
    expect<string>(sw8("", "tag")).toBe("<none>|m=0");
  });
});

describe("removeBaggageMembers", () => {
  it("removes every member with the key, keeps the others as written", () => {
    expect<string | null>(removeBaggageMembers("a=1, x-mse-tag=evil;p, b=2 ,x-mse-tag", "x-mse-tag")).toBe("a=1,b=2");
    expect<string | null>(removeBaggageMembers("x-mse-tag=gray", "x-mse-tag")).toBe("");
  });
  it("returns null when no member has the key (a value or longer key containing it does not count)", () => {
    expect<string | null>(removeBaggageMembers("z=x-mse-tag,x-mse-tagx=1", "x-mse-tag")).toBeNull();
    expect<string | null>(removeBaggageMembers("", "x-mse-tag")).toBeNull();
  });
  it("stays within the W3C limits on a huge hostile list", () => {
    let huge = "x-mse-tag=evil";
    for (let i = 0; i < 20000; i++) huge += ",a=1";
    const out = removeBaggageMembers(huge, "x-mse-tag");
    expect<bool>(out != null).toBe(true);
    expect<i32>(out!.length).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
    expect<i32>(out!.split(",").length).toBe(BAGGAGE_MAX_MEMBERS - 1);
  });
});

// Header strings keep bytes that are not UTF-8 as escapes U+DC00+byte (assembly/lib/bytes-text.ts).
describe("baggage: bytes that are not UTF-8", () => {
  const overlong = "\udcc0\udc9c"; // bytes C0 9C
  it("a member holding them is malformed and skipped; the others are found", () => {
    expect<string>(lookup("a=" + overlong + ",x-mse-tag=gray", "x-mse-tag")).toBe("gray|m=1");
    expect<string>(lookup("a=\udcc3X, x-mse-tag=gray", "x-mse-tag")).toBe("gray|m=1");
    expect<string>(lookup("x-mse-tag=gr\udcffay,x-mse-tag=blue", "x-mse-tag")).toBe("blue|m=1");
  });
  it("the byte limit counts an escape as one byte and a character as its UTF-8 length", () => {
    const out = new BaggageLookup();
    const escapes = "f=" + repeat("\udcff", BAGGAGE_MAX_BYTES - 10); // 8184 bytes
    findBaggageValue(escapes + ",a=1", "a", out); // ends at byte 8188
    expect<string>(out.value).toBe("1");
    const accents = "f=" + repeat("é", 4092); // 4094 characters, 8186 bytes
    findBaggageValue(accents + ",a=1", "a", out); // ends at byte 8190
    expect<string>(out.value).toBe("1");
    findBaggageValue(accents + ",a=1234", "a", out); // would end at byte 8193
    expect<bool>(out.found).toBe(false);
    expect<bool>(out.truncated).toBe(true);
  });
  it("appendBaggageMember keeps them and counts each as one byte", () => {
    expect<string | null>(appendBaggageMember("a=" + overlong + ",z=1", "k", "v")).toBe("a=" + overlong + ",z=1,k=v");
    const big = "f=" + repeat("\udcff", BAGGAGE_MAX_BYTES - 8); // 8186 bytes
    expect<string | null>(appendBaggageMember(big, "k", "vvv")).toBe(big + ",k=vvv"); // 8192
    expect<string | null>(appendBaggageMember(big, "k", "vvvv")).toBeNull(); // 8193
  });
  it("removeBaggageMembers keeps them as written", () => {
    expect<string | null>(removeBaggageMembers("a=" + overlong + ", x-mse-tag=1,b=\udcff", "x-mse-tag")).toBe("a=" + overlong + ",b=\udcff");
    let many = "x-mse-tag=1";
    for (let i = 0; i < 100; i++) many += ",a=\udcff\udcfe";
    const kept = removeBaggageMembers(many, "x-mse-tag")!;
    expect<i32>(kept.split(",").length).toBe(BAGGAGE_MAX_MEMBERS - 1);
  });
  it("percentEncodeBaggageValue encodes an escape as the byte it stands for", () => {
    expect<string>(percentEncodeBaggageValue("\udcff")).toBe("%FF");
    expect<string>(percentEncodeBaggageValue("a" + overlong)).toBe("a%C0%9C");
  });
});

describe("baggageCarriesOnly", () => {
  it("is true only for exactly one key=value member", () => {
    expect<bool>(baggageCarriesOnly("x-mse-tag=gray,a=1", "x-mse-tag", "gray")).toBe(true);
    expect<bool>(baggageCarriesOnly(" a=1 , x-mse-tag=gray ", "x-mse-tag", "gray")).toBe(true);
    expect<bool>(baggageCarriesOnly("a=1", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag=blue", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag=gray;p=1", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag = gray", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag=gray,x-mse-tag=gray", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag=gray,x-mse-tag", "x-mse-tag", "gray")).toBe(false);
    expect<bool>(baggageCarriesOnly("x-mse-tag-2=1,x-mse-tag=gray", "x-mse-tag", "gray")).toBe(true);
    expect<bool>(baggageCarriesOnly("x-mse-tag=grayer", "x-mse-tag", "gray")).toBe(false);
  });

  it("is false when members lie beyond the W3C limits (the writer must cut them)", () => {
    let many = "x-mse-tag=gray";
    for (let i = 0; i < BAGGAGE_MAX_MEMBERS; i++) many += ",k" + i.toString() + "=v";
    expect<bool>(baggageCarriesOnly(many, "x-mse-tag", "gray")).toBe(false);
  });
});
