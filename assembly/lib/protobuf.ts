// A small protobuf wire-format encoder and decoder: varints, length-delimited fields (strings,
// bytes, nested messages) and skipping of whatever else arrives. Enough for gRPC calls to a
// known service (plugins/global-rate-limit/rls-proto.ts) without generated code.
//
// The reader never traps: a truncated or malformed message sets `failed` and stops, and every
// read after that returns zero. The writer grows its buffer as needed.

import { encodeBytesInto, encodedLength } from "./bytes-text";

export enum WireType { Varint = 0, Fixed64 = 1, Length = 2, Fixed32 = 5 }

/** The first bytes of each field: (number << 3) | wire type, as a varint. */
function tagOf(field: u32, wire: WireType): u64 { return (<u64>field << 3) | <u64>wire; }

function varintSize(v: u64): i32 {
  let n = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}

/** Builds one message; nested messages are written in place (begin/end) without a second buffer. */
export class ProtoWriter {
  private buf: ArrayBuffer;
  private len: i32 = 0;
  /** Start offsets of the nested messages begun and not yet ended. */
  private open: Array<i32> = new Array<i32>();

  constructor(capacity: i32 = 256) { this.buf = new ArrayBuffer(capacity); }

  /** Forgets what was written (the buffer is kept). */
  reset(): ProtoWriter {
    this.len = 0;
    this.open.length = 0;
    return this;
  }

  get length(): i32 { return this.len; }

  /** A copy of the bytes written so far. */
  toBuffer(): ArrayBuffer {
    const out = new ArrayBuffer(this.len);
    memory.copy(changetype<usize>(out), changetype<usize>(this.buf), this.len);
    return out;
  }

  /** A varint field; zero is skipped (proto3 default) unless `always`. */
  varint(field: u32, value: u64, always: bool = false): ProtoWriter {
    if (value == 0 && !always) return this;
    this.rawVarint(tagOf(field, WireType.Varint));
    this.rawVarint(value);
    return this;
  }

  /** A string field in the bytes the string carries (lib/bytes-text.ts); empty is skipped unless `always`. */
  string(field: u32, s: string, always: bool = false): ProtoWriter {
    if (s.length == 0 && !always) return this;
    const n = encodedLength(s);
    this.rawVarint(tagOf(field, WireType.Length));
    this.rawVarint(<u64>n);
    this.ensure(n);
    encodeBytesInto(s, changetype<usize>(this.buf) + <usize>this.len);
    this.len += n;
    return this;
  }

  /** A bytes field (also a serialized message). */
  bytes(field: u32, ptr: usize, size: i32): ProtoWriter {
    this.rawVarint(tagOf(field, WireType.Length));
    this.rawVarint(<u64>size);
    this.ensure(size);
    memory.copy(changetype<usize>(this.buf) + <usize>this.len, ptr, size);
    this.len += size;
    return this;
  }

  /** Starts a nested message field; close it with end(). */
  begin(field: u32): ProtoWriter {
    this.rawVarint(tagOf(field, WireType.Length));
    this.ensure(1);
    this.open.push(this.len);
    this.len += 1; // room for a one-byte length, the common case
    return this;
  }

  /** Ends the innermost nested message: writes its length, moving its bytes when that takes more than one byte. */
  end(): ProtoWriter {
    if (this.open.length == 0) return this;
    const at = this.open.pop();
    const size = this.len - at - 1;
    const extra = varintSize(<u64>size) - 1;
    if (extra > 0) {
      this.ensure(extra);
      const base = changetype<usize>(this.buf);
      memory.copy(base + <usize>(at + 1 + extra), base + <usize>(at + 1), size);
      this.len += extra;
    }
    this.varintAt(at, <u64>size);
    return this;
  }

  private rawVarint(v: u64): void {
    this.ensure(10);
    this.len = this.varintAt(this.len, v);
  }

