// Higress `traffic-tag` compatibility: a configuration with `conditionGroups`, `weightGroups` or
// `defaultTagKey`/`defaultTagVal` is run with traffic-tag's semantics, so a Higress WasmPlugin
// configuration moves over unchanged (except `regex`, which is rejected: there is no regex engine
// here). See README.md "Higress traffic-tag configuration" for the differences.
//
// Semantics (alibaba/higress plugins/wasm-go/extensions/traffic-tag):
// - condition groups in order; the first that matches adds headerName: headerValue and stops;
// - otherwise weight groups: a random number 0..99 per request against the cumulative weights;
// - otherwise the default tag, when both defaultTagKey and defaultTagVal are non-empty;
// - a header is never overwritten: a non-empty value already there is kept (and still counts as
//   tagged, so no default is added);
// - in a group, a condition whose key is missing fails an `and` group and is skipped in an `or`
//   group; an `or` group without a matching condition and an `and` group without conditions are false;
// - `percentage` is the sticky SHA-256 bucket of the value (assembly/lib/sticky.ts, identical to
//   traffic-tag's), `parameter` the first query parameter, `cookie` the first cookie of that name.

import { ConfigObject } from "../../assembly/config";
import { HeaderMap } from "../../assembly/headers";
import { asciiLower } from "../../assembly/lib/ascii";
import { isToken } from "../../assembly/lib/baggage";
import { findCookie } from "../../assembly/lib/cookie";
import { JsonValue } from "../../assembly/lib/json";
import { findQueryParam } from "../../assembly/lib/query";
import { inStickyShare } from "../../assembly/lib/sticky";

export const TRAFFIC_TAG_KEYS = ["conditionGroups", "weightGroups", "defaultTagKey", "defaultTagVal"];

enum CondType { Header, Parameter, Cookie }
enum Op { Equal, NotEqual, Prefix, In, NotIn, Percentage }

const COND_TYPES = ["header", "parameter", "cookie"];
const OPERATORS = ["equal", "not_equal", "prefix", "in", "not_in", "percentage"];

class Condition {
  type: CondType = CondType.Header;
  key: string = "";
  op: Op = Op.Equal;
  value: string = "";
  values: Set<string> = new Set<string>();
  percentage: i32 = 0;
}

export class TagGroup {
  headerName: string = "";
  headerValue: string = "";
  and: bool = false;
  conditions: Array<Condition> = new Array<Condition>();
  /** weightGroups: cumulative weight (exclusive upper bound of the random number). */
  accumulate: i32 = 0;
}

export class TrafficTagConfig {
  groups: Array<TagGroup> = new Array<TagGroup>();
  weights: Array<TagGroup> = new Array<TagGroup>();
  defaultKey: string = "";
  defaultValue: string = "";
  /** Every header value this configuration can set (for per-tag metrics). */
  tags: Array<string> = new Array<string>();
}

export function isTrafficTagConfig(cfg: ConfigObject): bool {
  for (let i = 0; i < TRAFFIC_TAG_KEYS.length; i++) {
    if (cfg.value.get(unchecked(TRAFFIC_TAG_KEYS[i])) != null) return true;
  }
  return false;
}

// traffic-tag reads values with gjson's String(): numbers become their decimal text.
function stringOf(v: JsonValue): string | null {
  if (v.isString()) return v.stringValue;
  if (v.isNumber() && v.isInteger()) return (<i64>v.numberValue).toString();
  return null;
}

function looseStringList(cfg: ConfigObject, key: string): Array<string> {
  const out = new Array<string>();
  const v = cfg.value.get(key);
  if (v == null || v.isNull()) return out;
  if (!v.isArray()) {
    cfg.error(key, "must be a list of strings");
    return out;
  }
  for (let i = 0; i < v.items.length; i++) {
    const s = stringOf(unchecked(v.items[i]));
    if (s == null) cfg.errors.add(cfg.pathOf(key) + "[" + i.toString() + "]", "must be a string");
    else out.push(s);
  }
  return out;
}

