// The key table of a rule: buckets for values without a dedicated bucket (default limit, "*",
// regexp and CIDR entries), in max_keys slots "s<i>", each holding one value's bucket plus the value
// itself (its owner: the UTF-8 bytes, or a 128-bit digest for values over 128 bytes). A value's
// slot is one of 16 pseudo-random probes (hash of the value); a value looks for itself along them.
//
// A value without a slot takes, among its probes, the first never-used slot or slot whose bucket is
// FULL (a full bucket is exactly a fresh bucket: handing the slot over changes nothing for the old
// owner, who gets a fresh slot when it comes back), and otherwise EVICTS the value whose bucket will
// be full soonest (an eviction, counted in the `overflow` metric). There is no shared overflow
// bucket: a flood of new values cannot leave other values without a bucket (that let one client,
// sending more than max_keys values against a slow limit, make every new value share one empty
// bucket). The price is exactness: an evicted value comes back to a full bucket, so it gains the
// tokens its bucket still lacked, which is what refill would have given it by the time the bucket
// was full. Choosing the bucket nearest to full keeps that gain smallest, and a flood can only evict
// a value whose 15 probe neighbours hold buckets even further from full (values that took at least
// as many tokens, as recently). Memory stays bounded by max_keys slots per rule, idle values free
// their slots without any timer or delete (the ABI has neither TTL nor delete), and each request
// reads at most 16 slots (plus bitmap shards for never-used ones) and writes one.
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
// key could overwrite it. Taking over a created slot (full or evicted) is a CAS write on the value
// read while probing: if its owner or another worker changed it since, the round starts over.
//
// A shard of another size (an older layout, or a corrupt value) is read as all clear: a bit only
// matters for an absent slot (present slots are found by reading them), so clear bits are right for
// every slot except one being created at that very moment. The first claim in such a shard
// replaces it, with compare-and-swap on the bad value, by a valid shard holding just that claim.

import { Status } from "../../assembly/enums";
import { encodeBytesInto } from "../../assembly/lib/bytes-text";
import { HEADER_SIZE } from "./bucket";
import { Config, Rule } from "./config";
import { fnv1a, wordHash } from "./hash";
import { Limit } from "./limit";
import { Raw, shared, SHARD_BYTES, SHARD_SLOTS, SHARD_TAG, SLOT_TAG } from "./shared-store";
import { Outcome, Verdict } from "./verdict";

export const PROBES: i32 = 16;
export const SPIN_READS: i32 = 64;
const OWNER_INLINE_MAX: i32 = 128;

/** The owner bytes of the current request's value. */
const owner = new Raw();

/**
 * owner = 0x00 + the bytes of `value` (as they came: bytes-text.ts, so values that differ only in
 * bytes that are not UTF-8 are different keys), or for values over 128 bytes 0x01 + a 128-bit digest (two
 * independent 64-bit hashes). The digest is not cryptographic: someone could make two long values
 * of their own share a bucket, which only limits them harder; taking over another value's bucket
 * would need that value, which already gives its bucket away.
 */
function encodeOwner(value: string): void {
  const max = <usize>value.length * 3 + 1;
  owner.reserve(max);
  const n = encodeBytesInto(value, owner.ptr + 1);
  if (n <= <usize>OWNER_INLINE_MAX) {
    store<u8>(owner.ptr, 0);
    owner.len = n + 1;
    return;
  }
  const h1 = fnv1a(owner.ptr + 1, n);
  const h2 = wordHash(owner.ptr + 1, n);
  store<u8>(owner.ptr, 1);
  store<u64>(owner.ptr + 1, h1);
  store<u64>(owner.ptr + 9, h2);
  owner.len = 17;
}

function ownerHash(): u64 { return wordHash(owner.ptr, owner.len); }

/** Slot of probe `p` (splitmix64 of hash and probe number). */
function probe(h: u64, p: i32, slots: i32): i32 {
  let x = h + <u64>(p + 1) * 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  x ^= x >> 31;
  return <i32>(x % <u64>slots);
}

/** The value last read is the current value's slot. */
function readIsOwner(): bool {
  const n = owner.len;
  const value = shared.value;
  return value.len == <usize>HEADER_SIZE + n && memory.compare(value.ptr + <usize>HEADER_SIZE, owner.ptr, n) == 0;
}

/**
 * 1: the slot's creation bit is set, 0: clear (also for an absent shard or one of another size,
 * which the next claim replaces), -1: the shard could not be read.
 */
function creationBit(rule: Rule, slot: i32): i32 {
  const s = shared;
  s.keyIndexed(rule.prefixBytes, SHARD_TAG, slot / SHARD_SLOTS);
  const status = s.read();
  if (status == Status.NotFound) return 0;
  if (status != Status.Ok) return -1;
  if (s.value.len != <usize>SHARD_BYTES) return 0;
  const bit = slot % SHARD_SLOTS;
  return (load<u8>(s.value.ptr + <usize>(bit >> 3)) >> <u8>(bit & 7)) & 1;
}

const CREATED = 0;
const RACED = 1;
const FAILED = 2;

