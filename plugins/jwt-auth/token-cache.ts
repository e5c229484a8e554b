// Verified tokens of one worker, so a repeated token costs one hash lookup instead of a signature
// check. Keyed by the whole token (no hash collisions to forge); only tokens that passed every
// check are stored. Bounded in count (a ring: the oldest entry makes room) and in bytes; an entry
// ends with its token's exp (plus the skew), and with the key set it was verified by (replaced, or
// past its grace period).

import { Consumer, TokenSource } from "./config";

const MAX_BYTES: i32 = 1 << 20;

export class CachedToken {
  token: string = "";
  consumer: Consumer;
  source: TokenSource;
  /** The consumer's key-set generation that verified it. */
  generation: u32 = 0;
  /** Unix seconds after which the token is no longer valid (exp + skew; +inf without exp). */
  expiresAt: f64 = Infinity;
  /** claims_to_headers values, parallel to consumer.claimHeaders (null: claim absent). */
  claimValues: Array<string | null>;
  /** Its place in the cache's ring. */
  slot: i32 = -1;

  constructor(consumer: Consumer, source: TokenSource, claimValues: Array<string | null>) {
    this.consumer = consumer;
    this.source = source;
    this.claimValues = claimValues;
  }

  /** Approximate memory, for the byte bound (strings are UTF-16). */
  get size(): i32 {
    let n = 64 + (this.token.length << 1);
    for (let i = 0; i < this.claimValues.length; i++) {
      const v = unchecked(this.claimValues[i]);
      if (v != null) n += 16 + (v.length << 1);
    }
    return n;
  }
}

export class TokenCache {
  private readonly entries: Map<string, CachedToken> = new Map<string, CachedToken>();
  /** Insertion order; slot `next` holds the oldest entry once the ring is full. */
  private readonly ring: Array<CachedToken | null>;
  private next: i32 = 0;
  private bytes: i32 = 0;

  constructor(public readonly capacity: i32) {
    this.ring = new Array<CachedToken | null>(capacity);
  }

  /** The entry for `token` from `source` if it is still valid at `now` with the consumer's current keys. */
  get(token: string, source: TokenSource, nowSeconds: f64): CachedToken | null {
    if (this.capacity == 0 || !this.entries.has(token)) return null;
    const entry = this.entries.get(token);
    if (entry.source !== source) return null;
    const keys = entry.consumer.keySet;
    if (nowSeconds > entry.expiresAt || entry.generation != keys.generation || !keys.usable(nowSeconds)) {
      this.drop(entry);
      return null;
    }
    return entry;
  }

  put(entry: CachedToken): void {
    if (this.capacity == 0) return;
    const size = entry.size;
    if (size > MAX_BYTES >> 4) return; // one token may not take a sixteenth of the cache
    if (this.entries.has(entry.token)) this.drop(this.entries.get(entry.token));
    // Make room: the slot to write, then older entries until the bytes fit.
    this.evict(this.next);
    for (let i = 1; i < this.capacity && this.bytes + size > MAX_BYTES; i++) this.evict((this.next + i) % this.capacity);
    entry.slot = this.next;
    unchecked((this.ring[this.next] = entry));
    this.next = (this.next + 1) % this.capacity;
    this.entries.set(entry.token, entry);
    this.bytes += size;
  }

  get count(): i32 { return this.entries.size; }

  private evict(slot: i32): void {
    const old = unchecked(this.ring[slot]);
    if (old != null) this.drop(old);
  }

  /** Forgets a live entry: out of the map and out of the ring (so nothing holds its memory). */
  private drop(entry: CachedToken): void {
    this.entries.delete(entry.token);
    unchecked((this.ring[entry.slot] = null));
    this.bytes -= entry.size;
  }
}
