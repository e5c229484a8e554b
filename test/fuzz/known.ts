// Violations the fuzzer finds that are reported and not fixed yet. The fuzzer still reports them
// (and `npm run fuzz` still fails on them); test/emulator/fuzz.test.ts tolerates exactly these and
// keeps a `todo` test with the reproducer, so the day the fix lands, the todo passes and the entry
// here should go.
import type { Violation } from "./engine.ts";

export interface KnownIssue {
  id: string;
  summary: string;
  matches(v: Violation): boolean;
}

/**
 * Open issues (none today). Fixed ones, found by this fuzzer and now regression tests in
 * test/emulator/fuzz.test.ts: "config-errors-quadratic-join" (thousands of configuration errors
 * joined in O(n²) inside proxy_on_configure: out of memory, a trap) and
 * "tenant-gray-repeated-tag-header" (override on, a client's repeated tag header went upstream
 * when its first value was the lane's tag). An entry looks like:
 *   { id: "...", summary: "...", matches: (v) => v.plugin === "tenant-gray" && /^override is on/.test(v.message) }
 */
export const KNOWN_ISSUES: KnownIssue[] = [];

export function knownIssue(v: Violation): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v));
}
