// The Higress `cluster-key-rate-limit` form of the configuration (README.md, "Higress
// `cluster-key-rate-limit` configuration"), counted by the Rate Limit Service instead of Higress's Redis:
//   {"rule_name", "global_threshold": {"query_per_*": n}
//                 | "rule_items": [{"limit_by_<source>": name, "limit_keys": [{"key", "query_per_*": n}]}],
//    "show_limit_quota_header", "rejected_code", "rejected_msg", "cluster", "domain", ...}
// A request gets at most one descriptor: [{"rule": rule_name}] for global_threshold, else
// [{"rule": rule_name}, {<source>: <value>}] for the FIRST rule item (in order) whose source has a
// value with a matching key, with that key's limit as the descriptor's limit override. Read leniently
// (YAML numbers as strings and decimal strings as integers), as Higress reads it.

import { escapedBytesAsPercent } from "../../assembly/lib/bytes-text";
import { ConfigObject, HEADER_NAME } from "../../assembly/config";
import { KeyPattern, PatternKind } from "../../assembly/key-pattern";
import { asciiLower, isOws, isPlainName } from "../../assembly/lib/ascii";
import { isToken } from "../../assembly/lib/baggage";
import { Cidr, IpAddress, stripPortFromAddress } from "../../assembly/lib/cidr";
import { CONSUMER_HEADER, KeySource, RequestKey } from "../../assembly/request-key";
import { RequestView } from "../../assembly/request-view";
import { RuleMetrics } from "./metrics";
import { QUERY_PER, UNIT_OF_PER } from "./rls-proto";

/** The fields that select this form (any one of them). */
const FORM_FIELDS = ["rule_name", "global_threshold", "rule_items"];
export const HIGRESS_FIELDS = ["rule_name", "global_threshold", "rule_items", "show_limit_quota_header", "rejected_code", "rejected_msg", "redis"];
/** Key sources of a rule item; from PER on, keys may also be patterns. */
const SOURCES = ["limit_by_header", "limit_by_param", "limit_by_consumer", "limit_by_cookie",
  "limit_by_per_header", "limit_by_per_param", "limit_by_per_consumer", "limit_by_per_cookie", "limit_by_per_ip"];
const PER: i32 = 4;
const PER_IP: i32 = 8;
const REMOTE_ADDR = "from-remote-addr";
const FROM_HEADER = "from-header-";
export const HIGRESS_BODY = "Too many requests";
const MAX_ITEMS: i32 = 64;
const MAX_KEY_TEXT: i32 = 1024;

/** A limit: the override sent with a descriptor of entry keys `keys`, for values matching `key`. */
export class HigressLimit {
  key: KeyPattern | null = null;
  constructor(public requests: u64, public unit: u64, public keys: Array<string>) {}
}

/** One `rule_items` entry. */
export class HigressItem {
  source: RequestKey = new RequestKey();
  /** limit_by_per_ip: keys are address ranges (or "*"), matched against the parsed address. */
  perIp: bool = false;
  /** limit_by_per_ip from-header-<name>: the address is the first comma-separated entry of header source.name. */
  ipHeader: bool = false;
  /** The descriptor's entry keys: "rule" and the source's ("header:x-ca-key", "ip", ...). */
  keys: Array<string> = new Array<string>();
  /** The exact keys (looked up when the item has no pattern). */
  exact: Map<string, HigressLimit> = new Map<string, HigressLimit>();
  /** Every key in order; tried in order when the item has a pattern (`ordered`). */
  limits: Array<HigressLimit> = new Array<HigressLimit>();
  ordered: bool = false;

  /** The limit for this request (its value pushed onto `values`), or null when the item does not apply. */
  pick(req: RequestView, values: Array<string>): HigressLimit | null {
    let value: string | null = null;
    let address: IpAddress | null = null;
    if (this.ipHeader) {
      const header = req.headers.get(this.source.name);
      if (header == null) return null;
      value = firstAddress(header);
      address = IpAddress.parse(value);
      if (address == null) return null;
    } else {
      value = this.source.valueOf(req);
      if (value == null) return null;
      if (this.perIp) {
        address = req.clientAddress();
        if (address == null) return null;
      }
    }
    let found: HigressLimit | null = null;
    if (this.ordered) {
      const limits = this.limits;
      for (let i = 0; i < limits.length; i++) {
        const l = unchecked(limits[i]);
        if (l.key!.matches(value, address)) { found = l; break; }
      }
    } else if (this.exact.has(value)) {
      found = this.exact.get(value);
    }
    // RLS (Go) refuses a descriptor that is not UTF-8: such a value would fail the call and pass unlimited.
    if (found != null) values.push(escapedBytesAsPercent(value));
    return found;
  }
}