function headerName(cfg: ConfigObject, key: string): string {
  const name = asciiLower(cfg.requiredString(key));
  if (name.length > 0 && !isToken(name)) cfg.error(key, "must be a header name (an HTTP token)");
  return name;
}

function headerValue(cfg: ConfigObject, key: string): string {
  const value = cfg.requiredString(key);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c == 0x7f) {
      cfg.error(key, "must not contain control characters");
      break;
    }
  }
  return value;
}

function addTag(config: TrafficTagConfig, tag: string): void {
  if (tag.length > 0 && !config.tags.includes(tag)) config.tags.push(tag);
}

export function parseTrafficTag(cfg: ConfigObject): TrafficTagConfig {
  cfg.allowOnly(TRAFFIC_TAG_KEYS);
  const config = new TrafficTagConfig();
  const groups = cfg.objectList("conditionGroups");
  for (let i = 0; i < groups.length; i++) config.groups.push(parseGroup(unchecked(groups[i]), config));
  const weights = cfg.objectList("weightGroups");
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = unchecked(weights[i]);
    w.allowOnly(["headerName", "headerValue", "weight"]);
    const g = new TagGroup();
    g.headerName = headerName(w, "headerName");
    g.headerValue = headerValue(w, "headerValue");
    const wv = w.value.get("weight");
    const text: string | null = wv != null ? stringOf(wv) : null;
    let weight = text != null ? percentValue(text) : -1;
    if (weight < 0) {
      w.error("weight", "must be an integer from 0 to 100");
      weight = 0;
    }
    total += weight;
    if (total > 100) w.error("weight", "total weight exceeds: 100");
    g.accumulate = total;
    addTag(config, g.headerValue);
    config.weights.push(g);
  }
  // Applied only when both are set, as traffic-tag does.
  if (cfg.has("defaultTagKey") && cfg.has("defaultTagVal")) {
    config.defaultKey = asciiLower(cfg.string("defaultTagKey", ""));
    if (config.defaultKey.length > 0 && !isToken(config.defaultKey)) cfg.error("defaultTagKey", "must be a header name (an HTTP token)");
    config.defaultValue = cfg.string("defaultTagVal", "");
    addTag(config, config.defaultValue);
  } else {
    // Still type-check whichever one is there.
    cfg.string("defaultTagKey", "");
    cfg.string("defaultTagVal", "");
  }
  return config;
}

/** "0".."100" as a number; -1 for anything else. */
function percentValue(s: string): i32 {
  if (s.length == 0 || s.length > 3) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v <= 100 ? v : -1;
}

function parseGroup(g: ConfigObject, config: TrafficTagConfig): TagGroup {
  g.allowOnly(["headerName", "headerValue", "logic", "conditions"]);
  const group = new TagGroup();
  group.headerName = headerName(g, "headerName");
  group.headerValue = headerValue(g, "headerValue");
  const logic = asciiLower(g.requiredString("logic"));
  if (logic == "and") group.and = true;
  else if (logic != "or" && logic.length > 0) g.error("logic", "must be 'and' or 'or'");
  const conditions = g.objectList("conditions");
  for (let i = 0; i < conditions.length; i++) group.conditions.push(parseCondition(unchecked(conditions[i])));
  addTag(config, group.headerValue);
  return group;
}

