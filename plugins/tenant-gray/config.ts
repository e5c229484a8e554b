// Configuration of tenant-gray (see README.md for the table). Everything a request needs is
// built here, once: tenant sets, prefix sets, CIDR ranges, Set-Cookie values.

import { ConfigObject, HEADER_NAME } from "../../assembly/config";
import { hasControlChars } from "../../assembly/lib/ascii";
import { isToken } from "../../assembly/lib/baggage";
import { Cidr } from "../../assembly/lib/cidr";
import { JsonValue } from "../../assembly/lib/json";
import { Counter } from "../../assembly/metrics";
import { Lane } from "./lanes";
import { metrics } from "./metrics";
import { SOURCE_KEYS, SourceKind, TenantSource } from "./tenant";
import { activateTrafficTag, isTrafficTagConfig, parseTrafficTag, TrafficTagConfig } from "./traffic-tag";

const MAX_TAG_LENGTH: i32 = 64;
const DEFAULT_MAX_TENANT_LENGTH: i64 = 128;

export class StickyCookie {
  name: string = "";
  /** Set-Cookie value that expires the cookie. */
  clear: string = "";
  /** Attributes after the value: "; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax". */
  attributes: string = "";
}

export class Config {
  /** Set when the configuration is Higress traffic-tag's; nothing below applies then. */
  trafficTag: TrafficTagConfig | null = null;

  sources: Array<TenantSource> = new Array<TenantSource>();
  maxTenantLength: i32 = <i32>DEFAULT_MAX_TENANT_LENGTH;
  lanes: Array<Lane> = new Array<Lane>();
  /** Lane tags and their counters (filled by activateConfig): the sticky cookie must name one of them. */
  laneCounters: Map<string, Counter> = new Map<string, Counter>();
  tagHeader: string = "x-mse-tag";
  overrideTag: bool = false;
  propagateToBaggage: bool = true;
  baggageKey: string = "x-mse-tag";
  defaultTag: string = "";
  /** wasmcustom.tenant_gray.lane.<default_tag> (null without default_tag; set by activateConfig). */
  defaultCounter: Counter | null = null;
  debugHeader: string = "";
  stickyCookie: StickyCookie | null = null;
}

const KEYS = [
  "tenant_from", "max_tenant_length", "lanes", "tag_header", "override", "propagate_to_baggage", "baggage_key",
  "default_tag", "sticky_cookie", "debug_header",
];

export function parseConfig(cfg: ConfigObject): Config {
  const config = new Config();
  // An empty configuration is an empty traffic-tag configuration: it does nothing, as in Higress.
  if (isTrafficTagConfig(cfg) || cfg.isEmpty()) {
    for (let i = 0; i < KEYS.length; i++) {
      const key = unchecked(KEYS[i]);
      if (cfg.value.get(key) != null) cfg.error(key, "cannot be combined with Higress traffic-tag fields (conditionGroups, weightGroups, defaultTagKey, defaultTagVal)");
    }
    config.trafficTag = parseTrafficTag(cfg);
    return config;
  }
  cfg.allowOnly(KEYS);

  config.tagHeader = cfg.headerName("tag_header", "x-mse-tag");
  config.overrideTag = cfg.bool("override", false);
  config.propagateToBaggage = cfg.bool("propagate_to_baggage", true);
  config.baggageKey = cfg.string("baggage_key", config.tagHeader);
  if (!isToken(config.baggageKey)) cfg.error("baggage_key", "must be a baggage key (an HTTP token)");
  config.defaultTag = cfg.string("default_tag", "");
  if (config.defaultTag.length > 0) checkTag(cfg, "default_tag", config.defaultTag);
  config.debugHeader = cfg.headerName("debug_header", "");
  config.maxTenantLength = <i32>cfg.int("max_tenant_length", DEFAULT_MAX_TENANT_LENGTH, 1, 4096);

  if (cfg.has("tenant_from")) {
    const sources = cfg.objectList("tenant_from");
    if (sources.length == 0) cfg.error("tenant_from", "must list at least one source");
    for (let i = 0; i < sources.length; i++) {
      const s = parseSource(unchecked(sources[i]));
      if (s != null) config.sources.push(s);
    }
  } else {
    config.sources.push(new TenantSource(SourceKind.Header, "x-tenant-id", 0));
  }

  if (cfg.has("lanes")) {
    const errorsBefore = cfg.errors.count;
    const lanes = cfg.objectList("lanes");
    // An empty list is an error of its own only when objectList reported nothing (not a list, items not objects).
    if (lanes.length == 0 && cfg.errors.count == errorsBefore && config.defaultTag.length == 0) {
      cfg.error("lanes", "must list at least one lane (or set default_tag)");
    }
    for (let i = 0; i < lanes.length; i++) config.lanes.push(parseLane(unchecked(lanes[i])));
  } else if (config.defaultTag.length == 0) {
    cfg.error("lanes", "is required (a list of lanes, or a default_tag)");
  }

  const sticky = cfg.value.get("sticky_cookie");
  if (sticky != null && !sticky.isNull()) config.stickyCookie = parseStickyCookie(cfg, sticky, config);
  return config;
}