  /** Writes `v` at `at`; returns the offset after it. */
  private varintAt(at: i32, v: u64): i32 {
    let p = changetype<usize>(this.buf) + <usize>at;
    while (v >= 0x80) {
      store<u8>(p++, <u8>(v & 0x7f) | 0x80);
      v >>= 7;
    }
    store<u8>(p++, <u8>v);
    return <i32>(p - changetype<usize>(this.buf));
  }

  private ensure(n: i32): void {
    const need = this.len + n;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength << 1;
    if (size < need) size = need;
    const grown = new ArrayBuffer(size);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), this.len);
    this.buf = grown;
  }
}

/**
 * Reads the fields of one message in order:
 *   while (r.next()) switch (r.field) { case 1: x = r.varint(); break; default: r.skip(); }
 *   if (r.failed) ...
 * A length-delimited field's bytes are at r.valuePtr / r.valueSize after r.lengthDelimited(); a
 * nested message is read with r.nested().
 */
export class ProtoReader {
  private pos: usize;
  private end: usize;
  /** Number of the current field. */
  field: u32 = 0;
  wire: i32 = 0;
  /** Set on the first malformed byte; next() is false from then on. */
  failed: bool = false;
  valuePtr: usize = 0;
  valueSize: i32 = 0;
  /** Whether the current field's value was read. */
  private taken: bool = true;

  constructor(ptr: usize, size: i32) {
    this.pos = ptr;
    this.end = ptr + <usize>(size < 0 ? 0 : size);
  }

  static of(buf: ArrayBuffer): ProtoReader { return new ProtoReader(changetype<usize>(buf), buf.byteLength); }

  /** Moves to the next field: false at the end of the message or on malformed input. */
  next(): bool {
    if (!this.taken) this.skip();
    if (this.failed || this.pos >= this.end) return false;
    const tag = this.readVarint();
    if (this.failed) return false;
    const field = tag >> 3;
    const wire = <i32>(tag & 7);
    if (field == 0 || field > 0x1fffffff || (wire != WireType.Varint && wire != WireType.Fixed64 && wire != WireType.Length && wire != WireType.Fixed32)) {
      return this.fail();
    }
    this.field = <u32>field;
    this.wire = wire;
    this.taken = false;
    return true;
  }

  /** The current field as a varint (0 when it is not one). */
  varint(): u64 {
    if (this.wire != WireType.Varint) { this.skip(); return 0; }
    this.taken = true;
    return this.readVarint();
  }

  /** The current field as a length-delimited value: sets valuePtr/valueSize; false when it is not one. */
  lengthDelimited(): bool {
    if (this.wire != WireType.Length) { this.skip(); return false; }
    this.taken = true;
    const n = this.readVarint();
    if (this.failed) return false;
    if (n > <u64>(this.end - this.pos)) return this.fail();
    this.valuePtr = this.pos;
    this.valueSize = <i32>n;
    this.pos += <usize>n;
    return true;
  }

  /** A reader over the current field's nested message (an empty, failed reader when it is not one). */
  nested(): ProtoReader {
    if (!this.lengthDelimited()) {
      const r = new ProtoReader(0, 0);
      r.failed = true;
      return r;
    }
    return new ProtoReader(this.valuePtr, this.valueSize);
  }

  /** Passes over the current field's value. */
  skip(): void {
    if (this.taken) return;
    this.taken = true;
    switch (this.wire) {
      case WireType.Varint: this.readVarint(); break;
      case WireType.Fixed64: this.advance(8); break;
      case WireType.Fixed32: this.advance(4); break;
      default: {
        const n = this.readVarint();
        if (!this.failed) this.advance(n);
      }
    }
  }

  private advance(n: u64): void {
    if (n > <u64>(this.end - this.pos)) { this.fail(); return; }
    this.pos += <usize>n;
  }

  private readVarint(): u64 {
    let v: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) { this.fail(); return 0; }
      const b = load<u8>(this.pos++);
      // The tenth byte may only carry the top bit of a u64.
      if (shift == 63 && b > 1) { this.fail(); return 0; }
      v |= <u64>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    this.fail();
    return 0;
  }

  private fail(): bool {
    this.failed = true;
    this.taken = true;
    this.pos = this.end;
    return false;
  }
}
