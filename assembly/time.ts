// Time from the host: wall clock (Envoy: system time) and the monotonic clock (WASI). The
// emulator's clock drives both in tests.

import { proxy_get_current_time_nanoseconds, wasi_clock_time_get } from "./imports";
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

const MONO_OUT: usize = memory.data(8);

/**
 * Nanoseconds on the host's monotonic clock (same for every worker of one process, never jumps;
 * its zero has no meaning). For durations such as token-bucket refill. 0 if the host refuses.
 */
export function monotonicNanos(): u64 {
  store<u64>(MONO_OUT, 0);
  if (wasi_clock_time_get(1 /* MONOTONIC */, 1, MONO_OUT) != 0) return 0;
  return load<u64>(MONO_OUT);
}
