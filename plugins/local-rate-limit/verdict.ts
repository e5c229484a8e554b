// The answer of one rule for one request, filled by the bucket operations (shared-store.ts,
// key-table.ts) and read by the filter for its metrics, rejection and x-ratelimit-* headers.

import { Bucket } from "./bucket";
import { Limit } from "./limit";

export enum Outcome {
  /** A token was taken. */
  Taken,
  /** The bucket was empty: rejected. */
  Empty,
  /** Retries ran out; on_contention let it through. */
  ContentionAllowed,
  /** Retries ran out; on_contention rejected it. */
  ContentionDenied,
  /** Shared data failed; let through. */
  Error,
}

/** The answer for one rule. `metered`: the bucket numbers below are known (for x-ratelimit-*). */
export class Verdict {
  outcome: Outcome = Outcome.Taken;
  metered: bool = false;
  /** Whole tokens left after this request. */
  tokens: u64 = 0;
  capacity: i64 = 0;
  usUntilFull: u64 = 0;
  usUntilToken: u64 = 0;
  /** The value took over the key-table slot of another value whose bucket was not full. */
  evicted: bool = false;

  get allowed(): bool {
    const o = this.outcome;
    return o == Outcome.Taken || o == Outcome.ContentionAllowed || o == Outcome.Error;
  }

  reset(): void {
    this.outcome = Outcome.Taken;
    this.metered = false;
    this.tokens = 0;
    this.capacity = 0;
    this.usUntilFull = 0;
    this.usUntilToken = 0;
    this.evicted = false;
  }

  fromBucket(outcome: Outcome, b: Bucket, limit: Limit): void {
    this.outcome = outcome;
    this.metered = true;
    this.tokens = b.tokens;
    this.capacity = limit.capacity;
    this.usUntilFull = b.usUntilFull;
    this.usUntilToken = b.usUntilToken;
  }

  unmetered(outcome: Outcome, limit: Limit): void {
    this.outcome = outcome;
    this.metered = false;
    this.capacity = limit.capacity;
    // Without bucket numbers, a rejected client is told to wait for one token's worth of refill.
    this.usUntilToken = (limit.unitsPerToken + limit.refillPerUs - 1) / limit.refillPerUs;
  }
}
