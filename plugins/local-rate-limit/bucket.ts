// The token bucket as it is stored in proxy shared data: a fixed 40-byte little-endian header,
// followed (in the key table) by the bytes that identify the key owning the slot.
//
//   0  u64  time of the last refill, microseconds on the monotonic clock
//   8  u64  level in units (tokens x unitsPerToken)
//  16  u64  unitsPerToken     \
//  24  u64  capacity in units  } the limit the level was computed with
//  32  u64  refill units / us /
//  40  ...  owner (key table only)
//
// Refill is lazy: whoever touches the bucket adds elapsed_us x refillPerUs units, capped at the
// capacity, and stores the new time. A bucket starts full. Storing the limit lets a reader judge
// a bucket it does not own (is it full, i.e. idle?) and lets a configuration change keep levels:
// a bucket written under another limit is converted (same fraction of a token, capped).
//
// A stored time later than the reader's clock: every worker reads the same process-wide monotonic
// clock, so a later time only comes from another worker that read the clock after this request did
// and wrote first. Such a bucket is not refilled until the reader's clock passes its time, which
// keeps refill exact under contention. A time more than MAX_AHEAD_US ahead cannot come from that
// race (it would need a worker to stall for a second between reading the clock and the bucket):
// the value is corrupt (or from another clock), and load() rejects it like any unreadable value,
// so the caller replaces it with a fresh full bucket. Keeping its level and clamping the time to
// now would be the alternative, but a slot whose owner never comes back would then never be full
// (never free for other values without an eviction).

import { Limit } from "./limit";

export const HEADER_SIZE: i32 = 40;
/** How far a stored time may be ahead of the reader's clock and still be a concurrent worker's write. */
export const MAX_AHEAD_US: u64 = 1_000_000;

export class Bucket {
  lastUs: u64 = 0;
  units: u64 = 0;
  unitsPerToken: u64 = 1;
  capUnits: u64 = 0;
  refillPerUs: u64 = 1;

  /** A full bucket for `limit` at `nowUs`. */
  fill(limit: Limit, nowUs: u64): Bucket {
    this.lastUs = nowUs;
    this.unitsPerToken = limit.unitsPerToken;
    this.capUnits = limit.capUnits;
    this.refillPerUs = limit.refillPerUs;
    this.units = limit.capUnits;
    return this;
  }

  /**
   * Reads a stored header; false when `size` is too small or the numbers are not a sane bucket at
   * `nowUs` (including a time more than MAX_AHEAD_US in the future, see the top of this file).
   */
  load(ptr: usize, size: usize, nowUs: u64): bool {
    if (size < <usize>HEADER_SIZE) return false;
    this.lastUs = load<u64>(ptr);
    this.units = load<u64>(ptr, 8);
    this.unitsPerToken = load<u64>(ptr, 16);
    this.capUnits = load<u64>(ptr, 24);
    this.refillPerUs = load<u64>(ptr, 32);
    if (this.lastUs > nowUs && this.lastUs - nowUs > MAX_AHEAD_US) return false;
    return this.unitsPerToken != 0 && this.refillPerUs != 0 && this.units <= this.capUnits && this.capUnits <= (<u64>1 << 62);
  }

  store(ptr: usize): void {
    store<u64>(ptr, this.lastUs);
    store<u64>(ptr, this.units, 8);
    store<u64>(ptr, this.unitsPerToken, 16);
    store<u64>(ptr, this.capUnits, 24);
    store<u64>(ptr, this.refillPerUs, 32);
  }

  /** Converts a bucket stored under another limit to `limit` (keeps the level in tokens, capped). */
  adopt(limit: Limit): void {
    if (this.unitsPerToken == limit.unitsPerToken && this.capUnits == limit.capUnits && this.refillPerUs == limit.refillPerUs) return;
    if (this.unitsPerToken != limit.unitsPerToken) {
      const tokens = <f64>this.units / <f64>this.unitsPerToken;
      const converted = Math.floor(tokens * <f64>limit.unitsPerToken);
      this.units = converted >= <f64>limit.capUnits ? limit.capUnits : <u64>converted;
    }
    if (this.units > limit.capUnits) this.units = limit.capUnits;
    this.unitsPerToken = limit.unitsPerToken;
    this.capUnits = limit.capUnits;
    this.refillPerUs = limit.refillPerUs;
  }

  /**
   * Adds the tokens earned since lastUs. A clock reading older than lastUs (at most MAX_AHEAD_US,
   * which load() ensures) adds nothing and keeps lastUs: another worker already refilled up to it.
   */
  refill(nowUs: u64): void {
    if (nowUs <= this.lastUs) return;
    const elapsed = nowUs - this.lastUs;
    this.lastUs = nowUs;
    const missing = this.capUnits - this.units;
    if (missing == 0) return;
    // elapsed x refillPerUs cannot overflow below the time-to-full; at or above it, the bucket is full.
    const toFull = (missing + this.refillPerUs - 1) / this.refillPerUs;
    this.units = elapsed >= toFull ? this.capUnits : this.units + elapsed * this.refillPerUs;
  }

  /**
   * When the bucket will be full again (µs on the clock), or 0 when it is full at `nowUs` (its owner
   * is idle: its key-table slot may be reused).
   */
  fullAtUs(nowUs: u64): u64 {
    if (this.units >= this.capUnits) return 0;
    const at = this.lastUs + this.usUntilFull;
    return at <= nowUs ? 0 : at;
  }

  /** Takes one token if there is one. */
  take(): bool {
    if (this.units < this.unitsPerToken) return false;
    this.units -= this.unitsPerToken;
    return true;
  }

  /** Whole tokens left. */
  get tokens(): u64 { return this.units / this.unitsPerToken; }

  /** Microseconds until the bucket is full again. */
  get usUntilFull(): u64 {
    const missing = this.capUnits - this.units;
    return (missing + this.refillPerUs - 1) / this.refillPerUs;
  }

  /** Microseconds until one whole token is available (0 if there is one). */
  get usUntilToken(): u64 {
    if (this.units >= this.unitsPerToken) return 0;
    const missing = this.unitsPerToken - this.units;
    return (missing + this.refillPerUs - 1) / this.refillPerUs;
  }
}
