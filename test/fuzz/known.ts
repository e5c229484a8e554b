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

export const KNOWN_ISSUES: KnownIssue[] = [
  {
    id: "config-errors-quadratic-join",
    summary:
      "a configuration with thousands of errors (e.g. {\"rules\":[1,1,...]} with 8,219 elements, 41 KB) runs out of memory in " +
      "proxy_on_configure and traps instead of logging `invalid configuration:`: ConfigErrors.toString() (assembly/config.ts) " +
      "uses Array<string>#join, which AssemblyScript compiles to repeated string concatenation at shrinkLevel >= 1 " +
      "(std/assembly/array.ts joinReferenceArray), O(n²) memory inside one callback (no collection there): 2,000 errors take " +
      "256 MiB, ~8,200 reach the 4 GiB limit; every plugin",
    matches: (v) => v.kind === "trap" && /^on configure: .*\(memory (\d+) pages\)/.test(v.message) && Number(/\(memory (\d+) pages\)/.exec(v.message)![1]) >= 16384,
  },
  {
    id: "tenant-gray-repeated-tag-header",
    summary:
      "tenant-gray with override: true leaves a client's repeated tag header upstream when its first value equals the lane's tag: " +
      "`x-mse-tag: gray` + `x-mse-tag: blue` from a gray tenant reach the upstream as both values (Envoy's route match sees " +
      "\"gray,blue\" and misses the gray route), because onRequestHeaders writes the tag only `if (existing != tag)` and " +
      "`existing` is the first value (plugins/tenant-gray/index.ts); the client keeps a say in its lane",
    matches: (v) => v.plugin === "tenant-gray" && /^override is on, yet the client's \S+ ".*,/.test(v.message),
  },
];

export function knownIssue(v: Violation): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v));
}
