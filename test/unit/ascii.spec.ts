import { asciiLower } from "../../assembly/lib/ascii";

describe("asciiLower", () => {
  it("lower-cases A-Z only", () => {
    expect<string>(asciiLower("API.Example.COM:8080")).toBe("api.example.com:8080");
    expect<string>(asciiLower("X-MSE-Tag")).toBe("x-mse-tag");
    expect<string>(asciiLower("ÄÖ-Ü")).toBe("ÄÖ-Ü");
    expect<string>(asciiLower("")).toBe("");
    expect<string>(asciiLower("already-lower")).toBe("already-lower");
  });
});
