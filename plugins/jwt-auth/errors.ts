// Why a request is denied: a stable code (the JSON body's `error`, the metric `denied.<code>`, the
// response code details `jwt-auth.<code>`), its status and a short message. Verification results
// rank by how far the checks got, so with several consumers the most telling reason is reported.

export enum Denial {
  None,
  TokenMissing,
  TokenTooLarge,
  TokenMalformed,
  AlgorithmUnsupported,
  KeyNotFound,
  JwksUnavailable,
  ClaimInvalid,
  ExpirationMissing,
  TokenExpired,
  TokenNotYetValid,
  TokenIssuedInFuture,
  LifetimeTooLong,
  IssuerMismatch,
  AudienceMismatch,
  ClaimMismatch,
  SignatureInvalid,
  TokensConflict,
  TooManyTokens,
  ConsumerNotAllowed,
}

/** Codes by Denial (index 0 unused). */
export const DENIAL_CODES: string[] = [
  "", "token_missing", "token_too_large", "token_malformed", "algorithm_unsupported", "key_not_found",
  "jwks_unavailable", "claim_invalid", "expiration_missing", "token_expired", "token_not_yet_valid",
  "token_issued_in_future", "lifetime_too_long", "issuer_mismatch", "audience_mismatch", "claim_mismatch",
  "signature_invalid", "tokens_conflict", "too_many_tokens", "consumer_not_allowed",
];

const MESSAGES: string[] = [
  "", "a token is required", "the token is too large", "the token is not a well-formed JWS",
  "the token's algorithm is not accepted", "no key matches the token's kid and algorithm",
  "the keys to verify the token are not available", "a registered claim has the wrong type",
  "the token has no expiration", "the token has expired", "the token is not valid yet",
  "the token was issued in the future", "the token's lifetime is too long", "the token's issuer is not accepted",
  "the token's audience is not accepted", "a required claim does not match", "the token's signature is invalid",
  "tokens in the request name different consumers", "the request carries more than 4 tokens", "the consumer is not allowed here",
];

export function denialCode(d: Denial): string { return unchecked(DENIAL_CODES[<i32>d]); }
export function denialMessage(d: Denial): string { return unchecked(MESSAGES[<i32>d]); }

/** How far verification got before this denial (claims, then key, then signature): a later stage is the better explanation. */
export function denialStage(d: Denial): i32 {
  if (d == Denial.SignatureInvalid) return 3;
  if (d == Denial.KeyNotFound || d == Denial.JwksUnavailable) return 2;
  if (d >= Denial.ClaimInvalid && d <= Denial.ClaimMismatch) return 1;
  return 0;
}
