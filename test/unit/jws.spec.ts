import { JwsError, Jws, KeyMatch, parseJws, verifyJws, verifyWithKeys } from "../../assembly/crypto/jws";
import { Jwk, parseJwk } from "../../assembly/crypto/jwk";
import { base64UrlEncodeString } from "../../assembly/lib/base64";
import { parseJson } from "../../assembly/lib/json";
import { Xorshift } from "./prng";

// RFC 7515 Appendix A.1 (HS256) and A.3 (ES256): the example tokens and their keys.
const A1_TOKEN =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_KEY = '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}';
const A3_TOKEN =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const A3_KEY = '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}';

function key(json: string): Jwk {
  return parseJwk(parseJson(json).value!).key!;
}

/** A token with this header and payload JSON and a signature of "sig" bytes. */
function token(header: string, payload: string, sig: string = "c2ln"): string {
  return base64UrlEncodeString(header) + "." + base64UrlEncodeString(payload) + "." + sig;
}

describe("JWS: RFC 7515 examples", () => {
  it("A.1 HS256 verifies with its oct key, and not once changed", () => {
    const j = new Jws();
    expect<JwsError>(parseJws(A1_TOKEN, 8192, j)).toBe(JwsError.None);
    expect<string>(j.alg).toBe("HS256");
    expect<string>(j.payload!.get("iss")!.stringValue).toBe("joe");
    expect<bool>(verifyJws(j, key(A1_KEY))).toBe(true);
    j.signingInput[5] ^= 1;
    expect<bool>(verifyJws(j, key(A1_KEY))).toBe(false);
  });

  it("A.3 ES256 verifies with its EC key", () => {
    const j = new Jws();
    expect<JwsError>(parseJws(A3_TOKEN, 8192, j)).toBe(JwsError.None);
    expect<bool>(verifyJws(j, key(A3_KEY))).toBe(true);
  });

  it("a key is used only with the algorithms it allows", () => {
    const hs = new Jws();
    parseJws(A1_TOKEN, 8192, hs);
    expect<bool>(verifyJws(hs, key(A3_KEY))).toBe(false); // HS256 with an EC key
    const es = new Jws();
    parseJws(A3_TOKEN, 8192, es);
    expect<bool>(verifyJws(es, key(A1_KEY))).toBe(false); // ES256 with an oct key
    const pinned = key('{"kty":"oct","alg":"HS512","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}');
    expect<bool>(verifyJws(hs, pinned)).toBe(false); // the key's own alg rules
  });
});

describe("JWS: key selection", () => {
  it("by kid when the token names one, else every key that allows the algorithm", () => {
    const ec = key(A3_KEY);
    const oct = key(A1_KEY);
    const hs = new Jws();
    parseJws(A1_TOKEN, 8192, hs);
    expect<KeyMatch>(verifyWithKeys(hs, [ec, oct])).toBe(KeyMatch.Verified); // no kid: the EC key is skipped, not tried
    expect<KeyMatch>(verifyWithKeys(hs, [ec])).toBe(KeyMatch.NoKey);
    const other = key('{"kty":"oct","k":"c2VjcmV0LXRoYXQtaXMtbm90LXRoZS1yaWdodC1vbmU"}');
    expect<KeyMatch>(verifyWithKeys(hs, [other])).toBe(KeyMatch.BadSignature);
    expect<KeyMatch>(verifyWithKeys(hs, [other, oct], 1)).toBe(KeyMatch.BadSignature); // bounded tries
  });

  it("a token with a kid is checked only against that kid", () => {
    const withKid = key('{"kty":"oct","kid":"k2","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}');
    const j = new Jws();
    expect<JwsError>(parseJws(token('{"alg":"HS256","kid":"k1"}', "{}"), 8192, j)).toBe(JwsError.None);
    expect<KeyMatch>(verifyWithKeys(j, [withKid])).toBe(KeyMatch.NoKey);
  });
});

describe("JWS: parsing", () => {
  it("reads kid and refuses what is not a supported JWS", () => {
    const j = new Jws();
    expect<JwsError>(parseJws(token('{"alg":"RS256","kid":"k1"}', "{}"), 8192, j)).toBe(JwsError.None);
    expect<string>(j.kid).toBe("k1");
    expect<JwsError>(parseJws(token('{"alg":"none"}', "{}"), 8192, j)).toBe(JwsError.UnsupportedAlg);
    expect<JwsError>(parseJws(token('{"alg":"HS1"}', "{}"), 8192, j)).toBe(JwsError.UnsupportedAlg);
    expect<JwsError>(parseJws(token('{"alg":"HS256","crit":["b64"],"b64":false}', "{}"), 8192, j)).toBe(JwsError.BadHeader);
    expect<JwsError>(parseJws(token('{"alg":"HS256","kid":7}', "{}"), 8192, j)).toBe(JwsError.BadHeader);
    expect<JwsError>(parseJws(token('{"alg":256}', "{}"), 8192, j)).toBe(JwsError.BadHeader);
    expect<JwsError>(parseJws(token('["HS256"]', "{}"), 8192, j)).toBe(JwsError.BadHeader);
    expect<JwsError>(parseJws(token('{"alg":"HS256"}', "[1]"), 8192, j)).toBe(JwsError.BadPayload);
    expect<JwsError>(parseJws(token('{"alg":"HS256"}', "not json"), 8192, j)).toBe(JwsError.BadPayload);
    expect<string>(j.alg).toBe(""); // nothing kept from a refused token
  });

  it("needs exactly three base64url segments with a signature", () => {
    const j = new Jws();
    const h = base64UrlEncodeString('{"alg":"HS256"}');
    const p = base64UrlEncodeString("{}");
    expect<JwsError>(parseJws(h + "." + p, 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws(h + "." + p + ".", 8192, j)).toBe(JwsError.Malformed); // alg none style
    expect<JwsError>(parseJws(h + "." + p + ".c2ln.c2ln", 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws("." + p + ".c2ln", 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws(h + "..c2ln", 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws(h + "." + p + ".c2l=", 8192, j)).toBe(JwsError.Malformed); // padding
    expect<JwsError>(parseJws(h + "." + p + ".c2 ln", 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws(h + "." + p + ".c", 8192, j)).toBe(JwsError.Malformed); // not a whole byte
    expect<JwsError>(parseJws("", 8192, j)).toBe(JwsError.Malformed);
    expect<JwsError>(parseJws(A1_TOKEN, 100, j)).toBe(JwsError.TooLarge);
  });
});

describe("JWS: fuzz", () => {
  it("20,000 random and mutated tokens: refused or parsed, never a trap", () => {
    const rng = new Xorshift(20261205);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e9";
    const j = new Jws();
    const k = key(A1_KEY);
    let parsed = 0;
    for (let i = 0; i < 20000; i++) {
      let t = rng.below(2) == 0 ? A1_TOKEN : A3_TOKEN;
      const edits = rng.below(4) + 1;
      for (let e = 0; e < edits; e++) {
        const at = rng.below(t.length + 1);
        const c = alphabet.charAt(rng.below(alphabet.length));
        const op = rng.below(3);
        if (op == 0) t = t.substring(0, at) + c + t.substring(at);
        else if (op == 1) t = t.substring(0, at) + t.substring(at + 1);
        else t = t.substring(0, at) + c + t.substring(at + 1);
      }
      if (parseJws(t, 8192, j) == JwsError.None) {
        parsed++;
        verifyJws(j, k);
      }
    }
    expect<bool>(parsed > 0).toBe(true);
  });
});
