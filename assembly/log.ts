// Logging through proxy_log. Build expensive messages only behind
// `if (log.enabled(LogLevel.Debug))`; the helpers below check the level first.

import { LogLevel, Status } from "./enums";
import { proxy_get_log_level, proxy_log } from "./imports";
import { scratchA } from "./memory";

const LEVEL_OUT: usize = memory.data(4);

/** Prefix added to every message, e.g. "[baggage-tag] ". Set once by the SDK. */
let prefix = "";

export function setLogPrefix(p: string): void { prefix = p; }

/** True when the host would print a message at `level`. Costs one host call. */
export function logEnabled(level: LogLevel): bool {
  store<i32>(LEVEL_OUT, 0);
  if (proxy_get_log_level(LEVEL_OUT) != Status.Ok) return true;
  return level >= load<i32>(LEVEL_OUT);
}

export function logAt(level: LogLevel, message: string): void {
  const buf = scratchA.encode(prefix.length > 0 ? prefix + message : message);
  proxy_log(level, buf.ptr, buf.length);
}

export namespace log {
  export function enabled(level: LogLevel): bool { return logEnabled(level); }
  export function trace(message: string): void { if (logEnabled(LogLevel.Trace)) logAt(LogLevel.Trace, message); }
  export function debug(message: string): void { if (logEnabled(LogLevel.Debug)) logAt(LogLevel.Debug, message); }
  export function info(message: string): void { logAt(LogLevel.Info, message); }
  export function warn(message: string): void { logAt(LogLevel.Warn, message); }
  export function error(message: string): void { logAt(LogLevel.Error, message); }
  export function critical(message: string): void { logAt(LogLevel.Critical, message); }
}
