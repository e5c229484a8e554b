// A reusable byte buffer for decoders (percent-decoding and the like), so decoding a
// header value allocates only its result.

export class ByteScratch {
  private buf: ArrayBuffer = new ArrayBuffer(256);

  /** Address of at least `bytes` writable bytes (contents are not kept across growth). */
  reserve(bytes: i32): usize {
    if (this.buf.byteLength < bytes) {
      let size = this.buf.byteLength << 1;
      if (size < bytes) size = bytes;
      this.buf = new ArrayBuffer(size);
    }
    return changetype<usize>(this.buf);
  }

  /** Address of the buffer as last reserved. */
  get ptr(): usize { return changetype<usize>(this.buf); }

  /** Drops an unusually large buffer after decoding a huge value. */
  release(): void {
    if (this.buf.byteLength > 16384) this.buf = new ArrayBuffer(256);
  }
}