function parseCondition(c: ConfigObject): Condition {
  c.allowOnly(["conditionType", "key", "operator", "value"]);
  const cond = new Condition();
  const type = asciiLower(c.requiredString("conditionType"));
  const t = COND_TYPES.indexOf(type);
  if (t < 0) {
    if (type.length > 0) c.error("conditionType", "must be one of: " + COND_TYPES.join(", "));
  } else {
    cond.type = <CondType>t;
  }
  cond.key = c.requiredString("key");
  if (cond.type == CondType.Header) cond.key = asciiLower(cond.key);
  const operator = asciiLower(c.requiredString("operator"));
  const values = looseStringList(c, "value");
  if (operator == "regex") {
    c.error("operator", "regex is not supported by tenant-gray (use equal, prefix, in or percentage)");
    return cond;
  }
  const o = OPERATORS.indexOf(operator);
  if (o < 0) {
    if (operator.length > 0) c.error("operator", "must be one of: " + OPERATORS.join(", ") + " (regex is not supported)");
    return cond;
  }
  cond.op = <Op>o;
  if (cond.op == Op.In || cond.op == Op.NotIn) {
    if (values.length < 1) c.error("value", "must contain at least one element for 'in' or 'not_in'");
    for (let i = 0; i < values.length; i++) cond.values.add(unchecked(values[i]));
  } else if (values.length != 1) {
    c.error("value", "must contain exactly one element for '" + operator + "'");
  } else {
    cond.value = unchecked(values[0]);
    if (cond.op == Op.Percentage) {
      cond.percentage = percentValue(cond.value);
      if (cond.percentage < 0) c.error("value", "percentage must be an integer from 0 to 100");
    }
  }
  return cond;
}

// ---------------------------------------------------------------------------------------------
// Request path

/** What applyTrafficTag did (for metrics). */
export let appliedTag: string | null = null;
export let keptExisting: bool = false;

class Lookup {
  cookie: string | null = null;
  cookieRead: bool = false;
  path: string | null = null;
  pathRead: bool = false;
}

function conditionValue(cond: Condition, headers: HeaderMap, cache: Lookup): string | null {
  if (cond.type == CondType.Header) return headers.get(cond.key);
  if (cond.type == CondType.Cookie) {
    if (!cache.cookieRead) {
      cache.cookieRead = true;
      cache.cookie = headers.get("cookie");
    }
    const h = cache.cookie;
    return h == null ? null : findCookie(h, cond.key);
  }
  if (!cache.pathRead) {
    cache.pathRead = true;
    cache.path = headers.get(":path");
  }
  const p = cache.path;
  return p == null ? null : findQueryParam(p, cond.key);
}

function conditionHolds(cond: Condition, v: string): bool {
  switch (cond.op) {
    case Op.Equal: return v == cond.value;
    case Op.NotEqual: return v != cond.value;
    case Op.Prefix: return v.startsWith(cond.value);
    case Op.In: return cond.values.has(v);
    case Op.NotIn: return !cond.values.has(v);
    case Op.Percentage: return inStickyShare(v, cond.percentage);
  }
  return false;
}

function groupMatches(group: TagGroup, headers: HeaderMap, cache: Lookup): bool {
  for (let i = 0; i < group.conditions.length; i++) {
    const cond = unchecked(group.conditions[i]);
    const v = conditionValue(cond, headers, cache);
    if (v == null) {
      if (group.and) return false;
      continue;
    }
    const holds = conditionHolds(cond, v);
    if (group.and && !holds) return false;
    if (!group.and && holds) return true;
  }
  return group.and && group.conditions.length > 0;
}

/** Adds the header unless a non-empty value is there; true either way (the group "tagged"). */
function addTagHeader(headers: HeaderMap, name: string, value: string): void {
  const existing = headers.get(name);
  if (existing != null && existing.length > 0) {
    keptExisting = true;
    return;
  }
  headers.set(name, value);
  appliedTag = value;
}

export function applyTrafficTag(config: TrafficTagConfig, headers: HeaderMap): void {
  appliedTag = null;
  keptExisting = false;
  const cache = new Lookup();
  for (let i = 0; i < config.groups.length; i++) {
    const g = unchecked(config.groups[i]);
    if (groupMatches(g, headers, cache)) {
      addTagHeader(headers, g.headerName, g.headerValue);
      return;
    }
  }
  if (config.weights.length > 0) {
    const r = <i32>(Math.random() * 100.0);
    for (let i = 0; i < config.weights.length; i++) {
      const g = unchecked(config.weights[i]);
      if (r < g.accumulate) {
        addTagHeader(headers, g.headerName, g.headerValue);
        return;
      }
    }
  }
  if (config.defaultKey.length > 0 && config.defaultValue.length > 0) {
    addTagHeader(headers, config.defaultKey, config.defaultValue);
  }
}
