// The Rate Limit Service protocol (envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit),
// written and read with assembly/lib/protobuf.ts. Field numbers from envoy's
// api/envoy/service/ratelimit/v3/rls.proto and api/envoy/extensions/common/ratelimit/v3/ratelimit.proto:
//   RateLimitRequest    { string domain = 1; repeated RateLimitDescriptor descriptors = 2; uint32 hits_addend = 3; }
//   RateLimitDescriptor { repeated Entry entries = 1 { string key = 1; string value = 2; };
//                         RateLimitOverride limit = 2 { uint32 requests_per_unit = 1; RateLimitUnit unit = 2; };
//                         google.protobuf.UInt64Value hits_addend = 3 { uint64 value = 1; } }
//   RateLimitResponse   { Code overall_code = 1; repeated DescriptorStatus statuses = 2;
//                         repeated HeaderValue response_headers_to_add = 3; repeated HeaderValue request_headers_to_add = 4; }
//   DescriptorStatus    { Code code = 1; RateLimit current_limit = 2 { uint32 requests_per_unit = 1; Unit unit = 2; string name = 3; };
//                         uint32 limit_remaining = 3; Duration duration_until_reset = 4 { int64 seconds = 1; int32 nanos = 2; } }
//   HeaderValue         { string key = 1; string value = 2; bytes raw_value = 3; }

import { asciiLower } from "../../assembly/lib/ascii";
import { isToken } from "../../assembly/lib/baggage";
import { decodeBytes } from "../../assembly/lib/bytes-text";
import { isAllowedHeaderValue } from "../../assembly/lib/header-value";
import { ProtoReader, ProtoWriter } from "../../assembly/lib/protobuf";
import { HeaderPair } from "../../assembly/pairs";

export const RLS_SERVICE = "envoy.service.ratelimit.v3.RateLimitService";
export const RLS_METHOD = "ShouldRateLimit";

/** RateLimitResponse.Code. */
export enum RlsCode { Unknown = 0, Ok = 1, OverLimit = 2 }

/** Higress's limit fields, in the order of UNIT_OF_PER. */
export const QUERY_PER = ["query_per_second", "query_per_minute", "query_per_hour", "query_per_day"];
/** RateLimitUnit / RateLimit.Unit values for second, minute, hour, day (PER_NAMES order). */
export const UNIT_OF_PER: u64[] = [1, 2, 3, 4];
/** Seconds of RateLimit.Unit 0..7 (UNKNOWN, SECOND, MINUTE, HOUR, DAY, MONTH, YEAR, WEEK). */
const UNIT_SECONDS: u64[] = [0, 1, 60, 3600, 86400, 2592000, 31536000, 604800];

/**
 * The biggest answer read: RLS answers a call in a few hundred bytes (a status per descriptor, at most
 * MAX_RULES, and a few headers). A bigger one is an error, not copied into the VM: decoded, 64 answers
 * of 250 KB (one collection period, assembly/gc.ts) took a VM to 96 MiB.
 */
export const MAX_ANSWER_BYTES: u32 = 65536;

/** Statuses and headers kept from one answer (a hostile answer may carry any number). */
export const MAX_STATUSES: i32 = 64;

/** Response headers the plugin writes itself: RLS's headers of these names are dropped (as in `headers`). */
export const PLUGIN_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "x-envoy-ratelimited"];
const MAX_HEADERS: i32 = 32;

/**
 * Writes one RateLimitDescriptor: entries (keys[i], values[i]), the limit override when `requests`
 * > 0, and its own hits_addend when `hits` > 0 (else the request's applies).
 */
export function writeDescriptor(w: ProtoWriter, keys: Array<string>, values: Array<string>, requests: u64, unit: u64, hits: u64): void {
  w.begin(2);
  for (let i = 0; i < keys.length; i++) {
    w.begin(1).string(1, unchecked(keys[i]), true).string(2, unchecked(values[i]), true).end();
  }
  if (requests > 0) w.begin(2).varint(1, requests).varint(2, unit).end();
  if (hits > 0) w.begin(3).varint(1, hits).end();
  w.end();
}

/** One DescriptorStatus, in the order of the request's descriptors. */
export class DescriptorStatus {
  code: RlsCode = RlsCode.Unknown;
  /** 0 when RLS has no limit for the descriptor. */
  requestsPerUnit: u64 = 0;
  /** The limit's name in RLS's configuration ("" when it has none). */
  name: string = "";
  unitSeconds: u64 = 0;
  remaining: u64 = 0;
  resetSeconds: u64 = 0;
}

/** A decoded RateLimitResponse; `malformed` when the bytes were not one. Reused across requests. */
export class RlsAnswer {
  code: RlsCode = RlsCode.Unknown;
  statuses: Array<DescriptorStatus> = new Array<DescriptorStatus>();
  count: i32 = 0;
  responseHeaders: Array<HeaderPair> = new Array<HeaderPair>();
  requestHeaders: Array<HeaderPair> = new Array<HeaderPair>();
  malformed: bool = false;

