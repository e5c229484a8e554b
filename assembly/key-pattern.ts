// Patterns for the values of a rate-limit key (the `key` of a `keys` / Higress `limit_keys` entry):
//   "*"              any value
//   "regexp:<re>"    values the regular expression matches (lib/regex.ts: RE2 subset, unanchored)
//   "10.0.0.0/8"     with ranges: an address range (lib/cidr.ts), matched against the address the value names
//   anything else    that exact value
// Parsed once at configure time; a match never allocates and never aborts.

import { ConfigObject } from "./config";
import { Cidr, IpAddress } from "./lib/cidr";
import { Regex } from "./lib/regex";

export enum PatternKind { Exact, Any, Regex, Cidr }

export const REGEXP_PREFIX = "regexp:";

export class KeyPattern {
  regex: Regex | null = null;
  cidr: Cidr | null = null;

  constructor(public kind: PatternKind, public text: string) {}

  /** A pattern for anything but one exact value. */
  get isPattern(): bool { return this.kind != PatternKind.Exact; }

  /**
   * Does the value match? `address` is the address `value` names (parsed by the caller, null when it
   * names none); only a range pattern reads it.
   */
  matches(value: string, address: IpAddress | null): bool {
    switch (this.kind) {
      case PatternKind.Any: return true;
      case PatternKind.Regex: {
        const r = this.regex;
        return r != null && r.test(value);
      }
      case PatternKind.Cidr: {
        const c = this.cidr;
        return c != null && address != null && c.containsAddress(address);
      }
      default: return value == this.text;
    }
  }

  /**
   * Reads the text of member `field` of `o` (already read by the caller): "*", "regexp:<re>", with
   * `ranges` a text containing "/" as an address range, otherwise an exact value. Null after
   * reporting a bad regexp or range on `field`.
   */
  static read(o: ConfigObject, field: string, text: string, ranges: bool): KeyPattern | null {
    if (text == "*") return new KeyPattern(PatternKind.Any, text);
    if (text.startsWith(REGEXP_PREFIX)) {
      const compiled = Regex.compile(text.substring(REGEXP_PREFIX.length));
      if (!compiled.ok) {
        o.error(field, "bad regexp at offset " + compiled.offset.toString() + ": " + compiled.error);
        return null;
      }
      const p = new KeyPattern(PatternKind.Regex, text);
      p.regex = compiled.regex;
      return p;
    }
    if (ranges && text.includes("/")) {
      const cidr = Cidr.parse(text);
      if (cidr == null) {
        o.error(field, "is not an IP range (CIDR such as 10.0.0.0/8)");
        return null;
      }
      const p = new KeyPattern(PatternKind.Cidr, text);
      p.cidr = cidr;
      return p;
    }
    return new KeyPattern(PatternKind.Exact, text);
  }
}