/**
 * Attaches the per-tag counters of an accepted configuration (defining a metric is a host call:
 * never while parsing, so validating a configuration changes nothing).
 */
export function activateConfig(config: Config): void {
  const trafficTag = config.trafficTag;
  if (trafficTag != null) {
    activateTrafficTag(trafficTag);
    return;
  }
  const m = metrics();
  for (let i = 0; i < config.lanes.length; i++) {
    const lane = unchecked(config.lanes[i]);
    const counter = m.lane(lane.tag);
    lane.counter = counter;
    config.laneCounters.set(lane.tag, counter);
  }
  if (config.defaultTag.length > 0) config.defaultCounter = m.lane(config.defaultTag);
}

const COOKIE_NAME = "must be a cookie name (an HTTP token)";

/** A tag the plugin sets or keeps: 1 to 64 HTTP token characters (also a valid baggage value). */
export function isValidTag(tag: string): bool {
  return tag.length <= MAX_TAG_LENGTH && isToken(tag);
}

/** Reports an invalid tag; true when it is valid. */
function checkTag(cfg: ConfigObject, key: string, tag: string): bool {
  if (isValidTag(tag)) return true;
  cfg.error(key, "must be 1 to " + MAX_TAG_LENGTH.toString() + " HTTP token characters (letters, digits, !#$%&'*+-.^_`|~)");
  return false;
}

const PATH_SEGMENT_MAX: i64 = 64;
const HOST_LABEL_MAX: i64 = 126;

/** What each source's value must be, by SourceKind (also the error for a null value). */
const SOURCE_VALUES = [
  HEADER_NAME,
  COOKIE_NAME,
  "must be a non-empty string",
  "must be an integer from 1 to " + PATH_SEGMENT_MAX.toString(),
  "must be an integer from 0 to " + HOST_LABEL_MAX.toString(),
  HEADER_NAME,
];

function parseSource(s: ConfigObject): TenantSource | null {
  s.allowOnly(SOURCE_KEYS);
  const index = s.exactlyOneOf(SOURCE_KEYS);
  if (index < 0) return null;
  const key = unchecked(SOURCE_KEYS[index]);
  const kind = <SourceKind>index;
  if (!s.has(key)) {
    // Null is not "use the default": the same error as any other wrong value, for every source.
    s.error(key, unchecked(SOURCE_VALUES[<i32>kind]));
    return null;
  }
  if (kind == SourceKind.PathSegment) {
    return new TenantSource(kind, "", <i32>s.int(key, 1, 1, PATH_SEGMENT_MAX));
  }
  if (kind == SourceKind.HostLabel) {
    return new TenantSource(kind, "", <i32>s.int(key, 0, 0, HOST_LABEL_MAX));
  }
  if (kind == SourceKind.Header || kind == SourceKind.ClaimHeader) {
    return new TenantSource(kind, s.headerName(key, null), 0);
  }
  const name = s.requiredString(key);
  if (kind == SourceKind.Cookie && name.length > 0 && !isToken(name)) s.error(key, COOKIE_NAME);
  return new TenantSource(kind, name, 0);
}

