// Memory shared with the host.
//
// * The host writes results ("ptr_ptr/size_ptr" out parameters) into buffers it
//   allocates through our exported allocator; we copy them out and free them.
//   Envoy writes an empty result as ptr=0, len=0 without allocating.
// * Strings from the host are bytes: valid UTF-8 becomes text, any other byte an
//   escape that encodes back to it (lib/bytes-text.ts).
// * Strings we pass to the host are encoded into reusable scratch buffers, so a
//   host call with a string argument allocates nothing.
// * Results are copied out and freed before the next host call, so they come and go in
//   stack order: a static arena serves them with a bump pointer (one add to allocate, one
//   store to free) instead of the general allocator; a result too large for it, or one
//   asked for while the arena is in use, falls back to the heap.

import { decodeBytes } from "./lib/bytes-text";
import { ByteScratch } from "./lib/scratch";

const ARENA_SIZE: usize = 16384;
const ARENA: usize = memory.data(<i32>ARENA_SIZE, 16);
let arenaTop: usize = 0;

// Out slots for host calls. Host calls are never re-entrant, so one set is enough.
const OUT_PTR: usize = memory.data(8);
const OUT_SIZE: usize = memory.data(8);
const OUT_EXTRA: usize = memory.data(8);

/**
 * Address the host writes a result pointer to. Called before each host call that returns a
 * buffer, when every earlier result has been taken: the arena starts over, so a result that was
 * never freed cannot keep arena space.
 */
export function outPtr(): usize {
  arenaTop = 0;
  store<usize>(OUT_PTR, 0);
  return OUT_PTR;
}
/** Address the host writes a result size to. */
export function outSize(): usize { store<u32>(OUT_SIZE, 0); return OUT_SIZE; }
/** A third out slot (cas, flags, metric values: up to 8 bytes). */
export function outExtra(): usize { store<u64>(OUT_EXTRA, 0); return OUT_EXTRA; }

export function readOutPtr(): usize { return load<usize>(OUT_PTR); }
export function readOutU32(): u32 { return load<u32>(OUT_EXTRA); }
export function readOutU64(): u64 { return load<u64>(OUT_EXTRA); }
export function readOutSize(): u32 { return load<u32>(OUT_SIZE); }

/** Allocator the host uses for results (Envoy prefers `malloc`, then this). */
export function proxy_on_memory_allocate(size: usize): usize {
  const aligned = (size + 15) & ~<usize>15;
  if (aligned <= ARENA_SIZE - arenaTop) {
    const p = ARENA + arenaTop;
    arenaTop += aligned;
    return p;
  }
  return heap.alloc(size);
}

/** Frees a result the host allocated (in stack order: results allocated after it are gone too). */
export function freeResult(ptr: usize): void {
  if (ptr >= ARENA && ptr < ARENA + ARENA_SIZE) arenaTop = ptr - ARENA;
  else if (ptr != 0) heap.free(ptr);
}

/** Takes ownership of the buffer the host returned: copies it into an ArrayBuffer and frees it. */
export function takeBuffer(): ArrayBuffer {
  const ptr = load<usize>(OUT_PTR);
  const size = load<u32>(OUT_SIZE);
  if (ptr == 0 || size == 0) {
    freeResult(ptr);
    return new ArrayBuffer(0);
  }
  const buf = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(buf), ptr, size);
  freeResult(ptr);
  return buf;
}

/** Takes ownership of the buffer the host returned as a string that keeps its bytes (lib/bytes-text.ts). */
export function takeString(): string {
  const ptr = load<usize>(OUT_PTR);
  const size = load<u32>(OUT_SIZE);
  if (ptr == 0) return "";
  const s = decodeBytes(ptr, size);
  freeResult(ptr);
  return s;
}

/** Frees whatever the host returned without reading it. */
export function dropOut(): void {
  freeResult(load<usize>(OUT_PTR));
}

/** Scratch buffers for the first and second string argument of a host call. */
export const scratchA = new ByteScratch();
export const scratchB = new ByteScratch();

