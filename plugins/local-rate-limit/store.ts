// Token buckets in proxy shared data, updated with compare-and-swap so every worker (VM) of the
// process draws from the same bucket.
//
// Two kinds of storage per rule (all keys start with the rule's prefix "lrl|<plugin>|<scope>|<rule>|"):
//
// * Dedicated buckets with a fixed key: "all" (rule without key source), "m" (requests without
//   the key, limit_missing), "x|<value>" (each exact value listed in `keys`), "o|<entry>"
//   (overflow buckets). They are created when absent, once a configuration has been accepted
//   (ensureStorage, called from the plugin's configure()).
//
// * The key table for every other value (default limit, "*", regexp and CIDR entries): max_keys
//   slots "s<i>", each holding one value's bucket plus the value itself (its owner: the UTF-8 bytes,
//   or a 128-bit digest for values over 128 bytes). A value lives in the first usable slot among 16
//   pseudo-random probes (hash of the value). A slot is usable when it is unused or when its bucket
//   is FULL: a full bucket is exactly a fresh bucket, so handing the slot to another value changes
//   nothing for the old owner, who simply gets a fresh slot when it comes back. Memory is therefore
//   bounded by max_keys slots per rule, and idle values free their slots without any timer or
//   delete (the ABI has neither TTL nor delete). When all 16 probes hold other values' non-full
//   buckets, the value overflows and the rule's `overflow` policy decides.
//
// Creating a key is the one step compare-and-swap cannot guard (the ABI has no insert-if-absent:
// writing a new key always succeeds). So the first write of a slot is serialized through a bitmap
// of created slots ("b<j>", 4096 slots per 512-byte shard, created at configure time): a worker
// first sets the slot's bit with CAS, and only the winner writes the slot. A worker that finds an
// absent slot whose bit is already set waits for the winner's write (up to 64 reads); if it does
// not appear, the round is lost and retried (the slot may be for the same value, which must never
// get a second slot). The winner writes right after its claim, with no code between that could
// fail, so a claim is never left without its slot while the process lives. Bitmap shards and
// dedicated buckets are themselves created once the configuration is accepted, before it takes
// traffic; only a worker configuring in the same microsecond that another one already updated the
// key could overwrite it.
//
// A shard of another size (an older layout, or a corrupt value) is read as all clear: a bit only
// matters for an absent slot (present slots are found by reading them), so clear bits are right for
// every slot except one being created at that very moment. The first claim in such a shard
// replaces it, with compare-and-swap on the bad value, by a valid shard holding just that claim.
//
// Retries: every lost CAS means another request updated the same bucket in between. After
// `cas_retries` lost rounds the request is decided by `on_contention` (deny by default: the limit
// stays a hard upper bound). A rejection writes nothing (refill is a pure function of time), so only
// admitted requests and slot changes contend. Unexpected shared-data errors let the request through.

import { Status } from "../../assembly/enums";
import { proxy_get_shared_data, proxy_set_shared_data } from "../../assembly/imports";
import { outExtra, outPtr, outSize, readOutPtr, readOutSize, readOutU32 } from "../../assembly/memory";
import { Bucket, HEADER_SIZE } from "./bucket";
import { Dedicated, dedicatedBuckets, Overflow, Rule } from "./config";
import { fnv1a, wordHash } from "./hash";
import { Limit } from "./limit";
import { encodeBytesInto } from "../../assembly/lib/bytes_text";

export const PROBES: i32 = 16;
export const SPIN_READS: i32 = 64;
export const SHARD_SLOTS: i32 = 4096;
const SHARD_BYTES: i32 = SHARD_SLOTS / 8;
const OWNER_INLINE_MAX: i32 = 128;

export enum Outcome {
  /** A token was taken. */
  Taken,
  /** The bucket was empty: rejected. */
  Empty,
  /** The key table was full for this value; the overflow policy let it through. */
  OverflowAllowed,
  /** The key table was full for this value; the overflow policy rejected it. */
  OverflowDenied,
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
  overflowed: bool = false;

  get allowed(): bool {
    const o = this.outcome;
    return o == Outcome.Taken || o == Outcome.OverflowAllowed || o == Outcome.ContentionAllowed || o == Outcome.Error;
  }

