// Configuration of global-rate-limit (README.md has the tables):
//   {"cluster", "domain", "timeout_ms", "failure_mode_deny", "status_on_error", "hits_addend",
//    "status", "body", "headers", "rate_limit_headers",
//    "rules": [{"name", "match", "descriptor": [{"key", <source>}], "limit", "lease"}]}
// Each rule that matches a request contributes one descriptor to the request's one call to the
// Rate Limit Service; its entries' values come from the request (assembly/request-key.ts) or are
// constants (`value`). Higress's cluster-key-rate-limit form (rule_name, global_threshold /
// rule_items, ...) is read by higress.ts into Config.higress instead of rules.

import { ConfigObject } from "../../assembly/config";
import { hasControlChars, isPlainName } from "../../assembly/lib/ascii";
import { HeaderPair } from "../../assembly/pairs";
import { getPropertyString, PropertyPath } from "../../assembly/properties";
import { KEY_SOURCE_FIELDS, KeySource, RequestKey } from "../../assembly/request-key";
import { RequestMatch } from "../../assembly/request-match";
import { HIGRESS_BODY, HIGRESS_FIELDS, HigressForm, isHigressForm, parseHigress } from "./higress";
import { RuleMetrics } from "./metrics";
import { PLUGIN_HEADERS, QUERY_PER, UNIT_OF_PER } from "./rls-proto";

const PER_NAMES = ["second", "minute", "hour", "day"];
/** Entry sources: the request key sources, then a constant. */
const ENTRY_SOURCES = KEY_SOURCE_FIELDS.concat(["value"]);
const VALUE_SOURCE: i32 = 6;
/** The fields of the call, in both forms. */
const CALL_FIELDS = ["cluster", "domain", "timeout_ms", "failure_mode_deny", "status_on_error", "hits_addend", "headers"];
/** The native form's response fields and rules (the Higress form has rejected_code, rejected_msg, show_limit_quota_header). */
const NATIVE_FIELDS = ["status", "body", "rate_limit_headers", "rules"];
const HIGRESS_NAMES = ["rejected_code", "rejected_msg", "show_limit_quota_header"];
const TOP_FIELDS = CALL_FIELDS.concat(NATIVE_FIELDS);
const HIGRESS_TOP = CALL_FIELDS.concat(HIGRESS_FIELDS).concat(NATIVE_FIELDS);
const RULE_FIELDS = ["name", "match", "descriptor", "limit", "lease"];
export const MAX_RULES: i32 = 32;
const MAX_ENTRIES: i32 = 16;
const RULE_NAME_MAX: i32 = 64;
const PLUGIN_NAME = new PropertyPath(["plugin_name"]);

/** One descriptor entry: a key and where its value comes from. */
export class Entry {
  /** For KeySource.None: the constant `value`. */
  constant: string = "";
  constructor(public key: string, public source: RequestKey) {}
}

/** Lease mode: take `tokens` per call and spend them locally, see lease.ts. */
export class LeaseConfig {
  constructor(public tokens: u32, public replicas: u32) {}
}

export class Rule {
  name: string = "";
  match: RequestMatch = new RequestMatch();
  entries: Array<Entry> = new Array<Entry>();
  /** The entries' keys, in order (what the descriptor writer takes). */
  keys: Array<string> = new Array<string>();
  /** Limit override sent with the descriptor (0: RLS's own configuration decides). */
  requests: u64 = 0;
  unit: u64 = 0;
  lease: LeaseConfig | null = null;
  /** Shared-data key prefix of this rule's leases: "grl|<plugin>|<scope>|<rule>|". */
  leasePrefix: string = "";
  /** Set for every rule once the configuration is accepted. */
  metrics: RuleMetrics | null = null;
}

export class Config {
  cluster: string = "";
  domain: string = "";
  timeoutMs: u32 = 200;
  failureModeDeny: bool = false;
  statusOnError: u32 = 503;
  hitsAddend: u32 = 1;
  status: u32 = 429;
  body: string = "global_rate_limited";
  headers: Array<HeaderPair> = new Array<HeaderPair>();
  /** The headers of a rejection: `headers`, then each rejection's own pairs (truncated back every time). */
  rejectHeaders: Array<HeaderPair> = new Array<HeaderPair>();
  rateLimitHeaders: bool = false;
  rules: Array<Rule> = new Array<Rule>();
  /** The Higress cluster-key-rate-limit form (then `rules` is empty); null for the native form. */
  higress: HigressForm | null = null;
}

