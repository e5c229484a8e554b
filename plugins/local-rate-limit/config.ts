// Configuration of local-rate-limit (see README.md for the table). Two shapes are accepted:
//   native   {"rules": [{"name", "match", "key", "limit", "keys", "limit_missing", "max_keys"}], ...}
//   Higress  key-rate-limit {"limit_by_header" | "limit_by_param": name, "limit_keys": [{"key", "query_per_*"}]}
// plus the response fields (status, body, headers, rate_limit_headers) and the contention policy.
// The Higress form is read the way Higress reads it: `key: 102234` is the key "102234" and
// `query_per_second: "10"` is 10 (a lenient ConfigObject), the rejection body is Higress's
// `rate_limited`, and a query parameter is compared raw (KeySource.RawParam). The native form keeps
// strict types. `overflow` (a rule field of earlier versions) is still accepted but has no effect:
// a full key table evicts instead (key-table.ts); activation logs that it is deprecated.

import { TextBuilder } from "../../assembly/lib/text-builder";
import { ConfigObject } from "../../assembly/config";
import { isPlainName } from "../../assembly/lib/ascii";
import { KEY_SOURCE_FIELDS, KeySource, RequestKey } from "../../assembly/request-key";
import { RequestMatch } from "../../assembly/request-match";
import { KeyPattern, PatternKind } from "../../assembly/key-pattern";
import { HeaderPair } from "../../assembly/pairs";
import { getPropertyString, PropertyPath } from "../../assembly/properties";
import { fnv1a } from "./hash";
import { hasLimitFields, Limit, parseLimit } from "./limit";
import { RuleMetrics } from "./metrics";
import { encodeBytes } from "../../assembly/lib/bytes-text";


/** Values of the deprecated `overflow` field, still validated so that a typo is still an error. */
const OVERFLOW_NAMES = ["shared", "allow", "deny"];
/** on_contention: index 0 rejects the request. */
const CONTENTION_NAMES = ["deny", "allow"];
/** The rejection body of the Higress key-rate-limit form (what Higress sends, so clients and alerts matching it keep working). */
export const HIGRESS_BODY = "rate_limited";

export const DEFAULT_MAX_KEYS: i64 = 10_000;
export const MAX_MAX_KEYS: i64 = 1_000_000;
const MAX_KEY_TEXT: i32 = 1024;
const RULE_NAME_MAX: i32 = 64;

/** A bucket with a fixed shared-data key: a keyless rule, an exact key, missing keys. */
export class Dedicated {
  /** UTF-8 of the full shared-data key (set with the rule's prefix once the rule is parsed). */
  keyBytes: ArrayBuffer = new ArrayBuffer(0);
  constructor(public key: string, public limit: Limit) {}
}

/** A `keys` entry matched by pattern: "*", "regexp:...", or a CIDR range for client_ip keys (see patternMatches). */
export class Pattern {
  constructor(public key: KeyPattern, public limit: Limit) {}
}

export class Rule {
  name: string = "";
  match: RequestMatch = new RequestMatch();
  /** Where the key comes from (KeySource.None: one bucket for the rule). */
  key: RequestKey = new RequestKey();
  // limits
  limit: Limit | null = null;
  exact: Map<string, Dedicated> = new Map<string, Dedicated>();
  patterns: Array<Pattern> = new Array<Pattern>();
  missing: Dedicated | null = null;
  /** The bucket of a keyless rule. */
  all: Dedicated | null = null;
  // key table
  maxKeys: i32 = <i32>DEFAULT_MAX_KEYS;
  /** Path of a deprecated `overflow` field ("rules[0].overflow"), logged at activation; "" when absent. */
  deprecatedOverflow: string = "";
  /** The key is chosen by the client and no earlier rule limits per client: logged at activation. */
  unguarded: bool = false;
  /** Shared-data key prefix of this rule: "lrl|<plugin>|<scope>|<rule>|". */
  prefix: string = "";
  prefixBytes: ArrayBuffer = new ArrayBuffer(0);
  /** Set for every rule once the configuration is accepted (metrics are host calls: not while parsing). */
  metrics: RuleMetrics | null = null;

  /** Values get buckets in the key table (default limit or pattern entries). */
  get usesTable(): bool { return this.key.source != KeySource.None && (this.limit != null || this.patterns.length > 0); }
}