  reset(): void {
    this.outcome = Outcome.Taken;
    this.metered = false;
    this.tokens = 0;
    this.capacity = 0;
    this.usUntilFull = 0;
    this.usUntilToken = 0;
    this.overflowed = false;
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

/** A growable raw byte buffer, reused across requests. */
class Raw {
  ptr: usize = 0;
  cap: usize = 0;
  len: usize = 0;

  reserve(n: usize): void {
    if (n <= this.cap) return;
    let c = this.cap < 64 ? <usize>64 : this.cap;
    while (c < n) c <<= 1;
    const p = heap.alloc(c);
    if (this.ptr != 0) {
      memory.copy(p, this.ptr, this.len);
      heap.free(this.ptr);
    }
    this.ptr = p;
    this.cap = c;
  }
}

const keyBuf = new Raw();    // the shared-data key of the next read/write
const readBuf = new Raw();   // the value last read
const valueBuf = new Raw();  // a bucket value to write
const shardBuf = new Raw();  // a bitmap shard to write
const ownerBuf = new Raw();  // the owner bytes of the current request's value
let readCas: u32 = 0;
const bucket = new Bucket();

// ---- raw shared-data access (no allocation besides the host's copy, freed at once) ------------

function keyFrom(bytes: ArrayBuffer): void {
  const n = <usize>bytes.byteLength;
  keyBuf.reserve(n);
  memory.copy(keyBuf.ptr, changetype<usize>(bytes), n);
  keyBuf.len = n;
}

/** Key = rule prefix + tag + decimal index (slot "s123" or bitmap shard "b0"). */
function keyIndexed(prefix: ArrayBuffer, tag: u8, index: i32): void {
  const n = <usize>prefix.byteLength;
  keyBuf.reserve(n + 12);
  memory.copy(keyBuf.ptr, changetype<usize>(prefix), n);
  let at = keyBuf.ptr + n;
  store<u8>(at++, tag);
  let digits = 1;
  for (let v = index; v >= 10; v /= 10) digits++;
  let v = index;
  for (let d = digits - 1; d >= 0; d--) {
    store<u8>(at + <usize>d, <u8>(48 + v % 10));
    v /= 10;
  }
  keyBuf.len = n + 1 + <usize>digits;
}

function read(): Status {
  const status = <Status>proxy_get_shared_data(keyBuf.ptr, keyBuf.len, outPtr(), outSize(), outExtra());
  readBuf.len = 0;
  if (status != Status.Ok) return status;
  const p = readOutPtr();
  const n = <usize>readOutSize();
  readCas = readOutU32();
  readBuf.reserve(n);
  if (n > 0) memory.copy(readBuf.ptr, p, n);
  readBuf.len = n;
  if (p != 0) heap.free(p);
  return Status.Ok;
}

function write(value: Raw, cas: u32): Status {
  return <Status>proxy_set_shared_data(keyBuf.ptr, keyBuf.len, value.ptr, value.len, cas);
}

/** valueBuf = bucket header [+ owner]. */
function encodeBucket(withOwner: bool): void {
  const owner = withOwner ? ownerBuf.len : 0;
  valueBuf.reserve(<usize>HEADER_SIZE + owner);
  bucket.store(valueBuf.ptr);
  if (owner > 0) memory.copy(valueBuf.ptr + <usize>HEADER_SIZE, ownerBuf.ptr, owner);
  valueBuf.len = <usize>HEADER_SIZE + owner;
}

// ---- configure time -------------------------------------------------------------------------------

/**
 * Creates the rule's dedicated buckets (full) and bitmap shards when they do not exist yet. Called
 * only once the whole configuration is accepted: a rejected configuration writes nothing.
 */
export function ensureStorage(rule: Rule, nowUs: u64): void {
  const buckets = dedicatedBuckets(rule);
  for (let i = 0; i < buckets.length; i++) {
    const d = unchecked(buckets[i]);
    keyFrom(d.keyBytes);
    if (read() != Status.NotFound) continue;
    bucket.fill(d.limit, nowUs);
    encodeBucket(false);
    write(valueBuf, 0);
  }
  if (!rule.usesTable) return;
  const shards = (rule.maxKeys + SHARD_SLOTS - 1) / SHARD_SLOTS;
  shardBuf.reserve(<usize>SHARD_BYTES);
  memory.fill(shardBuf.ptr, 0, <usize>SHARD_BYTES);
  shardBuf.len = <usize>SHARD_BYTES;
  for (let j = 0; j < shards; j++) {
    keyIndexed(rule.prefixBytes, 98 /* b */, j);
    if (read() != Status.NotFound) continue;
    write(shardBuf, 0);
  }
}

// ---- dedicated buckets ----------------------------------------------------------------------------

/** Takes a token from a bucket with a fixed key. */
export function takeDedicated(d: Dedicated, nowUs: u64, retries: i32, denyOnContention: bool, out: Verdict): void {
  const limit = d.limit;
  keyFrom(d.keyBytes);
  for (let attempt = 0; attempt < retries; attempt++) {
    const status = read();
    let cas: u32 = 0;
    if (status == Status.Ok && bucket.load(readBuf.ptr, readBuf.len, nowUs)) {
      cas = readCas;
      bucket.refill(nowUs); // at the rate it was written with, then converted
      bucket.adopt(limit);
    } else if (status == Status.Ok || status == Status.NotFound) {
      // Absent (not created at configure time) or unreadable (corrupt): start it full.
      cas = status == Status.Ok ? readCas : 0;
      bucket.fill(limit, nowUs);
    } else {
      out.unmetered(Outcome.Error, limit);
      return;
    }
    if (!bucket.take()) {
      out.fromBucket(Outcome.Empty, bucket, limit);
      return;
    }
    encodeBucket(false);
    const w = write(valueBuf, cas);
    if (w == Status.Ok) {
      out.fromBucket(Outcome.Taken, bucket, limit);
      return;
    }
    if (w != Status.CasMismatch) {
      out.unmetered(Outcome.Error, limit);
      return;
    }
  }
  out.unmetered(denyOnContention ? Outcome.ContentionDenied : Outcome.ContentionAllowed, limit);
}

// ---- the key table --------------------------------------------------------------------------------

/**
 * ownerBuf = 0x00 + the bytes of `value` (as they came: bytes_text.ts, so values that differ only in
 * bytes that are not UTF-8 are different keys), or for values over 128 bytes 0x01 + a 128-bit digest (two
 * independent 64-bit hashes). The digest is not cryptographic: someone could make two long values
 * of their own share a bucket, which only limits them harder; taking over another value's bucket
 * would need that value, which already gives its bucket away.
 */
function encodeOwner(value: string): void {
  const max = <usize>value.length * 3 + 1;
  ownerBuf.reserve(max);
  const n = encodeBytesInto(value, ownerBuf.ptr + 1);
  if (n <= <usize>OWNER_INLINE_MAX) {
    store<u8>(ownerBuf.ptr, 0);
    ownerBuf.len = n + 1;
    return;
  }
  const h1 = fnv1a(ownerBuf.ptr + 1, n);
  const h2 = wordHash(ownerBuf.ptr + 1, n);
  store<u8>(ownerBuf.ptr, 1);
  store<u64>(ownerBuf.ptr + 1, h1);
  store<u64>(ownerBuf.ptr + 9, h2);
  ownerBuf.len = 17;
}

function ownerHash(): u64 { return wordHash(ownerBuf.ptr, ownerBuf.len); }

/** Slot of probe `p` (splitmix64 of hash and probe number). */
function probe(h: u64, p: i32, slots: i32): i32 {
  let x = h + <u64>(p + 1) * 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  x ^= x >> 31;
  return <i32>(x % <u64>slots);
}

function readIsOwner(): bool {
  const n = ownerBuf.len;
  return readBuf.len == <usize>HEADER_SIZE + n && memory.compare(readBuf.ptr + <usize>HEADER_SIZE, ownerBuf.ptr, n) == 0;
}

/**
 * 1: the slot's creation bit is set, 0: clear (also for an absent shard or one of another size,
 * which the next claim replaces), -1: the shard could not be read.
 */
function creationBit(rule: Rule, slot: i32): i32 {
  keyIndexed(rule.prefixBytes, 98 /* b */, slot / SHARD_SLOTS);
  const status = read();
  if (status == Status.NotFound) return 0;
  if (status != Status.Ok) return -1;
  if (readBuf.len != <usize>SHARD_BYTES) return 0;
  const bit = slot % SHARD_SLOTS;
  return (load<u8>(readBuf.ptr + <usize>(bit >> 3)) >> <u8>(bit & 7)) & 1;
}

const CREATED = 0;
const RACED = 1;
const FAILED = 2;

/** Claims slot `slot` in the bitmap and, if this worker won it, writes valueBuf there. */
function createSlot(rule: Rule, slot: i32, retries: i32): i32 {
  const bit = slot % SHARD_SLOTS;
  const byteAt = <usize>(bit >> 3);
  const mask = <u8>(1 << <u8>(bit & 7));
  let claimed = false;
  for (let attempt = 0; attempt < retries && !claimed; attempt++) {
    keyIndexed(rule.prefixBytes, 98 /* b */, slot / SHARD_SLOTS);
    const status = read();
    let cas: u32 = 0;
    shardBuf.reserve(<usize>SHARD_BYTES);
    shardBuf.len = <usize>SHARD_BYTES;
    if (status == Status.Ok && readBuf.len == <usize>SHARD_BYTES) {
      if ((load<u8>(readBuf.ptr + byteAt) & mask) != 0) return RACED;
      memory.copy(shardBuf.ptr, readBuf.ptr, <usize>SHARD_BYTES);
      cas = readCas;
    } else if (status == Status.Ok) {
      // Another size (older layout, corruption): replace it, unless someone else changes it first.
      memory.fill(shardBuf.ptr, 0, <usize>SHARD_BYTES);
      cas = readCas;
    } else if (status == Status.NotFound) {
      memory.fill(shardBuf.ptr, 0, <usize>SHARD_BYTES); // shard lost since configure: recreate it
    } else {
      return FAILED;
    }
    store<u8>(shardBuf.ptr + byteAt, load<u8>(shardBuf.ptr + byteAt) | mask);
    const w = write(shardBuf, cas);
    if (w == Status.Ok) claimed = true;
    else if (w != Status.CasMismatch) return FAILED;
  }
  if (!claimed) return RACED;
  keyIndexed(rule.prefixBytes, 115 /* s */, slot);
  return write(valueBuf, 0) == Status.Ok ? CREATED : FAILED;
}

/** Re-reads an absent slot whose creation bit is set, waiting for its creator's write. */
function awaitSlot(rule: Rule, slot: i32): Status {
  keyIndexed(rule.prefixBytes, 115 /* s */, slot);
  let status = Status.NotFound;
  for (let i = 0; i < SPIN_READS && status == Status.NotFound; i++) status = read();
  return status;
}

/**
 * Takes a token from the bucket of `value` in the rule's key table, under `limit` (the default
 * limit or the matching pattern's); `overflowBucket` is that limit's shared overflow bucket.
 */
export function takeKeyed(rule: Rule, value: string, limit: Limit, overflowBucket: Dedicated | null,
                          nowUs: u64, retries: i32, denyOnContention: bool, out: Verdict): void {
  encodeOwner(value);
  const h = ownerHash();
  const slots = rule.maxKeys;
  const probes = slots < PROBES ? slots : PROBES;
  for (let attempt = 0; attempt < retries; attempt++) {
    let target = -1;
    let targetCas: u32 = 0;
    let targetAbsent = false;
    let found = -1;
    let pending = false;
    for (let p = 0; p < probes; p++) {
      const slot = probe(h, p, slots);
      keyIndexed(rule.prefixBytes, 115 /* s */, slot);
      let status = read();
      if (status == Status.NotFound) {
        const bit = creationBit(rule, slot);
        if (bit < 0) { out.unmetered(Outcome.Error, limit); return; }
        if (bit == 0) {
          // Never used: the value cannot live further along its probes (slots are never deleted).
          if (target < 0) { target = slot; targetAbsent = true; }
          break;
        }
        status = awaitSlot(rule, slot);
        if (status == Status.NotFound) { pending = true; break; } // its creator is late: lost round
      }
      if (status != Status.Ok) { out.unmetered(Outcome.Error, limit); return; }
      if (readIsOwner()) { found = slot; break; }
      if (target < 0 && (!bucket.load(readBuf.ptr, readBuf.len, nowUs) || bucket.fullAt(nowUs))) {
        target = slot;
        targetCas = readCas;
        targetAbsent = false;
      }
    }

    // A slot being created may be our own value's: never place it elsewhere meanwhile.
    if (pending) continue;

    if (found >= 0) {
      // keyBuf and readBuf still hold this slot.
      if (!bucket.load(readBuf.ptr, readBuf.len, nowUs)) bucket.fill(limit, nowUs);
      else {
        bucket.refill(nowUs);
        bucket.adopt(limit);
      }
      if (!bucket.take()) {
        out.fromBucket(Outcome.Empty, bucket, limit);
        return;
      }
      encodeBucket(true);
      const w = write(valueBuf, readCas);
      if (w == Status.Ok) { out.fromBucket(Outcome.Taken, bucket, limit); return; }
      if (w != Status.CasMismatch) { out.unmetered(Outcome.Error, limit); return; }
      continue;
    }

    if (target >= 0) {
      bucket.fill(limit, nowUs);
      bucket.take();
      encodeBucket(true);
      if (targetAbsent) {
        const r = createSlot(rule, target, retries);
        if (r == CREATED) { out.fromBucket(Outcome.Taken, bucket, limit); return; }
        if (r == FAILED) { out.unmetered(Outcome.Error, limit); return; }
        continue; // someone else claimed it first: look again
      }
      keyIndexed(rule.prefixBytes, 115 /* s */, target);
      const w = write(valueBuf, targetCas);
      if (w == Status.Ok) { out.fromBucket(Outcome.Taken, bucket, limit); return; }
      if (w != Status.CasMismatch) { out.unmetered(Outcome.Error, limit); return; }
      continue;
    }

    // Every probe holds another value's active bucket. Overflow buckets exist only for "shared".
    if (rule.overflow == Overflow.Deny) out.unmetered(Outcome.OverflowDenied, limit);
    else if (overflowBucket != null) takeDedicated(overflowBucket, nowUs, retries, denyOnContention, out);
    else out.unmetered(Outcome.OverflowAllowed, limit);
    out.overflowed = true;
    return;
  }
  out.unmetered(denyOnContention ? Outcome.ContentionDenied : Outcome.ContentionAllowed, limit);
}
