// IPv4 / IPv6 addresses and CIDR ranges, for matching the client address of a request.
//
// Parse ranges once at configure time (Cidr.parse); per request parse the client address once
// (IpAddress.parse, or stripPortFromAddress on Envoy's `source.address`) and test it against each
// range with containsAddress(). contains(string) does both in one call. Nothing here aborts.
//
// Accepted text:
// - IPv4: dotted quad, four decimal parts 0-255 without leading zeros ("010.1.1.1" is rejected: some
//   parsers read it as octal, so it is ambiguous).
// - IPv6 (RFC 4291 2.2): up to eight groups of 1-4 hex digits, at most one "::", optionally ending
//   in a dotted quad ("::ffff:10.0.0.1"). Zone ids ("fe80::1%eth0") and brackets are rejected
//   (stripPortFromAddress removes brackets).
// - Range: address "/" prefix length (0-32 or 0-128; decimal, no leading zeros, no sign). An
//   address without "/len" is a single host. Bits after the prefix are ignored ("10.1.2.3/8" is
//   10.0.0.0/8), as in Envoy's CidrRange.
//
// Families: an IPv4 range contains IPv4 addresses and their IPv4-mapped IPv6 form
// (::ffff:a.b.c.d, which a dual-stack listener reports for IPv4 clients). An IPv6 range contains
// only IPv6 addresses, so "::/0" does not match 10.0.0.1, matching Envoy.

import { hexDigitValue } from "./ascii";
/** A parsed address: 128 bits (IPv4 in the low 32 bits of `lo`) and its family. */
export class IpAddress {
  constructor(public readonly v6: bool, public readonly hi: u64, public readonly lo: u64) {}

  /** Parses an IPv4 or IPv6 address (no port, no brackets); null when it is not one. */
  static parse(s: string): IpAddress | null {
    if (parseIp(s, 0, s.length)) return new IpAddress(parsedV6, parsedHi, parsedLo);
    return null;
  }

  /** The IPv4 address of an IPv4 or IPv4-mapped IPv6 address (-1 when there is none). */
  ipv4(): i64 {
    if (!this.v6) return <i64>(this.lo & 0xffffffff);
    if (this.hi == 0 && (this.lo >> 32) == 0xffff) return <i64>(this.lo & 0xffffffff);
    return -1;
  }
}

export class Cidr {
  private constructor(
    public readonly v6: bool,
    public readonly hi: u64,
    public readonly lo: u64,
    public readonly prefixLength: i32,
    private readonly maskHi: u64,
    private readonly maskLo: u64,
  ) {}

  /** Parses "10.0.0.0/8", "2001:db8::/32" or a single address; null when invalid. */
  static parse(s: string): Cidr | null {
    const len = s.length;
    let slash = -1;
    for (let i = 0; i < len; i++) {
      if (s.charCodeAt(i) == 0x2f) {
        slash = i;
        break;
      }
    }
    const addrEnd = slash < 0 ? len : slash;
    if (!parseIp(s, 0, addrEnd)) return null;
    const v6 = parsedV6;
    const max = v6 ? 128 : 32;
    let prefix = max;
    if (slash >= 0) {
      prefix = parseDecimal(s, slash + 1, len, max);
      if (prefix < 0) return null;
    }
    // Work in 128-bit space; IPv4 occupies the low 32 bits, so its prefix starts at bit 96.
    const bits = v6 ? prefix : prefix + 96;
    const maskHi: u64 = bits >= 64 ? u64.MAX_VALUE : bits == 0 ? 0 : u64.MAX_VALUE << <u64>(64 - bits);
    const maskLo: u64 = bits <= 64 ? 0 : bits >= 128 ? u64.MAX_VALUE : u64.MAX_VALUE << <u64>(128 - bits);
    return new Cidr(v6, parsedHi & maskHi, parsedLo & maskLo, prefix, maskHi, maskLo);
  }

  /** True if `ip` (an address without port) is in this range; false when it does not parse. */
  contains(ip: string): bool {
    if (!parseIp(ip, 0, ip.length)) return false;
    return this.matches(parsedV6, parsedHi, parsedLo);
  }

  containsAddress(addr: IpAddress): bool {
    return this.matches(addr.v6, addr.hi, addr.lo);
  }

  private matches(v6: bool, hi: u64, lo: u64): bool {
    if (!this.v6 && v6) {
      // IPv4-mapped IPv6 address against an IPv4 range.
      if (hi != 0 || (lo >> 32) != 0xffff) return false;
      lo &= 0xffffffff;
    } else if (this.v6 != v6) {
      return false;
    }
    return (hi & this.maskHi) == this.hi && (lo & this.maskLo) == this.lo;
  }

  toString(): string {
    return formatAddress(this.v6, this.hi, this.lo) + "/" + this.prefixLength.toString();
  }
}

/**
 * The address part of "host:port" as Envoy prints socket addresses: "1.2.3.4:5678" gives "1.2.3.4",
 * "[::1]:80" gives "::1", "[::1]" gives "::1". A string with several ':' and no brackets is a bare
 * IPv6 address and is returned unchanged, as is one without a port.
 */