export function parseConfig(cfg: ConfigObject): Config {
  const higress = isHigressForm(cfg);
  cfg.lenient = higress;
  cfg.allowOnly(higress ? HIGRESS_TOP : TOP_FIELDS);
  const config = new Config();
  config.cluster = cfg.requiredString("cluster");
  if (hasControlChars(config.cluster)) cfg.error("cluster", "must be an Envoy cluster name");
  config.domain = cfg.requiredString("domain");
  if (cfg.has("domain") && config.domain.length == 0) cfg.error("domain", "must not be empty (it selects the Rate Limit Service's configuration)");
  config.timeoutMs = <u32>cfg.int("timeout_ms", 200, 1, 60_000);
  config.failureModeDeny = cfg.bool("failure_mode_deny", false);
  config.statusOnError = <u32>cfg.int("status_on_error", 503, 400, 599);
  config.hitsAddend = <u32>cfg.int("hits_addend", 1, 1, 1_000_000);
  config.headers = cfg.headerPairs("headers", PLUGIN_HEADERS, "is set by the plugin");
  config.rejectHeaders = config.headers.slice(0);
  if (higress) {
    for (let i = 0; i < NATIVE_FIELDS.length; i++) {
      const field = unchecked(NATIVE_FIELDS[i]);
      if (cfg.value.get(field) == null) continue;
      cfg.error(field, i < HIGRESS_NAMES.length
        ? "is " + unchecked(HIGRESS_NAMES[i]) + " in the Higress cluster-key-rate-limit form (rule_name, global_threshold, rule_items)"
        : "cannot be combined with the Higress cluster-key-rate-limit fields (rule_name, global_threshold, rule_items)");
    }
    // Higress's README rejects with 200 and a JSON body in one example: any final status.
    config.status = <u32>cfg.int("rejected_code", 429, 200, 599);
    config.body = cfg.string("rejected_msg", HIGRESS_BODY);
    config.rateLimitHeaders = cfg.bool("show_limit_quota_header", false);
    config.higress = parseHigress(cfg, RULE_NAME_MAX);
    return config;
  }
  config.status = <u32>cfg.int("status", 429, 400, 599);
  config.body = cfg.string("body", config.body);
  config.rateLimitHeaders = cfg.bool("rate_limit_headers", false);

  if (!cfg.has("rules")) { cfg.error("rules", "is required (or the Higress cluster-key-rate-limit form: rule_name with global_threshold or rule_items)"); return config; }
  const rules = cfg.objectList("rules");
  if (rules.length == 0 && cfg.errors.count == 0) cfg.error("rules", "must list at least one rule");
  if (rules.length > MAX_RULES) cfg.error("rules", "at most " + MAX_RULES.toString() + " rules");
  const prefix = "grl|" + pluginName() + "|" + (cfg.path.length == 0 ? "g" : cfg.path) + "|";
  const names = new Set<string>();
  for (let i = 0; i < rules.length && i < MAX_RULES; i++) {
    const r = unchecked(rules[i]);
    const rule = parseRule(r);
    if (names.has(rule.name)) r.error("name", "duplicate rule name '" + rule.name + "'");
    names.add(rule.name);
    rule.leasePrefix = prefix + rule.name + "|";
    config.rules.push(rule);
  }
  return config;
}

