// A rate limit in exact integer form.
//
// "requests per period, plus burst" becomes a token bucket whose level is kept in integer
// units: one token = unitsPerToken units, and refillPerUs units are added per microsecond.
// With g = gcd(requests, period_us): unitsPerToken = period_us / g, refillPerUs = requests / g,
// so refill is exact (10 per minute: after exactly 6 s one whole token, never 0.99999).
// Capacity (requests + burst) x unitsPerToken must stay below 2^62, which config parsing checks.

import { ConfigObject } from "../../assembly/config";

export const PER_NAMES = ["second", "minute", "hour", "day"];
const PER_SECONDS: i64[] = [1, 60, 3600, 86400];
const HIGRESS_FIELDS = ["query_per_second", "query_per_minute", "query_per_hour", "query_per_day"];
export const MAX_REQUESTS: i64 = 1_000_000_000;
const UNIT_LIMIT: u64 = 1 << 62;

function gcd(a: u64, b: u64): u64 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export class Limit {
  requests: i64 = 0;
  burst: i64 = 0;
  perSeconds: i64 = 1;
  unitsPerToken: u64 = 1;
  refillPerUs: u64 = 1;
  capUnits: u64 = 0;

  /** Tokens the bucket holds when full (x-ratelimit-limit). */
  get capacity(): i64 { return this.requests + this.burst; }

  /** Fills in the exact form; false when capacity x unitsPerToken would not fit. */
  static make(requests: i64, perSeconds: i64, burst: i64): Limit | null {
    const l = new Limit();
    l.requests = requests;
    l.burst = burst;
    l.perSeconds = perSeconds;
    const periodUs = <u64>perSeconds * 1_000_000;
    const g = gcd(<u64>requests, periodUs);
    l.unitsPerToken = periodUs / g;
    l.refillPerUs = <u64>requests / g;
    const cap = <u64>(requests + burst);
    if (cap > UNIT_LIMIT / l.unitsPerToken) return null;
    l.capUnits = cap * l.unitsPerToken;
    return l;
  }

  /** "100/minute+20" for logs and errors. */
  toString(): string {
    const per = PER_SECONDS.indexOf(this.perSeconds);
    return this.requests.toString() + "/" + (per >= 0 ? PER_NAMES[per] : this.perSeconds.toString() + "s") +
      (this.burst > 0 ? "+" + this.burst.toString() : "");
  }
}

/** True when the object carries a limit in either shape (requests/per or Higress query_per_*). */
export function hasLimitFields(o: ConfigObject): bool {
  if (o.has("requests") || o.has("per") || o.has("burst")) return true;
  for (let i = 0; i < HIGRESS_FIELDS.length; i++) if (o.has(unchecked(HIGRESS_FIELDS[i]))) return true;
  return false;
}

/**
 * Reads {"requests": n, "per": "second|minute|hour|day", "burst": b} or the Higress form
 * {"query_per_second|minute|hour|day": n} (the first non-zero one in that order wins, as in Higress
 * key-rate-limit). Errors name the fields of `o`. Returns null after reporting an error.
 */
export function parseLimit(o: ConfigObject): Limit | null {
  const before = o.errors.count;
  let requests: i64 = 0;
  let perSeconds: i64 = 1;
  let burst: i64 = 0;
  let higress = -1;
  for (let i = 0; i < HIGRESS_FIELDS.length; i++) if (o.has(unchecked(HIGRESS_FIELDS[i]))) { higress = i; break; }
  if (higress >= 0) {
    if (o.has("requests") || o.has("per")) {
      o.error(unchecked(HIGRESS_FIELDS[higress]), "use either requests/per or query_per_*, not both");
      return null;
    }
    for (let i = 0; i < HIGRESS_FIELDS.length; i++) {
      const name = unchecked(HIGRESS_FIELDS[i]);
      const n = o.int(name, 0, 0, MAX_REQUESTS);
      if (n > 0 && requests == 0) {
        requests = n;
        perSeconds = unchecked(PER_SECONDS[i]);
      }
    }
    if (o.errors.count > before) return null;
    if (requests == 0) {
      o.error(unchecked(HIGRESS_FIELDS[higress]), "one of " + HIGRESS_FIELDS.join(", ") + " must be a positive integer");
      return null;
    }
    burst = o.int("burst", 0, 0, MAX_REQUESTS);
  } else {
    if (!o.has("requests")) { o.error("requests", "is required (or one of " + HIGRESS_FIELDS.join(", ") + ")"); return null; }
    requests = o.int("requests", 1, 1, MAX_REQUESTS);
    perSeconds = unchecked(PER_SECONDS[o.oneOf("per", PER_NAMES, 0)]);
    burst = o.int("burst", 0, 0, MAX_REQUESTS);
  }
  if (o.errors.count > before) return null;
  const limit = Limit.make(requests, perSeconds, burst);
  if (limit == null) {
    o.error("burst", "requests + burst is too large for this period (the exact refill arithmetic would overflow)");
    return null;
  }
  return limit;
}