export class Config {
  rules: Array<Rule> = new Array<Rule>();
  status: u32 = 429;
  body: string = "local_rate_limited";
  headers: Array<HeaderPair> = new Array<HeaderPair>();
  /**
   * The headers of a rejection: starts with `headers`, built once; each rejection truncates it to
   * headers.length and appends its x-ratelimit-* and retry-after pairs (one VM runs one callback at a time).
   */
  rejectHeaders: Array<HeaderPair> = new Array<HeaderPair>();
  rateLimitHeaders: bool = false;
  casRetries: i32 = 32;
  /** Retries ran out: true rejects the request (default), false lets it through. */
  denyOnContention: bool = true;
}

/** Response headers the plugin writes itself. */
const RESERVED_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"];
const TOP_FIELDS = ["rules", "status", "body", "headers", "rate_limit_headers", "cas_retries", "on_contention"];
const HIGRESS_SOURCES = ["limit_by_header", "limit_by_param"];
const HIGRESS_TOP = ["limit_by_header", "limit_by_param", "limit_keys"];
const RULE_FIELDS = ["name", "match", "key", "limit", "keys", "limit_missing", "max_keys", "overflow"];
const MATCH_KEYS = ["_match_route_", "_match_route_prefix_", "_match_domain_", "_match_service_"];
const PLUGIN_NAME = new PropertyPath(["plugin_name"]);

export function parseConfig(cfg: ConfigObject): Config {
  const higress = cfg.has("limit_by_header") || cfg.has("limit_by_param") || cfg.has("limit_keys");
  cfg.lenient = higress;
  const known = TOP_FIELDS.slice(0);
  for (let i = 0; i < HIGRESS_TOP.length; i++) known.push(unchecked(HIGRESS_TOP[i]));
  cfg.allowOnly(known);
  const config = new Config();
  config.status = <u32>cfg.int("status", 429, 400, 599);
  config.body = cfg.string("body", higress ? HIGRESS_BODY : config.body);
  // Off by default, like native local_ratelimit (enable_x_ratelimit_headers) and Higress key-rate-limit.
  config.rateLimitHeaders = cfg.bool("rate_limit_headers", false);
  config.casRetries = <i32>cfg.int("cas_retries", 32, 1, 1000);
  config.denyOnContention = cfg.oneOf("on_contention", CONTENTION_NAMES, 0) == 0;
  config.headers = cfg.headerPairs("headers", RESERVED_HEADERS, "is set by the plugin (turn it off with rate_limit_headers: false)");
  config.rejectHeaders = config.headers.slice(0);

  const prefix = "lrl|" + pluginName() + "|" + scopeOf(cfg) + "|";
  if (higress) {
    if (cfg.has("rules")) cfg.error("rules", "cannot be combined with the Higress key-rate-limit fields (limit_by_header, limit_by_param, limit_keys)");
    const rule = parseHigressRule(cfg);
    if (rule != null) {
      finishRule(rule, prefix);
      rule.unguarded = clientChosen(rule);
      config.rules.push(rule);
    }
    return config;
  }
  if (!cfg.has("rules")) {
    cfg.error("rules", "is required (or the Higress key-rate-limit fields limit_by_header / limit_by_param with limit_keys)");
    return config;
  }
  const rules = cfg.objectList("rules");
  if (rules.length == 0 && cfg.errors.count == 0) cfg.error("rules", "must list at least one rule");
  const names = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const r = unchecked(rules[i]);
    const rule = parseRule(r);
    if (names.has(rule.name)) r.error("name", "duplicate rule name '" + rule.name + "'");
    names.add(rule.name);
    finishRule(rule, prefix);
    rule.unguarded = clientChosen(rule) && !guarded(config.rules, rule);
    config.rules.push(rule);
  }
  return config;
}

/**
 * A key table filled from a value the client picks freely: header, query parameter, cookie, path
 * (not the client address, not the consumer a verified identity names). Exact keys alone use no table.
 */
function clientChosen(rule: Rule): bool {
  return rule.usesTable && rule.key.clientChosen;
}

