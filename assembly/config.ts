// Reading plugin configuration with errors that name the field, e.g.
//   rules[0].max_length: must be an integer from 1 to 8192
// A parse function reads what it needs through ConfigObject and reports every
// problem with error(); the SDK rejects the configuration if any was reported.
//
// Types are strict, except in a Higress-compatible form (`lenient`): Higress users write YAML that
// becomes JSON, so `key: 102234` arrives as a number where a string is meant and `"10"` as a string
// where an integer is meant. Higress's readers take both (C++ JsonValueAs<std::string> accepts an
// unsigned integer, JsonValueAs<uint64_t> a decimal string; Go's gjson String() and Int() convert
// either way), so a lenient ConfigObject does too, and so do the objects read from it.

import { asciiLower, decimalValue, hasControlChars } from "./lib/ascii";
import { isToken } from "./lib/baggage";
import { JsonValue } from "./lib/json";
import { HeaderPair } from "./pairs";

/** Messages kept (and logged); a hostile configuration can have thousands of errors. */
const MAX_MESSAGES: i32 = 20;

export class ConfigErrors {
  messages: Array<string> = new Array<string>();
  /** Every error, also those past MAX_MESSAGES. */
  count: i32 = 0;
  /** `path: message`; an error of the whole configuration (path "") is just the message. */
  add(path: string, message: string): void {
    if (this.count++ < MAX_MESSAGES) this.messages.push(path.length == 0 ? message : path + ": " + message);
  }
  toString(): string {
    let s = this.messages.join("; ");
    if (this.count > MAX_MESSAGES) s += "; and " + (this.count - MAX_MESSAGES).toString() + " more";
    return s;
  }
}

/** The one message for a member that must be a header name. */
export const HEADER_NAME = "must be a header name (an HTTP token)";

export class ConfigObject {
  /**
   * A Higress-compatible form: an integer is read where a string is expected (its decimal text) and a
   * decimal string where an integer is expected. Objects read from this one inherit it.
   */
  lenient: bool = false;

  constructor(public readonly value: JsonValue, public readonly path: string, public readonly errors: ConfigErrors) {}

  private child(value: JsonValue, path: string): ConfigObject {
    const c = new ConfigObject(value, path, this.errors);
    c.lenient = this.lenient;
    return c;
  }

  /** The text of a string; in a lenient object also of an exact integer. Null for anything else. */
  private textOf(v: JsonValue): string | null {
    if (v.isString()) return v.stringValue;
    if (this.lenient && v.isInteger()) return (<i64>v.numberValue).toString();
    return null;
  }

  private get notText(): string {
    return this.lenient ? "must be a string or an integer (quote numbers above 2^53)" : "must be a string";
  }

  /** True when the object has no members of its own (keys starting with "_" belong to the host conventions). */
  isEmpty(): bool {
    const keys = this.value.keys;
    for (let i = 0; i < keys.length; i++) if (!unchecked(keys[i]).startsWith("_")) return false;
    return true;
  }

  /** Path of a member, for messages: `rules[0].header`. */
  pathOf(key: string): string { return this.path.length == 0 ? key : this.path + "." + key; }

  error(key: string, message: string): void { this.errors.add(this.pathOf(key), message); }

  has(key: string): bool {
    const v = this.value.get(key);
    return v != null && !v.isNull();
  }

  /** Optional string member. */
  string(key: string, fallback: string): string {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return fallback;
    const s = this.textOf(v);
    if (s == null) { this.error(key, this.notText); return fallback; }
    return s;
  }

  /** Required non-empty string member. */
  requiredString(key: string): string {
    const v = this.value.get(key);
    if (v == null || v.isNull()) { this.error(key, "is required"); return ""; }
    const s = this.textOf(v);
    if (s == null || s.length == 0) { this.error(key, this.lenient ? "must be a non-empty string or an integer" : "must be a non-empty string"); return ""; }
    return s;
  }

  /**
   * A header name member, lower-cased: an HTTP token, with `pseudo` also ":" + token (":authority").
   * `fallback` (lower-cased) when missing; a null fallback makes the member required.
   */
  headerName(key: string, fallback: string | null, pseudo: bool = false): string {
    const v = this.value.get(key);
    if (v == null || v.isNull()) {
      if (fallback == null) { this.error(key, "is required"); return ""; }
      return asciiLower(fallback);
    }
    const s = this.textOf(v);
    const name = s == null ? "" : asciiLower(s);
    const token = pseudo && name.startsWith(":") ? name.substring(1) : name;
    if (!isToken(token)) this.error(key, HEADER_NAME);
    return name;
  }

  /**
   * The index in `names` of the member's value; `fallback` when the member is missing (a fallback
   * of -1 makes it required). `anyCase` ignores ASCII case (then `names` are lower case). Any other
   * value is reported ("must be one of: a, b") and gives `fallback`.
   */
  oneOf(key: string, names: Array<string>, fallback: i32, anyCase: bool = false): i32 {
    const v = this.value.get(key);
    if (v == null || v.isNull()) {
      if (fallback < 0) this.error(key, "is required");
      return fallback;
    }
    const index = this.nameIndex(v, names, anyCase);
    if (index < 0) { this.error(key, "must be one of: " + names.join(", ")); return fallback; }
    return index;
  }