export class HigressForm {
  ruleName: string = "";
  /** global_threshold: one descriptor [{"rule": rule_name}] for every request. */
  global: HigressLimit | null = null;
  items: Array<HigressItem> = new Array<HigressItem>();
  /** Set once the configuration is accepted. */
  metrics: RuleMetrics | null = null;

  /**
   * The limit of this request's descriptor, its entry values written into `values` (rule_name, then
   * the item's value); null when no rule item applies (no call).
   */
  pick(req: RequestView, values: Array<string>): HigressLimit | null {
    values.length = 0;
    values.push(this.ruleName);
    const g = this.global;
    if (g != null) return g;
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const l = unchecked(items[i]).pick(req, values);
      if (l != null) return l;
    }
    return null;
  }
}

/** Is `cfg` in the Higress form? */
export function isHigressForm(cfg: ConfigObject): bool {
  for (let i = 0; i < FORM_FIELDS.length; i++) if (cfg.value.get(unchecked(FORM_FIELDS[i])) != null) return true;
  return false;
}

/** Reads rule_name and global_threshold / rule_items (the response fields are read by parseConfig). */
export function parseHigress(cfg: ConfigObject, ruleNameMax: i32): HigressForm {
  const form = new HigressForm();
  if (cfg.value.get("redis") != null) {
    cfg.error("redis", "is not used: this plugin counts in the Rate Limit Service (envoyproxy/ratelimit, which keeps its own Redis); " +
      "remove redis and give cluster (the Envoy cluster of the Rate Limit Service) and domain");
  }
  form.ruleName = cfg.requiredString("rule_name");
  if (form.ruleName.length > 0 && !isPlainName(form.ruleName, ruleNameMax)) {
    cfg.error("rule_name", "must be 1-" + ruleNameMax.toString() + " characters of A-Z a-z 0-9 _ - (it names metrics and the counters)");
  }
  const hasGlobal = cfg.has("global_threshold");
  const hasItems = cfg.has("rule_items");
  if (hasGlobal == hasItems) {
    cfg.error(hasGlobal ? "rule_items" : "global_threshold", hasGlobal
      ? "cannot be combined with global_threshold (one limit for all requests, or per-key limits)"
      : "is required, or rule_items (per-key limits)");
    return form;
  }
  if (hasGlobal) {
    const g = cfg.object("global_threshold");
    if (g != null) {
      g.allowOnly(QUERY_PER);
      form.global = readLimit(g, ["rule"]);
    }
    return form;
  }
  const items = cfg.objectList("rule_items");
  if (items.length == 0 && cfg.errors.count == 0) cfg.error("rule_items", "must list at least one rule item");
  if (items.length > MAX_ITEMS) cfg.error("rule_items", "at most " + MAX_ITEMS.toString() + " rule items");
  for (let i = 0; i < items.length && i < MAX_ITEMS; i++) {
    const item = parseItem(unchecked(items[i]));
    if (item != null) form.items.push(item);
  }
  return form;
}

function parseItem(o: ConfigObject): HigressItem | null {
  o.allowOnly(SOURCES.concat(["limit_keys"]));
  const by = o.exactlyOneOf(SOURCES);
  if (by < 0) return null;
  const field = unchecked(SOURCES[by]);
  const item = new HigressItem();
  item.keys.push("rule");
  item.keys.push(by == PER_IP ? readIpSource(o, field, item) : readSource(o, field, by % PER, item));
  parseKeys(o, item, by >= PER, field);
  return item;
}

/** limit_by_[per_]header|param|consumer|cookie (`kind` 0-3) into item.source; the descriptor's entry key. */
function readSource(o: ConfigObject, field: string, kind: i32, item: HigressItem): string {
  switch (kind) {
    case 0:
      item.source = new RequestKey(KeySource.Header, o.headerName(field, null, true));
      return "header:" + item.source.name;
    case 1:
      item.source = new RequestKey(KeySource.Param, o.requiredString(field));
      return "param:" + item.source.name;
    case 2: // the value is not read: Higress takes the consumer from x-mse-consumer whatever it says
      item.source = new RequestKey(KeySource.Consumer, CONSUMER_HEADER);
      return "consumer";
    default:
      item.source = new RequestKey(KeySource.Cookie, o.requiredString(field));
      return "cookie:" + item.source.name;
  }
}

