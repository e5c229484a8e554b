// Captured plugin logs: proxy_log and WASI stdout/stderr (fd 1 => info, fd 2 => error, like Envoy).
import { LOG_LEVEL_NAMES, LogLevel, type LogLevelName } from "./abi.ts";

export type LogSource = "proxy_log" | "stdout" | "stderr" | "host";

export interface LogEntry {
  /** VM (worker) index; -1 for the canary VM. */
  vm: number;
  level: number;
  levelName: LogLevelName;
  message: string;
  contextId: number;
  source: LogSource;
  /** Emulator clock (ms) when logged. */
  time: number;
}

export function levelOf(level: LogLevelName | number | undefined, fallback: number): number {
  if (level === undefined) return fallback;
  if (typeof level === "number") {
    if (!Number.isInteger(level) || level < 0 || level > 6) throw new Error(`bad log level ${level}`);
    return level;
  }
  const n = LogLevel[level];
  if (n === undefined) throw new Error(`bad log level "${level}"`);
  return n;
}

export function levelName(level: number): LogLevelName {
  return LOG_LEVEL_NAMES[level] ?? "off";
}

export function formatLog(e: LogEntry): string {
  return `[vm${e.vm} ctx${e.contextId} ${e.levelName}${e.source === "proxy_log" ? "" : ` ${e.source}`}] ${e.message}`;
}

export function formatLogs(entries: readonly LogEntry[]): string {
  return entries.map(formatLog).join("\n");
}

/** Filter helper: substring or RegExp match on the message, optional minimum level. */
export function matchLogs(
  entries: readonly LogEntry[],
  pattern?: string | RegExp,
  minLevel?: LogLevelName | number,
): LogEntry[] {
  const min = levelOf(minLevel, 0);
  return entries.filter(
    (e) =>
      e.level >= min &&
      (pattern === undefined || (typeof pattern === "string" ? e.message.includes(pattern) : pattern.test(e.message))),
  );
}
