import { ClaimsError, ClaimsPolicy, checkClaims } from "../../assembly/crypto/jwt-claims";
import { parseJson } from "../../assembly/lib/json";

const NOW: f64 = 1_800_000_000;

function check(payload: string, policy: ClaimsPolicy = new ClaimsPolicy(), now: f64 = NOW): ClaimsError {
  return checkClaims(parseJson(payload).value!, policy, now);
}

function policy(issuer: string = "", audiences: string[] = [], maxLifetime: f64 = 0): ClaimsPolicy {
  const p = new ClaimsPolicy();
  p.issuer = issuer;
  p.audiences = audiences;
  p.maxLifetimeSeconds = maxLifetime;
  return p;
}

describe("JWT claims: time", () => {
  it("exp with 60 s of skew by default", () => {
    expect<ClaimsError>(check('{"exp":1800000100}')).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1799999950}')).toBe(ClaimsError.None); // 50 s late: within skew
    expect<ClaimsError>(check('{"exp":1799999939}')).toBe(ClaimsError.Expired);
    expect<ClaimsError>(check('{"exp":1799999940.5}')).toBe(ClaimsError.None); // NumericDate may have a fraction
  });

  it("a token without exp is refused unless the policy allows it", () => {
    expect<ClaimsError>(check('{"sub":"x"}')).toBe(ClaimsError.MissingExpiration);
    const p = new ClaimsPolicy();
    p.requireExpiration = false;
    expect<ClaimsError>(check('{"sub":"x"}', p)).toBe(ClaimsError.None);
  });

  it("nbf and iat, both with skew", () => {
    expect<ClaimsError>(check('{"exp":1800000100,"nbf":1800000050}')).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800000100,"nbf":1800000061}')).toBe(ClaimsError.NotYetValid);
    expect<ClaimsError>(check('{"exp":1800000100,"iat":1800000060}')).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800000100,"iat":1800000061}')).toBe(ClaimsError.IssuedInFuture);
    const strict = new ClaimsPolicy();
    strict.clockSkewSeconds = 0;
    expect<ClaimsError>(check('{"exp":1799999999}', strict)).toBe(ClaimsError.Expired);
  });

  it("max lifetime counts from now", () => {
    expect<ClaimsError>(check('{"exp":1800003600}', policy("", [], 3600))).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800003661}', policy("", [], 3600))).toBe(ClaimsError.LifetimeTooLong);
  });

  it("time claims of another type are refused, not coerced", () => {
    expect<ClaimsError>(check('{"exp":"1800000100"}')).toBe(ClaimsError.BadClaim);
    expect<ClaimsError>(check('{"exp":1800000100,"nbf":null}')).toBe(ClaimsError.BadClaim);
    expect<ClaimsError>(check('{"exp":1800000100,"iat":[1]}')).toBe(ClaimsError.BadClaim);
  });
});

describe("JWT claims: issuer and audience", () => {
  it("issuer must match exactly when configured", () => {
    expect<ClaimsError>(check('{"exp":1800000100,"iss":"https://a"}', policy("https://a"))).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800000100,"iss":"https://a/"}', policy("https://a"))).toBe(ClaimsError.BadIssuer);
    expect<ClaimsError>(check('{"exp":1800000100}', policy("https://a"))).toBe(ClaimsError.BadIssuer);
    expect<ClaimsError>(check('{"exp":1800000100,"iss":7}', policy("https://a"))).toBe(ClaimsError.BadClaim);
    expect<ClaimsError>(check('{"exp":1800000100,"iss":"anyone"}')).toBe(ClaimsError.None); // not configured
  });

  it("audience: any configured value in aud, a string or a list of strings", () => {
    const p = policy("", ["api", "web"]);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":"web"}', p)).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":["x","api"]}', p)).toBe(ClaimsError.None);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":["x","y"]}', p)).toBe(ClaimsError.BadAudience);
    expect<ClaimsError>(check('{"exp":1800000100}', p)).toBe(ClaimsError.BadAudience);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":["api",1]}', p)).toBe(ClaimsError.BadClaim);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":{"api":true}}', p)).toBe(ClaimsError.BadClaim);
    expect<ClaimsError>(check('{"exp":1800000100,"aud":"anything"}')).toBe(ClaimsError.None); // not configured
  });
});