function parseRule(r: ConfigObject): Rule {
  r.allowOnly(RULE_FIELDS);
  const rule = new Rule();
  rule.name = r.requiredString("name");
  if (rule.name.length > 0 && !isPlainName(rule.name, RULE_NAME_MAX)) {
    r.error("name", "must be 1-" + RULE_NAME_MAX.toString() + " characters of A-Z a-z 0-9 _ - (it names metrics)");
  }
  const m = r.object("match");
  if (m != null) rule.match = RequestMatch.parse(m);

  if (!r.has("descriptor")) r.error("descriptor", "is required: the entries sent to the Rate Limit Service, e.g. [{\"key\": \"api_key\", \"header\": \"x-api-key\"}]");
  const entries = r.objectList("descriptor");
  if (r.has("descriptor") && entries.length == 0 && r.errors.count == 0) r.error("descriptor", "must list at least one entry");
  if (entries.length > MAX_ENTRIES) r.error("descriptor", "at most " + MAX_ENTRIES.toString() + " entries");
  for (let i = 0; i < entries.length && i < MAX_ENTRIES; i++) {
    const e = parseEntry(unchecked(entries[i]));
    if (e == null) continue;
    rule.entries.push(e);
    rule.keys.push(e.key);
  }

  const l = r.object("limit");
  if (l != null) parseOverride(l, rule);
  const lease = r.object("lease");
  if (lease != null) parseLease(lease, rule);
  return rule;
}

function parseEntry(e: ConfigObject): Entry | null {
  const known = ["key"].concat(ENTRY_SOURCES);
  e.allowOnly(known);
  const key = e.requiredString("key");
  if (e.has("key") && key.length == 0) e.error("key", "must not be empty");
  const index = e.exactlyOneOf(ENTRY_SOURCES);
  if (index < 0) return null;
  if (index == VALUE_SOURCE) {
    const entry = new Entry(key, new RequestKey());
    entry.constant = e.requiredString("value");
    if (e.has("value") && entry.constant.length == 0) e.error("value", "must not be empty");
    return entry;
  }
  return new Entry(key, RequestKey.read(e, index));
}

/** {"requests": n, "per": "second|minute|hour|day"} or one Higress query_per_* field. */
function parseOverride(l: ConfigObject, rule: Rule): void {
  l.allowOnly(["requests", "per"].concat(QUERY_PER));
  let found = -1;
  for (let i = 0; i < QUERY_PER.length; i++) {
    const field = unchecked(QUERY_PER[i]);
    if (!l.has(field)) continue;
    if (found >= 0) { l.error(field, "only one of query_per_second, query_per_minute, query_per_hour, query_per_day"); continue; }
    found = i;
    rule.requests = <u64>l.int(field, 1, 1, u32.MAX_VALUE);
    rule.unit = unchecked(UNIT_OF_PER[i]);
    if (l.has("requests") || l.has("per")) l.error(field, "cannot be combined with requests/per");
  }
  if (found >= 0) return;
  if (!l.has("requests")) { l.error("requests", "is required"); return; }
  rule.requests = <u64>l.int("requests", 1, 1, u32.MAX_VALUE);
  rule.unit = unchecked(UNIT_OF_PER[l.oneOf("per", PER_NAMES, 0)]);
}

/**
 * Leases live in shared data, one entry per distinct descriptor value, and shared data never
 * forgets a key: only entries whose values are bounded by configuration may lease (constants,
 * the verified consumer).
 */
function parseLease(l: ConfigObject, rule: Rule): void {
  l.allowOnly(["tokens", "replicas"]);
  const tokens = <u32>l.int("tokens", 10, 2, 100_000);
  const replicas = <u32>l.int("replicas", 1, 1, 10_000);
  if (!l.has("replicas")) l.error("replicas", "is required: the number of gateway replicas sharing the limit (leases stop when fewer than replicas x tokens remain)");
  for (let i = 0; i < rule.entries.length; i++) {
    const s = unchecked(rule.entries[i]).source.source;
    if (s != KeySource.None && s != KeySource.Consumer) {
      l.error("tokens", "leases need a descriptor of constant values and consumer entries (a per-" +
        unchecked(rule.entries[i]).source.describe() + " lease would keep one shared-data entry per value forever)");
      return;
    }
  }
  rule.lease = new LeaseConfig(tokens, replicas);
}

/** plugin_name of the filter (Envoy PluginConfig.name), so two filters sharing a vm_id keep separate leases. */
function pluginName(): string {
  const n = getPropertyString(PLUGIN_NAME);
  return n == null ? "" : n;
}
