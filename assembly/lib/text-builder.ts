// A growing UTF-16 buffer for building a string piece by piece in linear time. `a += b` in a loop
// copies the whole string every time, and inside one callback nothing is collected (assembly/gc.ts):
// thousands of pieces from hostile input would grow the VM by the square of their size.

export class TextBuilder {
  buf: ArrayBuffer;
  len: i32 = 0; // in UTF-16 units

  constructor(units: i32 = 64) {
    this.buf = new ArrayBuffer(units << 1);
  }

  capacity(): i32 {
    return this.buf.byteLength >> 1;
  }

  ensure(extra: i32): void {
    const need = (this.len + extra) << 1;
    const have = this.buf.byteLength;
    if (need <= have) return;
    let size = have << 1;
    if (size < need) size = need;
    const next = new ArrayBuffer(size);
    memory.copy(changetype<usize>(next), changetype<usize>(this.buf), <usize>this.len << 1);
    this.buf = next;
  }

  push(unit: u32): void {
    this.ensure(1);
    store<u16>(changetype<usize>(this.buf) + (<usize>this.len << 1), <u16>unit);
    this.len++;
  }

  pushString(s: string): void {
    const n = s.length;
    this.ensure(n);
    memory.copy(changetype<usize>(this.buf) + (<usize>this.len << 1), changetype<usize>(s), <usize>n << 1);
    this.len += n;
  }

  /** Appends s[start, end). */
  pushRange(s: string, start: i32, end: i32): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    memory.copy(changetype<usize>(this.buf) + (<usize>this.len << 1), changetype<usize>(s) + (<usize>start << 1), <usize>n << 1);
    this.len += n;
  }

  toString(): string {
    return String.UTF16.decodeUnsafe(changetype<usize>(this.buf), <usize>this.len << 1);
  }
}
