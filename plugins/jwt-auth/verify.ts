// Checks one token for the consumers that read it from its source, in configuration order: the
// first consumer whose checks all pass names the request's consumer. Per consumer: the claims
// (time window, issuer, audiences, `claims`), then the key, then the signature. Nothing here
// aborts on hostile input: every failure is a Denial.

import { ClaimsError, checkClaims } from "../../assembly/crypto/jwt-claims";
import { Jws, JwsError, KeyMatch, parseJws, verifyWithKeys } from "../../assembly/crypto/jws";
import { claimsMatch, claimText, findClaim } from "./claim-headers";
import { Consumer, TokenSource } from "./config";
import { Denial, denialStage } from "./errors";
import { KeySet } from "./key-set";

/** The outcome of checkToken. Reused: checkToken overwrites every field. */
export class TokenCheck {
  /** The consumer the token verified for; null when denied or waiting. */
  consumer: Consumer | null = null;
  denial: Denial = Denial.None;
  /** A key set that is fetching keys this token needs: wait for it, then check again. */
  waitFor: KeySet | null = null;
  /** exp + skew of a verified token (+inf without exp). */
  expiresAt: f64 = Infinity;
  /** claims_to_headers values of a verified token, parallel to consumer.claimHeaders. */
  claimValues: Array<string | null> = [];
}

const jws = new Jws();

/** Checks `token` read from `source` at `nowSeconds`; `mayWait` false once the request waited for keys. */
export function checkToken(token: string, source: TokenSource, maxBytes: i32, nowSeconds: f64, mayWait: bool, out: TokenCheck): void {
  out.consumer = null;
  out.waitFor = null;
  out.denial = parseDenial(parseJws(token, maxBytes, jws));
  if (out.denial != Denial.None) return;
  let best = Denial.None;
  const consumers = source.consumers;
  for (let i = 0; i < consumers.length; i++) {
    const consumer = unchecked(consumers[i]);
    const d = checkConsumer(consumer, nowSeconds, mayWait, out);
    if (out.waitFor != null) return;
    if (d == Denial.None) {
      verified(consumer, nowSeconds, out);
      return;
    }
    if (best == Denial.None || denialStage(d) > denialStage(best)) best = d;
  }
  out.denial = best;
}

function parseDenial(e: JwsError): Denial {
  if (e == JwsError.None) return Denial.None;
  if (e == JwsError.TooLarge) return Denial.TokenTooLarge;
  if (e == JwsError.UnsupportedAlg) return Denial.AlgorithmUnsupported;
  return Denial.TokenMalformed;
}

function checkConsumer(c: Consumer, now: f64, mayWait: bool, out: TokenCheck): Denial {
  const payload = jws.payload!;
  const claims = claimsDenial(checkClaims(payload, c.policy, now));
  if (claims != Denial.None) return claims;
  const required = c.claims;
  if (required != null && !claimsMatch(payload, required)) return Denial.ClaimMismatch;
  const keys = c.keySet;
  const d = keyDenial(keys, now);
  // Keys not there yet, or no key for the kid (perhaps one the issuer just rotated in): a remote
  // set may fetch. Wait for it, or check again at once if another worker already had newer keys.
  const unknownKid = d == Denial.KeyNotFound && jws.kid.length > 0;
  if (!mayWait || (d != Denial.JwksUnavailable && !unknownKid)) return d;
  const generation = keys.generation;
  if (!keys.fetchFor(now, unknownKid)) return d;
  if (keys.generation != generation) return keyDenial(keys, now);
  out.waitFor = keys;
  return d;
}

function keyDenial(keys: KeySet, now: f64): Denial {
  if (!keys.usable(now)) return Denial.JwksUnavailable;
  const match = verifyWithKeys(jws, keys.keys);
  if (match == KeyMatch.Verified) return Denial.None;
  return match == KeyMatch.BadSignature ? Denial.SignatureInvalid : Denial.KeyNotFound;
}

function claimsDenial(e: ClaimsError): Denial {
  switch (e) {
    case ClaimsError.None: return Denial.None;
    case ClaimsError.MissingExpiration: return Denial.ExpirationMissing;
    case ClaimsError.Expired: return Denial.TokenExpired;
    case ClaimsError.NotYetValid: return Denial.TokenNotYetValid;
    case ClaimsError.IssuedInFuture: return Denial.TokenIssuedInFuture;
    case ClaimsError.LifetimeTooLong: return Denial.LifetimeTooLong;
    case ClaimsError.BadIssuer: return Denial.IssuerMismatch;
    case ClaimsError.BadAudience: return Denial.AudienceMismatch;
    default: return Denial.ClaimInvalid;
  }
}

function verified(c: Consumer, now: f64, out: TokenCheck): void {
  const payload = jws.payload!;
  out.consumer = c;
  out.denial = Denial.None;
  const exp = payload.get("exp");
  out.expiresAt = exp != null ? exp.numberValue + c.policy.clockSkewSeconds : Infinity;
  const values = new Array<string | null>(c.claimHeaders.length);
  for (let i = 0; i < c.claimHeaders.length; i++) {
    const h = unchecked(c.claimHeaders[i]);
    const v = findClaim(payload, h.claim, h.path);
    unchecked((values[i] = v == null || v.isNull() ? null : claimText(v)));
  }
  out.claimValues = values;
}