function parseLane(l: ConfigObject): Lane {
  l.allowOnly(["tag", "tenants", "tenant_prefixes", "percentage", "source_cidrs"]);
  const lane = new Lane();
  lane.tag = l.requiredString("tag");
  if (lane.tag.length > 0) checkTag(l, "tag", lane.tag);
  const tenants = l.stringList("tenants");
  for (let i = 0; i < tenants.length; i++) lane.tenants.add(unchecked(tenants[i]));
  const prefixes = l.stringList("tenant_prefixes");
  for (let i = 0; i < prefixes.length; i++) {
    const p = unchecked(prefixes[i]);
    if (p.length == 0) l.errors.add(l.pathOf("tenant_prefixes") + "[" + i.toString() + "]", "must not be empty (use percentage: 100 for every tenant)");
    else lane.prefixes.add(p);
  }
  if (l.has("percentage")) lane.percentage = <i32>l.int("percentage", 0, 0, 100);
  lane.byTenant = l.has("tenants") || l.has("tenant_prefixes") || l.has("percentage");
  const cidrs = l.stringList("source_cidrs");
  for (let i = 0; i < cidrs.length; i++) {
    const c = Cidr.parse(unchecked(cidrs[i]));
    if (c == null) l.errors.add(l.pathOf("source_cidrs") + "[" + i.toString() + "]", "must be an IPv4 or IPv6 range such as 10.0.0.0/8 or 2001:db8::/32");
    else lane.cidrs.push(c);
  }
  if (!lane.byTenant && !l.has("source_cidrs")) {
    l.errors.add(l.path, "needs at least one of tenants, tenant_prefixes, percentage, source_cidrs");
  }
  return lane;
}

const SAME_SITE = ["Strict", "Lax", "None"];

function parseStickyCookie(cfg: ConfigObject, v: JsonValue, config: Config): StickyCookie {
  const sticky = new StickyCookie();
  let name = "";
  let path = "/";
  let domain = "";
  let maxAge: i64 = 86400;
  let secure = false;
  let httpOnly = true;
  let sameSite = "Lax";
  if (v.isString()) {
    name = v.stringValue;
  } else {
    const c = cfg.object("sticky_cookie");
    if (c == null) return sticky; // error reported
    c.allowOnly(["name", "path", "domain", "max_age", "secure", "http_only", "same_site"]);
    name = c.requiredString("name");
    path = c.string("path", path);
    if (path.length == 0 || path.charCodeAt(0) != 0x2f || hasControlChars(path) || path.includes(";")) c.error("path", "must start with '/' and contain no ';' or control characters");
    domain = c.string("domain", "");
    if (domain.length > 0 && !isToken(domain)) c.error("domain", "must be a domain name");
    maxAge = c.int("max_age", maxAge, 1, 315360000);
    secure = c.bool("secure", secure);
    httpOnly = c.bool("http_only", httpOnly);
    sameSite = unchecked(SAME_SITE[c.oneOf("same_site", SAME_SITE, SAME_SITE.indexOf(sameSite))]);
    if (sameSite == "None" && !secure) c.error("same_site", "None requires secure: true (browsers drop the cookie otherwise)");
  }
  if (!isToken(name)) cfg.error("sticky_cookie", "the cookie name must be an HTTP token");
  sticky.name = name;
  let attributes = "; Path=" + path;
  if (domain.length > 0) attributes += "; Domain=" + domain;
  const flags = (secure ? "; Secure" : "") + (httpOnly ? "; HttpOnly" : "") + "; SameSite=" + sameSite;
  sticky.attributes = attributes + "; Max-Age=" + maxAge.toString() + flags;
  sticky.clear = name + "=" + attributes + "; Max-Age=0" + flags;
  for (let i = 0; i < config.lanes.length; i++) {
    const lane = unchecked(config.lanes[i]);
    lane.setCookie = name + "=" + lane.tag + sticky.attributes;
  }
  return sticky;
}
