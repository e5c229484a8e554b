// Wall-clock time from the host (Envoy: system time). The emulator's clock drives it in tests.

import { proxy_get_current_time_nanoseconds } from "./imports";
import { outExtra, readOutU64 } from "./memory";

/** Nanoseconds since the Unix epoch. */
export function nowNanos(): u64 {
  proxy_get_current_time_nanoseconds(outExtra());
  return readOutU64();
}

/** Milliseconds since the Unix epoch. */
export function nowMillis(): u64 { return nowNanos() / 1_000_000; }

/** Whole seconds since the Unix epoch. */
export function nowSeconds(): i64 { return <i64>(nowNanos() / 1_000_000_000); }
