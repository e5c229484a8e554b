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
export const KNOWN_ISSUES: KnownIssue[] = [
  {
    id: "config-quadratic-strings",
    summary:
      "strings built by `+=` in a loop during proxy_on_configure, where nothing is collected: local-rate-limit's scopeOf " +
      "(plugins/local-rate-limit/config.ts) concatenates every `_match_route_`/`_match_domain_`/... name of a `_rules_` entry " +
      "(2,000 names, a 25 KB configuration that is ACCEPTED, leave the VM at 64 MiB; ~30,000 trap out of memory); jwt-auth's " +
      "parseConsumer (plugins/jwt-auth/config.ts) builds an error message for every pair of duplicate claims_to_headers " +
      "headers, O(n²) (2,000 duplicates: 768 MiB and 1.2 s; 4,000: out of memory, a trap instead of `invalid configuration:`)",
    matches: (v) => v.kind === "trap" && /^on configure: .*\(memory (\d+) pages\)/.test(v.message) && Number(/\(memory (\d+) pages\)/.exec(v.message)![1]) >= 16384,
  },
  {
    id: "keep-token-rewrite-quadratic",
    summary:
      "jwt-auth with keep_token: false removes a verified token from the Cookie header or the query with removeCookie " +
      "(assembly/lib/cookie.ts) or removeQueryParam (assembly/lib/query.ts), which build the rest with `kept += pair` per " +
      "pair: O(n²) garbage in one callback. One request with a valid partner token among 2,000 cookies (24 KB) or query " +
      "parameters (22 KB) grows the worker's VM to 64 MiB; 4,000 (46-50 KB, within Envoy's 60 KiB) to 256 MiB and 100-140 ms " +
      "of CPU; linear memory is never returned",
    matches: (v) => v.plugin === "jwt-auth" && v.kind === "memory" && /reached \d+ pages/.test(v.message),
  },
  {
    id: "jwt-cookie-rewrite-bytes",
    summary:
      "when jwt-auth rewrites the Cookie header (keep_token: false), cookies it does not own are not passed byte for byte: " +
      "removeCookie (assembly/lib/cookie.ts) re-splits and trims every pair with String#trim, which also removes Unicode " +
      "white space: `a=1;\\u00a0b=2` reaches the upstream as `a=1; b=2` (the cookie name `\\u00a0b` became `b`), and a pair " +
      "` \\u2028 =` became ` =` (findCookie trims only SP and HTAB)",
    matches: (v) => v.plugin === "jwt-auth" && v.message.startsWith("cookie rewritten to"),
  },
];

export function knownIssue(v: Violation): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v));
}
