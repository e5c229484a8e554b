// Proxy-wide key/value store shared by every VM (Envoy worker) with the same vm_id.
// Writes carry the cas of the value they were computed from; a concurrent writer
// makes the write fail with CasMismatch and the caller retries.

import { Status } from "./enums";
import { proxy_get_shared_data, proxy_set_shared_data } from "./imports";
import { outExtra, outPtr, outSize, readOutU32, scratchA, takeBuffer } from "./memory";

export class SharedValue {
  status: Status = Status.NotFound;
  value: ArrayBuffer = new ArrayBuffer(0);
  /** Version to pass back to setShared; 0 when the key is absent. */
  cas: u32 = 0;
  get found(): bool { return this.status == Status.Ok; }
}

/** Reads `key` into `into` (reused to avoid allocation) and returns it. */
export function getShared(key: string, into: SharedValue): SharedValue {
  const k = scratchA.encode(key);
  const status = proxy_get_shared_data(k.ptr, k.length, outPtr(), outSize(), outExtra());
  into.status = <Status>status;
  if (status == Status.Ok) {
    into.cas = readOutU32();
    into.value = takeBuffer();
  } else {
    into.cas = 0;
    into.value = new ArrayBuffer(0);
  }
  return into;
}

/** Writes `key`; cas 0 writes unconditionally. Returns Ok, CasMismatch or another error. */
export function setShared(key: string, value: ArrayBuffer, cas: u32): Status {
  const k = scratchA.encode(key);
  return <Status>proxy_set_shared_data(k.ptr, k.length, changetype<usize>(value), value.byteLength, cas);
}

/** Same as setShared with a raw pointer (for values kept in preallocated memory). */
export function setSharedRaw(key: string, ptr: usize, size: usize, cas: u32): Status {
  const k = scratchA.encode(key);
  return <Status>proxy_set_shared_data(k.ptr, k.length, ptr, size, cas);
}