  /** Reads `buf`; false (and `malformed`) when it is not a RateLimitResponse with a known code. */
  read(buf: ArrayBuffer): bool {
    this.code = RlsCode.Unknown;
    this.count = 0;
    this.responseHeaders.length = 0;
    this.requestHeaders.length = 0;
    const r = ProtoReader.of(buf);
    let ok = true;
    while (r.next()) {
      switch (r.field) {
        case 1: this.code = codeOf(r.varint()); break;
        case 2: ok = readStatus(r.nested(), this.nextStatus()) && ok; break;
        case 3: ok = readHeader(r.nested(), this.responseHeaders, true) && ok; break;
        case 4: ok = readHeader(r.nested(), this.requestHeaders, false) && ok; break;
        default: r.skip();
      }
    }
    this.malformed = !ok || r.failed || this.code == RlsCode.Unknown;
    return !this.malformed;
  }

  status(i: i32): DescriptorStatus | null { return i < this.count ? unchecked(this.statuses[i]) : null; }

  private nextStatus(): DescriptorStatus {
    // A request has at most MAX_RULES descriptors; a longer answer's extra statuses are read into the last slot.
    if (this.count == MAX_STATUSES) this.count--;
    if (this.count == this.statuses.length) this.statuses.push(new DescriptorStatus());
    const s = unchecked(this.statuses[this.count++]);
    s.code = RlsCode.Unknown;
    s.requestsPerUnit = 0;
    s.name = "";
    s.unitSeconds = 0;
    s.remaining = 0;
    s.resetSeconds = 0;
    return s;
  }
}

function codeOf(v: u64): RlsCode {
  return v == 1 ? RlsCode.Ok : v == 2 ? RlsCode.OverLimit : RlsCode.Unknown;
}

/** False when the status (or a message in it) is malformed. */
function readStatus(r: ProtoReader, s: DescriptorStatus): bool {
  let ok = true;
  while (r.next()) {
    switch (r.field) {
      case 1: s.code = codeOf(r.varint()); break;
      case 2: {
        const l = r.nested();
        while (l.next()) {
          if (l.field == 1) s.requestsPerUnit = l.varint();
          else if (l.field == 2) {
            const u = l.varint();
            s.unitSeconds = u < <u64>UNIT_SECONDS.length ? unchecked(UNIT_SECONDS[<i32>u]) : 0;
          } else if (l.field == 3 && l.lengthDelimited()) {
            // it goes into x-ratelimit-limit as name="...": kept only when it is a plain quoted string
            s.name = isQuotable(l.valuePtr, l.valueSize) ? decodeBytes(l.valuePtr, l.valueSize) : "";
          } else l.skip();
        }
        ok = ok && !l.failed;
        break;
      }
      case 3: s.remaining = r.varint() & 0xffffffff; break;
      case 4: {
        const d = r.nested();
        while (d.next()) {
          if (d.field == 1) {
            const secs = <i64>d.varint();
            s.resetSeconds = secs < 0 ? 0 : <u64>secs;
          } else d.skip();
        }
        ok = ok && !d.failed;
        break;
      }
      default: r.skip();
    }
  }
  return ok && !r.failed;
}

/**
 * False when the header is malformed. A well-formed header is kept only if Envoy takes it: its name an
 * HTTP token (lower-cased, as Envoy does), its value without the bytes Envoy refuses, and (`response`)
 * not a header the plugin writes itself. Others are skipped: one bad header must not cost a rejection
 * its x-envoy-ratelimited and retry-after (a local reply with a refused value loses all its headers).
 */
function readHeader(r: ProtoReader, out: Array<HeaderPair>, response: bool): bool {
  let key = "";
  let value = "";
  let allowed = true;
  while (r.next()) {
    if ((r.field == 1 || r.field == 2 || r.field == 3) && r.lengthDelimited()) {
      const text = decodeBytes(r.valuePtr, r.valueSize);
      if (r.field == 1) key = text;
      else {
        value = text;
        allowed = isAllowedHeaderValue(r.valuePtr, r.valueSize);
      }
    }
  }
  if (r.failed) return false;
  if (!allowed || out.length >= MAX_HEADERS || !isToken(key)) return true;
  const name = asciiLower(key);
  if (response && PLUGIN_HEADERS.includes(name)) return true;
  out.push(new HeaderPair(name, value));
  return true;
}

/** Printable ASCII without DQUOTE and backslash: text that goes between quotes as it is. */
function isQuotable(ptr: usize, len: usize): bool {
  for (let p = ptr, end = ptr + len; p < end; p++) {
    const b = <u32>load<u8>(p);
    if (b < 0x20 || b > 0x7e || b == 0x22 || b == 0x5c) return false;
  }
  return true;
}
