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
import { asciiLower, decimalValue, hasControlChars } from "../../assembly/lib/ascii";
import { findCookie } from "../../assembly/lib/cookie";
import { findQueryParam } from "../../assembly/lib/query";
import { inStickyShare } from "../../assembly/lib/sticky";
import { Counter } from "../../assembly/metrics";
import { metrics } from "./metrics";
import { RequestView } from "../../assembly/request-view";

export const TRAFFIC_TAG_KEYS = ["conditionGroups", "weightGroups", "defaultTagKey", "defaultTagVal"];

enum CondType { Header, Parameter, Cookie }
enum Op { Equal, NotEqual, Prefix, In, NotIn, Percentage }

const COND_TYPES = ["header", "parameter", "cookie"];
/** `logic`: index 0 is an and group. */
const LOGICS = ["and", "or"];
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
  /** wasmcustom.tenant_gray.lane.<headerValue>, attached when the configuration is activated (null for an empty value). */
  counter: Counter | null = null;
}

export class TrafficTagConfig {
  groups: Array<TagGroup> = new Array<TagGroup>();
  weights: Array<TagGroup> = new Array<TagGroup>();
  /** defaultTagKey: defaultTagVal, when both are non-empty. */
  defaultGroup: TagGroup | null = null;
}

/** Attaches the per-tag counters of an accepted configuration (a host call per new tag: not while parsing). */
export function activateTrafficTag(config: TrafficTagConfig): void {
  for (let i = 0; i < config.groups.length; i++) countTag(unchecked(config.groups[i]));
  for (let i = 0; i < config.weights.length; i++) countTag(unchecked(config.weights[i]));
  const d = config.defaultGroup;
  if (d != null) countTag(d);
}

function countTag(group: TagGroup): void {
  if (group.headerValue.length > 0) group.counter = metrics().lane(group.headerValue);
}

export function isTrafficTagConfig(cfg: ConfigObject): bool {
  for (let i = 0; i < TRAFFIC_TAG_KEYS.length; i++) {
    if (cfg.value.get(unchecked(TRAFFIC_TAG_KEYS[i])) != null) return true;
  }
  return false;
}

/** The value, or "" after reporting it (so no counter is defined for it). */
function headerValue(cfg: ConfigObject, key: string): string {
  const value = cfg.requiredString(key);
  if (!hasControlChars(value)) return value;
  cfg.error(key, "must not contain control characters");
  return "";
}

export function parseTrafficTag(cfg: ConfigObject): TrafficTagConfig {
  // Values as traffic-tag reads them (gjson): `headerValue: 123` is "123", `weight: "30"` is 30.
  cfg.lenient = true;
  cfg.allowOnly(TRAFFIC_TAG_KEYS);
  const config = new TrafficTagConfig();
  const groups = cfg.objectList("conditionGroups");
  for (let i = 0; i < groups.length; i++) config.groups.push(parseGroup(unchecked(groups[i])));
  const weights = cfg.objectList("weightGroups");
  let total: i64 = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = unchecked(weights[i]);
    w.allowOnly(["headerName", "headerValue", "weight"]);
    const g = new TagGroup();
    g.headerName = w.headerName("headerName", null);
    g.headerValue = headerValue(w, "headerValue");
    if (!w.has("weight")) w.error("weight", "is required");
    total += w.int("weight", 0, 0, 100);
    if (total > 100) w.error("weight", "total weight exceeds: 100");
    g.accumulate = <i32>total;
    config.weights.push(g);
  }
  // Applied only when both are set and non-empty, as traffic-tag does.
  if (cfg.has("defaultTagKey") && cfg.has("defaultTagVal")) {
    const g = new TagGroup();
    if (cfg.string("defaultTagKey", "").length > 0) g.headerName = cfg.headerName("defaultTagKey", null);
    g.headerValue = cfg.string("defaultTagVal", "");
    if (hasControlChars(g.headerValue)) {
      cfg.error("defaultTagVal", "must not contain control characters");
      g.headerValue = "";
    }
    if (g.headerName.length > 0 && g.headerValue.length > 0) config.defaultGroup = g;
  } else {
    // Still type-check whichever one is there.
    cfg.string("defaultTagKey", "");
    cfg.string("defaultTagVal", "");
  }
  return config;
}

