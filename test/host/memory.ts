// Bounds-checked access to a VM's linear memory. Always re-reads memory.buffer, because any call into the
// guest (e.g. its allocator) may grow memory and detach the previous ArrayBuffer.
export const PAGE_SIZE = 65536;

export class GuestMemory {
  constructor(private readonly memory: WebAssembly.Memory) {}

  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }
  get size(): number {
    return this.memory.buffer.byteLength;
  }
  get pages(): number {
    return this.memory.buffer.byteLength / PAGE_SIZE;
  }

  inBounds(ptr: number, len: number): boolean {
    return ptr >= 0 && len >= 0 && ptr + len <= this.size;
  }

  /** Copy of guest bytes, or null when the range is outside memory (Envoy: INVALID_MEMORY_ACCESS). */
  read(ptr: number, len: number): Uint8Array | null {
    ptr >>>= 0;
    len >>>= 0;
    if (!this.inBounds(ptr, len)) return null;
    return this.bytes.slice(ptr, ptr + len);
  }

  write(ptr: number, data: Uint8Array): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, data.length)) return false;
    this.bytes.set(data, ptr);
    return true;
  }

  readU32(ptr: number): number | null {
    ptr >>>= 0;
    if (!this.inBounds(ptr, 4)) return null;
    return new DataView(this.memory.buffer).getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, 4)) return false;
    new DataView(this.memory.buffer).setUint32(ptr, value >>> 0, true);
    return true;
  }

  writeU64(ptr: number, value: bigint): boolean {
    ptr >>>= 0;
    if (!this.inBounds(ptr, 8)) return false;
    new DataView(this.memory.buffer).setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }
}
