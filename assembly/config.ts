// Reading plugin configuration with errors that name the field, e.g.
//   rules[0].max_length: must be an integer from 1 to 8192
// A parse function reads what it needs through ConfigObject and reports every
// problem with error(); the SDK rejects the configuration if any was reported.

import { JsonValue } from "./lib/json";

export class ConfigErrors {
  messages: Array<string> = new Array<string>();
  get count(): i32 { return this.messages.length; }
  add(path: string, message: string): void { this.messages.push(path + ": " + message); }
  toString(): string { return this.messages.join("; "); }
}

export class ConfigObject {
  constructor(public readonly value: JsonValue, public readonly path: string, public readonly errors: ConfigErrors) {}

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
    if (!v.isString()) { this.error(key, "must be a string"); return fallback; }
    return v.stringValue;
  }

  /** Required non-empty string member. */
  requiredString(key: string): string {
    const v = this.value.get(key);
    if (v == null || v.isNull()) { this.error(key, "is required"); return ""; }
    if (!v.isString() || v.stringValue.length == 0) { this.error(key, "must be a non-empty string"); return ""; }
    return v.stringValue;
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
    if (!v.isNumber() || !v.isInteger() || v.numberValue < <f64>min || v.numberValue > <f64>max) {
      this.error(key, "must be an integer from " + min.toString() + " to " + max.toString());
      return fallback;
    }
    return <i64>v.numberValue;
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
      const item = unchecked(v.items[i]);
      if (!item.isString()) { this.errors.add(this.pathOf(key) + "[" + i.toString() + "]", "must be a string"); continue; }
      out.push(item.stringValue);
    }
    return out;
  }

  /** Optional nested object (missing = null). */
  object(key: string): ConfigObject | null {
    const v = this.value.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isObject()) { this.error(key, "must be an object"); return null; }
    return new ConfigObject(v, this.pathOf(key), this.errors);
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
      out.push(new ConfigObject(item, path, this.errors));
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