/** Does an earlier rule limit every client (by address or consumer) on every request `rule` applies to? */
function guarded(before: Array<Rule>, rule: Rule): bool {
  for (let i = 0; i < before.length; i++) {
    const f = unchecked(before[i]);
    if (f.key.source != KeySource.ClientIp && f.key.source != KeySource.Consumer) continue;
    if (f.limit == null && !hasAnyPattern(f)) continue;
    if (rule.match.within(f.match)) return true;
  }
  return false;
}

function hasAnyPattern(rule: Rule): bool {
  for (let i = 0; i < rule.patterns.length; i++) if (unchecked(rule.patterns[i]).key.kind == PatternKind.Any) return true;
  return false;
}

/** plugin_name of the filter (Envoy PluginConfig.name), so two filters sharing a vm_id keep separate buckets. */
function pluginName(): string {
  const n = getPropertyString(PLUGIN_NAME);
  return n == null ? "" : n;
}

/**
 * "g" for the global configuration; for a Higress `_rules_` entry a hash of its match keys, so its
 * buckets do not collide with other entries' and survive reordering of `_rules_` across reloads.
 */
function scopeOf(cfg: ConfigObject): string {
  if (cfg.path.length == 0) return "g";
  const text = new TextBuilder(); // not `+=`: a rule may list thousands of names
  for (let i = 0; i < MATCH_KEYS.length; i++) {
    const key = unchecked(MATCH_KEYS[i]);
    const v = cfg.value.get(key);
    if (v == null || !v.isArray()) continue;
    text.pushString(key);
    text.push(0x3d); // '='
    for (let j = 0; j < v.items.length; j++) {
      const item = unchecked(v.items[j]);
      text.pushString(item.isString() ? item.stringValue : item.kindName());
      text.push(1);
    }
    text.push(0x3b); // ';'
  }
  const bytes = encodeBytes(text.toString());
  return "r" + hex64(fnv1a(changetype<usize>(bytes), <usize>bytes.byteLength));
}

function hex64(v: u64): string {
  let s = "";
  for (let i = 15; i >= 0; i--) {
    const d = <i32>((v >> (<u64>i * 4)) & 15);
    s += String.fromCharCode(d < 10 ? 48 + d : 87 + d);
  }
  return s;
}

function parseRule(r: ConfigObject): Rule {
  r.allowOnly(RULE_FIELDS);
  const rule = new Rule();
  rule.name = r.requiredString("name");
  if (rule.name.length > 0 && !isPlainName(rule.name, RULE_NAME_MAX)) {
    r.error("name", "must be 1-" + RULE_NAME_MAX.toString() + " characters of A-Z a-z 0-9 _ - (it names metrics and buckets)");
  }
  const m = r.object("match");
  if (m != null) rule.match = RequestMatch.parse(m);
  const k = r.object("key");
  if (k != null) parseSource(k, rule);

  const l = r.object("limit");
  if (l != null) {
    l.allowOnly(["requests", "per", "burst", "query_per_second", "query_per_minute", "query_per_hour", "query_per_day"]);
    rule.limit = parseLimit(l);
  }
  parseKeys(r, r.objectList("keys"), rule);

  if (rule.key.source == KeySource.None) {
    if (r.has("keys")) r.error("keys", "needs a key source (key: {header|param|cookie|consumer|client_ip|path})");
    if (r.has("limit_missing")) r.error("limit_missing", "needs a key source");
    if (l == null && !r.has("keys")) r.error("limit", "is required (a rule without key has one bucket for all its requests)");
  } else if (l == null && rule.patterns.length == 0 && rule.exact.size == 0 && !r.has("keys") && !r.has("limit_missing")) {
    r.error("limit", "is required unless keys lists the limited values");
  }
  parseMissing(r, rule);

  rule.maxKeys = <i32>r.int("max_keys", DEFAULT_MAX_KEYS, 1, MAX_MAX_KEYS);
  r.oneOf("overflow", OVERFLOW_NAMES, 0);
  if (r.has("overflow")) rule.deprecatedOverflow = r.pathOf("overflow");
  return rule;
}

function parseSource(k: ConfigObject, rule: Rule): void {
  k.allowOnly(KEY_SOURCE_FIELDS);
  const index = k.exactlyOneOf(KEY_SOURCE_FIELDS);
  if (index >= 0) rule.key = RequestKey.read(k, index);
}

