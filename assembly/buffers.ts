// Byte buffers: request/response bodies, the http-call response body, configuration.

import { BufferType, Status } from "./enums";
import { proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes } from "./imports";
import { outExtra, outPtr, outSize, readOutSize, readOutU32, takeBuffer } from "./memory";

/** Up to `maxSize` bytes from `start`; empty when the buffer is absent. */
export function getBuffer(type: BufferType, start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): ArrayBuffer {
  const status = proxy_get_buffer_bytes(type, start, maxSize, outPtr(), outSize());
  if (status != Status.Ok) return new ArrayBuffer(0);
  return takeBuffer();
}

/** Current length of a buffer, or -1 when the host has none. */
export function bufferLength(type: BufferType): i64 {
  const status = proxy_get_buffer_status(type, outSize(), outExtra());
  if (status != Status.Ok) return -1;
  return <i64>readOutSize();
}

/** True when the host marks the buffer's stream as ended. */
export function bufferAtEnd(type: BufferType): bool {
  const status = proxy_get_buffer_status(type, outSize(), outExtra());
  return status == Status.Ok && (readOutU32() & 2) != 0;
}

/** Replaces `size` bytes at `start` (Envoy: start 0 = prepend/replace, start >= length = append). */
export function setBuffer(type: BufferType, start: u32, size: u32, data: ArrayBuffer): bool {
  return proxy_set_buffer_bytes(type, start, size, changetype<usize>(data), data.byteLength) == Status.Ok;
}