/** Claims slot `slot` in the bitmap and, if this worker won it, writes the prepared bucket (shared.out) there. */
function createSlot(rule: Rule, slot: i32, retries: i32): i32 {
  const s = shared;
  const shard = s.shard;
  const bit = slot % SHARD_SLOTS;
  const byteAt = <usize>(bit >> 3);
  const mask = <u8>(1 << <u8>(bit & 7));
  let claimed = false;
  for (let attempt = 0; attempt < retries && !claimed; attempt++) {
    s.keyIndexed(rule.prefixBytes, SHARD_TAG, slot / SHARD_SLOTS);
    const status = s.read();
    let cas: u32 = 0;
    shard.reserve(<usize>SHARD_BYTES);
    shard.len = <usize>SHARD_BYTES;
    if (status == Status.Ok && s.value.len == <usize>SHARD_BYTES) {
      if ((load<u8>(s.value.ptr + byteAt) & mask) != 0) return RACED;
      memory.copy(shard.ptr, s.value.ptr, <usize>SHARD_BYTES);
      cas = s.cas;
    } else if (status == Status.Ok) {
      // Another size (older layout, corruption): replace it, unless someone else changes it first.
      memory.fill(shard.ptr, 0, <usize>SHARD_BYTES);
      cas = s.cas;
    } else if (status == Status.NotFound) {
      memory.fill(shard.ptr, 0, <usize>SHARD_BYTES); // shard lost since configure: recreate it
    } else {
      return FAILED;
    }
    store<u8>(shard.ptr + byteAt, load<u8>(shard.ptr + byteAt) | mask);
    const w = s.write(shard, cas);
    if (w == Status.Ok) claimed = true;
    else if (w != Status.CasMismatch) return FAILED;
  }
  if (!claimed) return RACED;
  s.keyIndexed(rule.prefixBytes, SLOT_TAG, slot);
  return s.write(s.out, 0) == Status.Ok ? CREATED : FAILED;
}

/** Re-reads an absent slot whose creation bit is set, waiting for its creator's write. */
function awaitSlot(rule: Rule, slot: i32): Status {
  shared.keyIndexed(rule.prefixBytes, SLOT_TAG, slot);
  let status = Status.NotFound;
  for (let i = 0; i < SPIN_READS && status == Status.NotFound; i++) status = shared.read();
  return status;
}

/**
 * Takes a token from the bucket of `value` in the rule's key table, under `limit` (the default
 * limit or the matching pattern's).
 */
export function takeKeyed(rule: Rule, value: string, limit: Limit, nowUs: u64, config: Config, out: Verdict): void {
  const s = shared;
  const bucket = s.bucket;
  const retries = config.casRetries;
  encodeOwner(value);
  const h = ownerHash();
  const slots = rule.maxKeys;
  const probes = slots < PROBES ? slots : PROBES;
  for (let attempt = 0; attempt < retries; attempt++) {
    // The slot to take if the value has none: never used, full (fullAt 0) or full soonest.
    let target = -1;
    let targetCas: u32 = 0;
    let targetAbsent = false;
    let targetFullAt: u64 = 0;
    let found = -1;
    let pending = false;
    for (let p = 0; p < probes; p++) {
      const slot = probe(h, p, slots);
      s.keyIndexed(rule.prefixBytes, SLOT_TAG, slot);
      let status = s.read();
      if (status == Status.NotFound) {
        const bit = creationBit(rule, slot);
        if (bit < 0) { out.unmetered(Outcome.Error, limit); return; }
        if (bit == 0) {
          // Never used: the value cannot live further along its probes (slots are never deleted).
          if (target < 0 || targetFullAt != 0) { target = slot; targetAbsent = true; targetFullAt = 0; }
          break;
        }
        status = awaitSlot(rule, slot);
        if (status == Status.NotFound) { pending = true; break; } // its creator is late: lost round
      }
      if (status != Status.Ok) { out.unmetered(Outcome.Error, limit); return; }
      if (readIsOwner()) { found = slot; break; }
      // An unreadable bucket counts as full. Ties keep the earlier probe.
      const fullAt = bucket.load(s.value.ptr, s.value.len, nowUs) ? bucket.fullAtUs(nowUs) : 0;
      if (target < 0 || fullAt < targetFullAt) {
        target = slot;
        targetCas = s.cas;
        targetAbsent = false;
        targetFullAt = fullAt;
      }
    }

    // A slot being created may be our own value's: never place it elsewhere meanwhile.
    if (pending) continue;

    if (found >= 0) {
      // The key and the value read still are this slot's.
      if (!bucket.load(s.value.ptr, s.value.len, nowUs)) bucket.fill(limit, nowUs);
      else {
        bucket.refill(nowUs);
        bucket.adopt(limit);
      }
      if (!bucket.take()) {
        out.fromBucket(Outcome.Empty, bucket, limit);
        return;
      }
      s.encodeBucket(owner);
      const w = s.write(s.out, s.cas);
      if (w == Status.Ok) { out.fromBucket(Outcome.Taken, bucket, limit); return; }
      if (w != Status.CasMismatch) { out.unmetered(Outcome.Error, limit); return; }
      continue;
    }

    if (target < 0) { out.unmetered(Outcome.Error, limit); return; } // not reached: every probe read is a candidate
    bucket.fill(limit, nowUs);
    bucket.take();
    s.encodeBucket(owner);
    if (targetAbsent) {
      const r = createSlot(rule, target, retries);
      if (r == CREATED) { out.fromBucket(Outcome.Taken, bucket, limit); return; }
      if (r == FAILED) { out.unmetered(Outcome.Error, limit); return; }
      continue; // someone else claimed it first: look again
    }
    s.keyIndexed(rule.prefixBytes, SLOT_TAG, target);
    const w = s.write(s.out, targetCas);
    if (w == Status.Ok) {
      out.fromBucket(Outcome.Taken, bucket, limit);
      out.evicted = targetFullAt != 0;
      return;
    }
    if (w != Status.CasMismatch) { out.unmetered(Outcome.Error, limit); return; }
  }
  out.unmetered(config.denyOnContention ? Outcome.ContentionDenied : Outcome.ContentionAllowed, limit);
}
