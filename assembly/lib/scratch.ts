// A reusable byte buffer: decoders write into it (percent-decoding, base64), and strings are
// encoded into it for host calls and hashing, so neither allocates per call.

import { encodeBytesInto } from "./bytes-text";

export class ByteScratch {
  private buf: ArrayBuffer = new ArrayBuffer(256);
  /** Bytes written by the last encode(). */
  length: usize = 0;

  /**
   * Encodes `s` at ptr: text as UTF-8, escaped bytes back to themselves (bytes-text.ts); sets
   * length; returns this.
   */
  encode(s: string): ByteScratch {
    // At most 3 bytes per UTF-16 unit: no separate length pass.
    const dst = this.reserve(s.length * 3);
    this.length = encodeBytesInto(s, dst);
    return this;
  }

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
