// Counters in Envoy's /stats as wasmcustom.jwt_auth.<name>, defined once per VM on first use (at
// activation, never while the module starts).

import { Counter } from "../../assembly/metrics";
import { DENIAL_CODES, Denial } from "./errors";

export class JwtMetrics {
  /** A verified consumer passed. */
  allowed: Counter = new Counter("jwt_auth.allowed");
  /** Passed without a token: allow_missing, or no authentication on this route. */
  anonymous: Counter = new Counter("jwt_auth.anonymous");
  cacheHit: Counter = new Counter("jwt_auth.cache_hit");
  cacheMiss: Counter = new Counter("jwt_auth.cache_miss");
  jwksFetchSuccess: Counter = new Counter("jwt_auth.jwks_fetch_success");
  jwksFetchFailed: Counter = new Counter("jwt_auth.jwks_fetch_failed");
  /** denied.<code>, at index Denial - 1. */
  private denied: Counter[] = [];

  constructor() {
    for (let i = 1; i < DENIAL_CODES.length; i++) this.denied.push(new Counter("jwt_auth.denied." + unchecked(DENIAL_CODES[i])));
  }

  deny(d: Denial): void { if (d != Denial.None) unchecked(this.denied[<i32>d - 1]).increment(); }
}

let instance: JwtMetrics | null = null;

export function metrics(): JwtMetrics {
  let m = instance;
  if (m == null) { m = new JwtMetrics(); instance = m; }
  return m;
}