  /** oneOf for each item of an optional list member (missing = empty); items not in `names` are reported and left out. */
  oneOfEach(key: string, names: Array<string>): Array<i32> {
    const out = new Array<i32>();
    const v = this.value.get(key);
    if (v == null || v.isNull()) return out;
    if (!v.isArray()) { this.error(key, "must be a list of: " + names.join(", ")); return out; }
    for (let i = 0; i < v.items.length; i++) {
      const index = this.nameIndex(unchecked(v.items[i]), names, false);
      if (index < 0) this.errors.add(this.pathOf(key) + "[" + i.toString() + "]", "must be one of: " + names.join(", "));
      else out.push(index);
    }
    return out;
  }

  private nameIndex(v: JsonValue, names: Array<string>, anyCase: bool): i32 {
    const s = this.textOf(v);
    if (s == null) return -1;
    return names.indexOf(anyCase ? asciiLower(s) : s);
  }

  /**
   * The index in `keys` of the one member the object has (a null member counts: reading it reports
   * it). With none or several, -1 after reporting "must have exactly one of: a, b" on the object.
   */
  exactlyOneOf(keys: Array<string>): i32 {
    let found = -1;
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      if (this.value.get(unchecked(keys[i])) == null) continue;
      count++;
      found = i;
    }
    if (count == 1) return found;
    this.errors.add(this.path, "must have exactly one of: " + keys.join(", "));
    return -1;
  }

  bool(key: string, fallback: bool): bool {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return fallback;
    if (!v.isBool()) { this.error(key, "must be true or false"); return fallback; }
    return v.boolValue;
  }

  /** Optional integer member within [min, max]. */
  int(key: string, fallback: i64, min: i64, max: i64): i64 {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return fallback;
    let n: f64 = NaN;
    if (v.isInteger()) n = v.numberValue;
    else if (this.lenient && v.isString()) n = decimalValue(v.stringValue);
    if (isNaN(n) || n < <f64>min || n > <f64>max) {
      this.error(key, "must be an integer from " + min.toString() + " to " + max.toString());
      return fallback;
    }
    return <i64>n;
  }

  /** Optional number member within [min, max]. */
  number(key: string, fallback: f64, min: f64, max: f64): f64 {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return fallback;
    if (!v.isNumber() || v.numberValue < min || v.numberValue > max) {
      this.error(key, "must be a number from " + min.toString() + " to " + max.toString());
      return fallback;
    }
    return v.numberValue;
  }

  /** Optional list of strings (missing = empty). */
  stringList(key: string): Array<string> {
    const out = new Array<string>();
    const v = this.value.get(key);
    if (v == null || v.isNull()) return out;
    if (!v.isArray()) { this.error(key, "must be a list of strings"); return out; }
    for (let i = 0; i < v.items.length; i++) {
      const s = this.textOf(unchecked(v.items[i]));
      if (s == null) { this.errors.add(this.pathOf(key) + "[" + i.toString() + "]", this.notText); continue; }
      out.push(s);
    }
    return out;
  }

  /** Optional nested object (missing = null). */
  object(key: string): ConfigObject | null {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isObject()) { this.error(key, "must be an object"); return null; }
    return this.child(v, this.pathOf(key));
  }

  /** Optional list of objects (missing = empty). */
  objectList(key: string): Array<ConfigObject> {
    const out = new Array<ConfigObject>();
    const v = this.value.get(key);
    if (v == null || v.isNull()) return out;
    if (!v.isArray()) { this.error(key, "must be a list of objects"); return out; }
    for (let i = 0; i < v.items.length; i++) {
      const item = unchecked(v.items[i]);
      const path = this.pathOf(key) + "[" + i.toString() + "]";
      if (!item.isObject()) { this.errors.add(path, "must be an object"); continue; }
      out.push(this.child(item, path));
    }
    return out;
  }

  /**
   * Optional object of header name -> value (names lower-cased). A name in `reserved` (lower case) is
   * an error that says `reservedWhy`.
   */
  headerPairs(key: string, reserved: Array<string>, reservedWhy: string): Array<HeaderPair> {
    const out = new Array<HeaderPair>();
    const o = this.object(key);
    if (o == null) return out;
    const keys = o.value.keys;
    for (let i = 0; i < keys.length; i++) {
      const name = unchecked(keys[i]);
      const v = unchecked(o.value.values[i]);
      const lower = asciiLower(name);
      if (!isToken(name)) { o.error(name, HEADER_NAME); continue; }
      if (reserved.includes(lower)) { o.error(name, reservedWhy); continue; }
      if (!v.isString() || hasControlChars(v.stringValue, true)) { o.error(name, "must be a string without control characters"); continue; }
      out.push(new HeaderPair(lower, v.stringValue));
    }
    return out;
  }

  /**
   * Reports members not in `known` (typos would otherwise be silently ignored).
   * Keys starting with "_" belong to the host conventions (Higress `_rules_` etc.) and are skipped.
   */
  allowOnly(known: Array<string>): void {
    const keys = this.value.keys;
    for (let i = 0; i < keys.length; i++) {
      const key = unchecked(keys[i]);
      if (key.startsWith("_")) continue;
      if (!known.includes(key)) this.error(key, "unknown field (expected one of: " + known.join(", ") + ")");
    }
  }
}