/** "0".."100" as a number; -1 for anything else. */
function percentValue(s: string): i32 {
  const v = s.startsWith("-") ? NaN : decimalValue(s);
  return v >= 0 && v <= 100 ? <i32>v : -1;
}

function parseGroup(g: ConfigObject): TagGroup {
  g.allowOnly(["headerName", "headerValue", "logic", "conditions"]);
  const group = new TagGroup();
  group.headerName = g.headerName("headerName", null);
  group.headerValue = headerValue(g, "headerValue");
  group.and = g.oneOf("logic", LOGICS, -1, true) == 0;
  const conditions = g.objectList("conditions");
  for (let i = 0; i < conditions.length; i++) group.conditions.push(parseCondition(unchecked(conditions[i])));
  return group;
}

function parseCondition(c: ConfigObject): Condition {
  c.allowOnly(["conditionType", "key", "operator", "value"]);
  const cond = new Condition();
  const t = c.oneOf("conditionType", COND_TYPES, -1, true);
  if (t >= 0) cond.type = <CondType>t;
  cond.key = c.requiredString("key");
  if (cond.type == CondType.Header) cond.key = asciiLower(cond.key);
  const values = c.stringList("value");
  const named = c.value.get("operator");
  if (named != null && named.isString() && asciiLower(named.stringValue) == "regex") {
    c.error("operator", "regex is not supported by tenant-gray (use equal, prefix, in or percentage)");
    return cond;
  }
  const o = c.oneOf("operator", OPERATORS, -1, true);
  if (o < 0) return cond;
  cond.op = <Op>o;
  if (cond.op == Op.In || cond.op == Op.NotIn) {
    if (values.length < 1) c.error("value", "must contain at least one element for 'in' or 'not_in'");
    for (let i = 0; i < values.length; i++) cond.values.add(unchecked(values[i]));
  } else if (values.length != 1) {
    c.error("value", "must contain exactly one element for '" + unchecked(OPERATORS[o]) + "'");
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

/** What applyTrafficTag did. Reused across requests: fill it with applyTrafficTag. */
export class TagOutcome {
  /** The group whose header was set, or null. */
  applied: TagGroup | null = null;
  /** The matched group's header already had a non-empty value, which was kept. */
  keptExisting: bool = false;
}

function conditionValue(cond: Condition, view: RequestView): string | null {
  if (cond.type == CondType.Header) return view.headers.get(cond.key);
  if (cond.type == CondType.Cookie) {
    const h = view.cookieHeader();
    return h == null ? null : findCookie(h, cond.key);
  }
  const p = view.path();
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

function groupMatches(group: TagGroup, view: RequestView): bool {
  for (let i = 0; i < group.conditions.length; i++) {
    const cond = unchecked(group.conditions[i]);
    const v = conditionValue(cond, view);
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

/** Sets the group's header unless a non-empty value is there (either way the request counts as tagged). */
function addTagHeader(headers: HeaderMap, group: TagGroup, out: TagOutcome): void {
  const existing = headers.get(group.headerName);
  if (existing != null && existing.length > 0) {
    out.keptExisting = true;
    return;
  }
  headers.set(group.headerName, group.headerValue);
  out.applied = group;
}

/** Tags the request the way Higress traffic-tag does; `out` says what was done. */
export function applyTrafficTag(config: TrafficTagConfig, view: RequestView, out: TagOutcome): void {
  out.applied = null;
  out.keptExisting = false;
  const headers = view.headers;
  for (let i = 0; i < config.groups.length; i++) {
    const g = unchecked(config.groups[i]);
    if (groupMatches(g, view)) {
      addTagHeader(headers, g, out);
      return;
    }
  }
  if (config.weights.length > 0) {
    const r = <i32>(Math.random() * 100.0);
    for (let i = 0; i < config.weights.length; i++) {
      const g = unchecked(config.weights[i]);
      if (r < g.accumulate) {
        addTagHeader(headers, g, out);
        return;
      }
    }
  }
  const d = config.defaultGroup;
  if (d != null) addTagHeader(headers, d, out);
}
