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
 * Open issues, each with a `todo` test in test/emulator/fuzz.test.ts. Fixed ones, found by this
 * fuzzer and now regression tests there: "config-errors-quadratic-join" (thousands of configuration
 * errors joined in O(n²) inside proxy_on_configure) and "tenant-gray-repeated-tag-header" (fixed in
 * 021be89).
 */
export const KNOWN_ISSUES: KnownIssue[] = [];

export function knownIssue(v: Violation): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v));
}
