import { stripPort } from "../../assembly/lib/authority";

describe("stripPort", () => {
  it("drops the port of a host name or IPv4 address", () => {
    expect<string>(stripPort("example.com:8080")).toBe("example.com");
    expect<string>(stripPort("10.0.0.1:80")).toBe("10.0.0.1");
    expect<string>(stripPort("example.com")).toBe("example.com");
  });

  it("keeps the brackets of an IPv6 literal and drops what follows them", () => {
    expect<string>(stripPort("[::1]:80")).toBe("[::1]");
    expect<string>(stripPort("[2001:db8::1]")).toBe("[2001:db8::1]");
    expect<string>(stripPort("[::1")).toBe("[::1"); // unbalanced: left as it is
  });

  it("handles the empty authority", () => {
    expect<string>(stripPort("")).toBe("");
    expect<string>(stripPort(":80")).toBe("");
  });
});
