// The registered claims of a JWT (RFC 7519 §4.1) checked against a policy: time window (exp, nbf,
// iat with clock skew), maximum lifetime, issuer and audience. Untrusted claims of the wrong type
// are refused, never coerced: a string "exp" is not a time.

import { JsonValue } from "../lib/json";

export enum ClaimsError {
  None,
  /** exp, nbf or iat is not a number, iss is not a string, aud is not a string or a list of strings. */
  BadClaim,
  /** require_expiration and no exp. */
  MissingExpiration,
  /** now > exp + skew. */
  Expired,
  /** now < nbf - skew. */
  NotYetValid,
  /** iat > now + skew. */
  IssuedInFuture,
  /** exp lies further than maxLifetimeSeconds (+ skew) from now. */
  LifetimeTooLong,
  /** iss differs from the configured issuer. */
  BadIssuer,
  /** No aud value is among the configured audiences. */
  BadAudience,
}

export class ClaimsPolicy {
  clockSkewSeconds: f64 = 60;
  requireExpiration: bool = true;
  /** 0: no limit. */
  maxLifetimeSeconds: f64 = 0;
  /** Empty: not checked. */
  issuer: string = "";
  /** Empty: not checked; otherwise any one of them must be in aud. */
  audiences: string[] = [];
}

/** Checks `payload` (a JSON object) at `nowSeconds` (Unix time). */
export function checkClaims(payload: JsonValue, policy: ClaimsPolicy, nowSeconds: f64): ClaimsError {
  const skew = policy.clockSkewSeconds;
  const exp = payload.get("exp");
  const nbf = payload.get("nbf");
  const iat = payload.get("iat");
  if ((exp != null && !exp.isNumber()) || (nbf != null && !nbf.isNumber()) || (iat != null && !iat.isNumber())) {
    return ClaimsError.BadClaim;
  }
  if (exp == null) {
    if (policy.requireExpiration) return ClaimsError.MissingExpiration;
  } else {
    if (nowSeconds > exp.numberValue + skew) return ClaimsError.Expired;
    if (policy.maxLifetimeSeconds > 0 && exp.numberValue - nowSeconds > policy.maxLifetimeSeconds + skew) {
      return ClaimsError.LifetimeTooLong;
    }
  }
  if (nbf != null && nowSeconds < nbf.numberValue - skew) return ClaimsError.NotYetValid;
  if (iat != null && iat.numberValue > nowSeconds + skew) return ClaimsError.IssuedInFuture;

  if (policy.issuer.length > 0) {
    const iss = payload.get("iss");
    if (iss != null && !iss.isString()) return ClaimsError.BadClaim;
    if (iss == null || iss.stringValue != policy.issuer) return ClaimsError.BadIssuer;
  }
  if (policy.audiences.length > 0) return audienceResult(payload.get("aud"), policy.audiences);
  return ClaimsError.None;
}

/** aud is a string or a list of strings (RFC 7519 §4.1.3); one of its values must be configured. */
function audienceResult(aud: JsonValue | null, allowed: string[]): ClaimsError {
  if (aud == null) return ClaimsError.BadAudience;
  if (aud.isString()) return allowed.includes(aud.stringValue) ? ClaimsError.None : ClaimsError.BadAudience;
  if (!aud.isArray()) return ClaimsError.BadClaim;
  let found = false;
  for (let i = 0; i < aud.items.length; i++) {
    const item = unchecked(aud.items[i]);
    if (!item.isString()) return ClaimsError.BadClaim;
    if (allowed.includes(item.stringValue)) found = true;
  }
  return found ? ClaimsError.None : ClaimsError.BadAudience;
}