/** limit_by_per_ip: from-remote-addr (Envoy's source.address) or from-header-<name>. */
function readIpSource(o: ConfigObject, field: string, item: HigressItem): string {
  item.perIp = true;
  const from = o.requiredString(field);
  if (from == REMOTE_ADDR) {
    item.source = new RequestKey(KeySource.ClientIp);
    return "ip";
  }
  if (from.startsWith(FROM_HEADER)) {
    const name = asciiLower(from.substring(FROM_HEADER.length));
    if (!isToken(name)) o.error(field, "from-header-<name>: " + HEADER_NAME);
    item.source = new RequestKey(KeySource.Header, name);
    item.ipHeader = true;
    return "ip:" + name;
  }
  if (from.length > 0) o.error(field, "must be from-remote-addr (the client address) or from-header-<name> (the first address in that header)");
  return "ip";
}

function parseKeys(o: ConfigObject, item: HigressItem, per: bool, source: string): void {
  if (!o.has("limit_keys")) { o.error("limit_keys", "is required"); return; }
  const entries = o.objectList("limit_keys");
  if (entries.length == 0 && o.errors.count == 0) o.error("limit_keys", "must list at least one key");
  for (let i = 0; i < entries.length; i++) {
    const e = unchecked(entries[i]);
    e.allowOnly(["key"].concat(QUERY_PER));
    const text = e.requiredString("key");
    if (text.length > MAX_KEY_TEXT) { e.error("key", "longer than " + MAX_KEY_TEXT.toString() + " characters"); continue; }
    const limit = readLimit(e, item.keys);
    if (limit == null || text.length == 0) continue;
    let key: KeyPattern | null = null;
    if (item.perIp) {
      key = readAddressKey(e, text);
    } else {
      key = KeyPattern.read(e, "key", text, false);
      if (key != null && key.isPattern && !per) {
        e.error("key", "\"" + text + "\" is a pattern, which " + source + " does not take (its keys are exact values); " +
          "use limit_by_per_" + source.substring(9) + " to give every matching value its own limit");
        continue;
      }
    }
    if (key == null) continue;
    limit.key = key;
    if (key.kind == PatternKind.Exact) {
      if (item.exact.has(text)) { e.error("key", "duplicate key '" + text + "'"); continue; }
      item.exact.set(text, limit);
    } else {
      item.ordered = true;
    }
    item.limits.push(limit);
  }
}

/** limit_by_per_ip keys: "*", an address, or a CIDR range (an address is a range of one). */
function readAddressKey(e: ConfigObject, text: string): KeyPattern | null {
  if (text == "*") return new KeyPattern(PatternKind.Any, text);
  const cidr = Cidr.parse(text);
  if (cidr == null) {
    e.error("key", "is not an IP address or range (such as 10.0.0.1 or 10.0.0.0/8; \"*\" for every address)");
    return null;
  }
  const key = new KeyPattern(PatternKind.Cidr, text);
  key.cidr = cidr;
  return key;
}

/**
 * The one positive query_per_* of `o` (zeros are ignored, as Higress does); several would be
 * ambiguous (Higress picks one at random). Null after reporting an error on `o`.
 */
function readLimit(o: ConfigObject, keys: Array<string>): HigressLimit | null {
  const before = o.errors.count;
  let found = -1;
  let requests: i64 = 0;
  for (let i = 0; i < QUERY_PER.length; i++) {
    const field = unchecked(QUERY_PER[i]);
    const n = o.int(field, 0, 0, u32.MAX_VALUE);
    if (n == 0) continue;
    if (found >= 0) {
      o.error(field, "cannot be combined with " + unchecked(QUERY_PER[found]) + " (give one limit per key)");
      continue;
    }
    found = i;
    requests = n;
  }
  if (o.errors.count > before) return null;
  if (found < 0) {
    o.errors.add(o.path, "must have one of " + QUERY_PER.join(", ") + " (a positive integer)");
    return null;
  }
  return new HigressLimit(<u64>requests, unchecked(UNIT_OF_PER[found]), keys);
}

/** The first comma-separated entry of an X-Forwarded-For style header, without spaces or a port ("" when empty). */
function firstAddress(header: string): string {
  let end = header.indexOf(",");
  if (end < 0) end = header.length;
  let start = 0;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  return stripPortFromAddress(header.substring(start, end));
}
