// Token buckets in proxy shared data, updated with compare-and-swap so every worker (VM) of the
// process draws from the same bucket.
//
// Two kinds of storage per rule (all keys start with the rule's prefix "lrl|<plugin>|<scope>|<rule>|"):
//
// * Dedicated buckets with a fixed key: "all" (rule without key source), "m" (requests without
//   the key, limit_missing), "x|<value>" (each exact value listed in `keys`). They are created when
//   absent, once a configuration has been accepted (ensureStorage, called when the configuration is
//   activated). Earlier versions also had overflow buckets "o|<entry>"; nothing reads them now.
//
// * The key table for every other value: see key-table.ts.
//
// Retries: every lost CAS means another request updated the same bucket in between. After
// `cas_retries` lost rounds the request is decided by `on_contention` (deny by default: the limit
// stays a hard upper bound). A rejection writes nothing (refill is a pure function of time), so only
// admitted requests and slot changes contend. Unexpected shared-data errors let the request through.

import { Status } from "../../assembly/enums";
import { proxy_get_shared_data, proxy_set_shared_data } from "../../assembly/imports";
import { freeResult, outExtra, outPtr, outSize, readOutPtr, readOutSize, readOutU32 } from "../../assembly/memory";
import { Bucket, HEADER_SIZE } from "./bucket";
import { Config, Dedicated, dedicatedBuckets, Rule } from "./config";
import { Outcome, Verdict } from "./verdict";

/** Key tags after a rule's prefix: "s<i>" is slot i of the key table, "b<j>" shard j of its creation bitmap. */
export const SLOT_TAG: u8 = 0x73; // 's'
export const SHARD_TAG: u8 = 0x62; // 'b'
export const SHARD_SLOTS: i32 = 4096;
export const SHARD_BYTES: i32 = SHARD_SLOTS / 8;

/** A growable raw byte buffer, reused across requests. */
export class Raw {
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

/**
 * Raw shared-data access through reusable buffers (no allocation besides the host's copy, freed at
 * once): set the key, read() into `value`/`cas`, write a buffer. One instance serves the VM.
 */
export class SharedStore {
  /** The shared-data key of the next read/write. */
  readonly key: Raw = new Raw();
  /** The value last read, and its cas. */
  readonly value: Raw = new Raw();
  cas: u32 = 0;
  /** A bucket value to write (bucket header, then the owner in the key table). */
  readonly out: Raw = new Raw();
  /** A bitmap shard to write. */
  readonly shard: Raw = new Raw();
  /** The bucket being worked on. */
  readonly bucket: Bucket = new Bucket();

  keyFrom(bytes: ArrayBuffer): void {
    const n = <usize>bytes.byteLength;
    const key = this.key;
    key.reserve(n);
    memory.copy(key.ptr, changetype<usize>(bytes), n);
    key.len = n;
  }

  /** Key = rule prefix + tag + decimal index (slot "s123" or bitmap shard "b0"). */
  keyIndexed(prefix: ArrayBuffer, tag: u8, index: i32): void {
    const n = <usize>prefix.byteLength;
    const key = this.key;
    key.reserve(n + 12);
    memory.copy(key.ptr, changetype<usize>(prefix), n);
    let at = key.ptr + n;
    store<u8>(at++, tag);
    let digits = 1;
    for (let v = index; v >= 10; v /= 10) digits++;
    let v = index;
    for (let d = digits - 1; d >= 0; d--) {
      store<u8>(at + <usize>d, <u8>(48 + v % 10));
      v /= 10;
    }
    key.len = n + 1 + <usize>digits;
  }

  read(): Status {
    const key = this.key;
    const value = this.value;
    const status = <Status>proxy_get_shared_data(key.ptr, key.len, outPtr(), outSize(), outExtra());
    value.len = 0;
    if (status != Status.Ok) return status;
    const p = readOutPtr();
    const n = <usize>readOutSize();
    this.cas = readOutU32();
    value.reserve(n);
    if (n > 0) memory.copy(value.ptr, p, n);
    value.len = n;
    freeResult(p);
    return Status.Ok;
  }

  write(value: Raw, cas: u32): Status {
    return <Status>proxy_set_shared_data(this.key.ptr, this.key.len, value.ptr, value.len, cas);
  }

  /** out = bucket header, then `owner` when given (key-table slots). */
  encodeBucket(owner: Raw | null): void {
    const n = owner == null ? 0 : owner.len;
    const out = this.out;
    out.reserve(<usize>HEADER_SIZE + n);
    this.bucket.store(out.ptr);
    if (owner != null && n > 0) memory.copy(out.ptr + <usize>HEADER_SIZE, owner.ptr, n);
    out.len = <usize>HEADER_SIZE + n;
  }
}

export const shared = new SharedStore();

// ---- configure time -------------------------------------------------------------------------------

/**
 * Creates the rule's dedicated buckets (full) and bitmap shards when they do not exist yet. Called
 * only once the whole configuration is accepted: a rejected configuration writes nothing.
 */
export function ensureStorage(rule: Rule, nowUs: u64): void {
  const s = shared;
  const buckets = dedicatedBuckets(rule);
  for (let i = 0; i < buckets.length; i++) {
    const d = unchecked(buckets[i]);
    s.keyFrom(d.keyBytes);
    if (s.read() != Status.NotFound) continue;
    s.bucket.fill(d.limit, nowUs);
    s.encodeBucket(null);
    s.write(s.out, 0);
  }
  if (!rule.usesTable) return;
  const shards = (rule.maxKeys + SHARD_SLOTS - 1) / SHARD_SLOTS;
  const shard = s.shard;
  shard.reserve(<usize>SHARD_BYTES);
  memory.fill(shard.ptr, 0, <usize>SHARD_BYTES);
  shard.len = <usize>SHARD_BYTES;
  for (let j = 0; j < shards; j++) {
    s.keyIndexed(rule.prefixBytes, SHARD_TAG, j);
    if (s.read() != Status.NotFound) continue;
    s.write(shard, 0);
  }
}

// ---- dedicated buckets ----------------------------------------------------------------------------

/** Takes a token from a bucket with a fixed key. */
export function takeDedicated(d: Dedicated, nowUs: u64, config: Config, out: Verdict): void {
  const s = shared;
  const bucket = s.bucket;
  const limit = d.limit;
  s.keyFrom(d.keyBytes);
  for (let attempt = 0; attempt < config.casRetries; attempt++) {
    const status = s.read();
    let cas: u32 = 0;
    if (status == Status.Ok && bucket.load(s.value.ptr, s.value.len, nowUs)) {
      cas = s.cas;
      bucket.refill(nowUs); // at the rate it was written with, then converted
      bucket.adopt(limit);
    } else if (status == Status.Ok || status == Status.NotFound) {
      // Absent (not created at configure time) or unreadable (corrupt): start it full.
      cas = status == Status.Ok ? s.cas : 0;
      bucket.fill(limit, nowUs);
    } else {
      out.unmetered(Outcome.Error, limit);
      return;
    }
    if (!bucket.take()) {
      out.fromBucket(Outcome.Empty, bucket, limit);
      return;
    }
    s.encodeBucket(null);
    const w = s.write(s.out, cas);
    if (w == Status.Ok) {
      out.fromBucket(Outcome.Taken, bucket, limit);
      return;
    }
    if (w != Status.CasMismatch) {
      out.unmetered(Outcome.Error, limit);
      return;
    }
  }
  out.unmetered(config.denyOnContention ? Outcome.ContentionDenied : Outcome.ContentionAllowed, limit);
}