export function stripPortFromAddress(address: string): string {
  const len = address.length;
  if (len == 0) return address;
  if (address.charCodeAt(0) == 0x5b) { // '['
    for (let i = 1; i < len; i++) {
      if (address.charCodeAt(i) == 0x5d) return address.substring(1, i); // ']'
    }
    return address; // unbalanced: leave it to the address parser to reject
  }
  let colon = -1;
  for (let i = 0; i < len; i++) {
    if (address.charCodeAt(i) == 0x3a) {
      if (colon >= 0) return address; // a second ':': bare IPv6
      colon = i;
    }
  }
  return colon < 0 ? address : address.substring(0, colon);
}

// ---------------------------------------------------------------------------------------------
// Parsing into module-level results (no allocation per address).

let parsedV6: bool = false;
let parsedHi: u64 = 0;
let parsedLo: u64 = 0;

// Decimal number in [start, end) from 0 to max, without sign or leading zeros; -1 otherwise.
function parseDecimal(s: string, start: i32, end: i32, max: i32): i32 {
  if (start >= end || end - start > 3) return -1;
  if (end - start > 1 && s.charCodeAt(start) == 0x30) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= max ? v : -1;
}

// IPv4 dotted quad in [start, end); the 32-bit value, or -1.
function parseIpv4(s: string, start: i32, end: i32): i64 {
  let value: i64 = 0;
  let part = 0;
  let i = start;
  while (part < 4) {
    let j = i;
    while (j < end && s.charCodeAt(j) != 0x2e) j++;
    const v = parseDecimal(s, i, j, 255);
    if (v < 0) return -1;
    value = (value << 8) | <i64>v;
    part++;
    if (part < 4) {
      if (j >= end) return -1; // too few parts
      i = j + 1;
    } else if (j != end) {
      return -1; // too many parts
    }
  }
  return value;
}


const groups = new StaticArray<u32>(8);

// IPv6 in [start, end) into parsedHi/parsedLo; false when invalid.
function parseIpv6(s: string, start: i32, end: i32): bool {
  if (end - start < 2 || end - start > 45) return false;
  let count = 0; // groups written
  let gap = -1; // group index where "::" was
  let i = start;
  if (s.charCodeAt(i) == 0x3a) {
    if (s.charCodeAt(i + 1) != 0x3a) return false; // a lone leading ':'
    gap = 0;
    i += 2;
    if (i == end) {
      parsedHi = 0;
      parsedLo = 0;
      return true; // "::"
    }
  }
  while (i < end) {
    if (count >= 8) return false;
    // A group, or a trailing dotted quad.
    let j = i;
    let digits = 0;
    let v = 0;
    while (j < end) {
      const d = hexDigitValue(<u32>s.charCodeAt(j));
      if (d < 0) break;
      v = (v << 4) | d;
      digits++;
      j++;
    }
    if (j < end && s.charCodeAt(j) == 0x2e) {
      // Dotted quad: must be the last thing and fit in two groups.
      if (count > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      unchecked(groups[count++] = <u32>((v4 >> 16) & 0xffff));
      unchecked(groups[count++] = <u32>(v4 & 0xffff));
      i = end;
      break;
    }
    if (digits == 0 || digits > 4) return false;
    unchecked(groups[count++] = <u32>v);
    if (j == end) {
      i = end;
      break;
    }
    if (s.charCodeAt(j) != 0x3a) return false;
    // ':' then another group, or "::" (once).
    if (j + 1 < end && s.charCodeAt(j + 1) == 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i = j + 2;
      if (i == end) break; // trailing "::"
    } else {
      if (j + 1 == end) return false; // trailing single ':'
      i = j + 1;
    }
  }
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count > 7) return false; // "::" must stand for at least one group
  // Expand the gap.
  let hi: u64 = 0;
  let lo: u64 = 0;
  const zeros = 8 - count;
  for (let g = 0, k = 0; g < 8; g++) {
    let v: u32 = 0;
    if (gap >= 0 && g >= gap && g < gap + zeros) v = 0;
    else v = unchecked(groups[k++]);
    if (g < 4) hi = (hi << 16) | <u64>v;
    else lo = (lo << 16) | <u64>v;
  }
  parsedHi = hi;
  parsedLo = lo;
  return true;
}

function parseIp(s: string, start: i32, end: i32): bool {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) == 0x3a) {
      if (!parseIpv6(s, start, end)) return false;
      parsedV6 = true;
      return true;
    }
  }
  const v4 = parseIpv4(s, start, end);
  if (v4 < 0) return false;
  parsedV6 = false;
  parsedHi = 0;
  parsedLo = <u64>v4;
  return true;
}

// For messages and tests: IPv4 dotted, IPv6 as eight hex groups (no "::" compression).
function formatAddress(v6: bool, hi: u64, lo: u64): string {
  if (!v6) {
    return ((lo >> 24) & 255).toString() + "." + ((lo >> 16) & 255).toString() + "." +
      ((lo >> 8) & 255).toString() + "." + (lo & 255).toString();
  }
  let out = "";
  for (let g = 0; g < 8; g++) {
    const word = g < 4 ? hi : lo;
    const v = (word >> <u64>((3 - (g & 3)) * 16)) & 0xffff;
    if (g > 0) out += ":";
    out += v.toString(16);
  }
  return out;
}