function parseKeys(r: ConfigObject, entries: Array<ConfigObject>, rule: Rule): void {
  if (r.has("keys") && entries.length == 0 && r.errors.count == 0) r.error("keys", "must list at least one key");
  for (let i = 0; i < entries.length; i++) {
    const e = unchecked(entries[i]);
    const known = ["key", "requests", "per", "burst", "query_per_second", "query_per_minute", "query_per_hour", "query_per_day"];
    e.allowOnly(known);
    const text = e.requiredString("key");
    if (text.length > MAX_KEY_TEXT) { e.error("key", "longer than " + MAX_KEY_TEXT.toString() + " characters"); continue; }
    if (!hasLimitFields(e)) { e.error("requests", "is required (or one of query_per_second, query_per_minute, query_per_hour, query_per_day)"); continue; }
    const limit = parseLimit(e);
    if (limit == null || text.length == 0) continue;
    const key = KeyPattern.read(e, "key", text, rule.key.source == KeySource.ClientIp);
    if (key == null) continue;
    if (key.isPattern) {
      if (key.kind == PatternKind.Any && rule.limit != null) { e.error("key", "\"*\" gives every value its own bucket, as the rule's limit already does; use one of them"); continue; }
      rule.patterns.push(new Pattern(key, limit));
    } else {
      if (rule.exact.has(text)) { e.error("key", "duplicate key '" + text + "'"); continue; }
      rule.exact.set(text, new Dedicated("x|" + text, limit));
    }
  }
}

function parseMissing(r: ConfigObject, rule: Rule): void {
  const v = r.value.get("limit_missing");
  if (v == null || v.isNull()) return;
  if (v.isBool()) {
    if (!v.boolValue) return;
    const l = rule.limit;
    if (l == null) { r.error("limit_missing", "true uses the rule's limit, which is not set; give limit_missing its own limit object"); return; }
    rule.missing = new Dedicated("m", l);
    return;
  }
  const o = r.object("limit_missing");
  if (o == null) return; // object() reported the type error
  o.allowOnly(["requests", "per", "burst"]);
  const l = parseLimit(o);
  if (l != null) rule.missing = new Dedicated("m", l);
}

/**
 * Higress key-rate-limit: only the listed values of one header or parameter are limited. A parameter
 * is found and compared raw, as Higress's C++ parseQueryString (no percent- or '+'-decoding).
 */
function parseHigressRule(cfg: ConfigObject): Rule | null {
  const by = cfg.exactlyOneOf(HIGRESS_SOURCES);
  if (by < 0) return null;
  const rule = new Rule();
  rule.name = "key-rate-limit";
  rule.key = by == 0
    ? new RequestKey(KeySource.Header, cfg.headerName("limit_by_header", null, true))
    : new RequestKey(KeySource.RawParam, cfg.requiredString("limit_by_param"));
  if (!cfg.has("limit_keys")) { cfg.error("limit_keys", "is required"); return rule; }
  const entries = cfg.objectList("limit_keys");
  if (entries.length == 0) cfg.error("limit_keys", "must list at least one key");
  parseKeys(cfg, entries, rule);
  return rule;
}

/** Storage names: every bucket key of the rule starts with its prefix. */
function finishRule(rule: Rule, prefix: string): void {
  rule.prefix = prefix + rule.name + "|";
  const l = rule.limit;
  if (rule.key.source == KeySource.None && l != null) rule.all = new Dedicated("all", l);
  const all = dedicatedBuckets(rule);
  for (let i = 0; i < all.length; i++) {
    const d = unchecked(all[i]);
    d.key = rule.prefix + d.key;
    d.keyBytes = encodeBytes(d.key);
  }
  rule.prefixBytes = encodeBytes(rule.prefix);
}

/** Every dedicated bucket of a rule (for naming them, and creating them at configure time). */
export function dedicatedBuckets(rule: Rule): Array<Dedicated> {
  const out = new Array<Dedicated>();
  const all = rule.all;
  if (all != null) out.push(all);
  const missing = rule.missing;
  if (missing != null) out.push(missing);
  const values = rule.exact.values();
  for (let i = 0; i < values.length; i++) out.push(unchecked(values[i]));
  return out;
}
