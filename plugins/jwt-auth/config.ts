// Configuration of jwt-auth (README.md has the tables). Consumers are defined once, at the top
// level; a `_rules_` entry only says who is allowed there (`allow`, `allow_missing`) and shares
// the top level's consumers, token sources and cache.

import { ConfigObject, HEADER_NAME } from "../../assembly/config";
import { ClaimsPolicy } from "../../assembly/crypto/jwt-claims";
import { parseJwksBytes } from "../../assembly/crypto/jwk";
import { hasControlChars } from "../../assembly/lib/ascii";
import { encodeBytes } from "../../assembly/lib/bytes-text";
import { JsonValue } from "../../assembly/lib/json";
import { ClaimHeader } from "./claim-headers";
import { KeySet } from "./key-set";
import { parseRemoteJwks, RemoteJwksConfig } from "./remote-config";
import { TokenCache } from "./token-cache";

export const CONSUMER_HEADER = "x-mse-consumer";

export enum SourceKind { Header, Param, Cookie }

/** One place a token is read from, with the consumers that read it there. */
export class TokenSource {
  consumers: Consumer[] = [];
  constructor(public readonly kind: SourceKind, public readonly name: string, public readonly prefix: string) {}
  same(kind: SourceKind, name: string, prefix: string): bool { return this.kind == kind && this.name == name && this.prefix == prefix; }
}

export class Consumer {
  name: string = "";
  keySet: KeySet = new KeySet();
  /** Set for `remote_jwks`; its key set is built at activation. */
  remote: RemoteJwksConfig | null = null;
  policy: ClaimsPolicy = new ClaimsPolicy();
  /** Required claim values (`claims`), an object; null when none. */
  claims: JsonValue | null = null;
  claimHeaders: ClaimHeader[] = [];
  keepToken: bool = true;
}

/** What the top level defines and every rule shares. */
export class Consumers {
  list: Consumer[] = [];
  /** Every token source of every consumer, headers first, then parameters, then cookies. */
  sources: TokenSource[] = [];
  /** Headers only a verification may set: x-mse-consumer and every claim header. */
  identityHeaders: string[] = [CONSUMER_HEADER];
  maxTokenBytes: i32 = 8192;
  cache: TokenCache = new TokenCache(1000);

  has(name: string): bool {
    for (let i = 0; i < this.list.length; i++) if (unchecked(this.list[i]).name == name) return true;
    return false;
  }
}

export class Config {
  consumers: Consumers = new Consumers();
  /** A token is needed (global_auth, or a rule). */
  required: bool = true;
  /** Consumer names allowed; null: any consumer. */
  allow: Set<string> | null = null;
  allowMissing: bool = false;
}

const GLOBAL_KEYS = ["consumers", "global_auth", "allow", "allow_missing", "max_token_bytes", "token_cache_size"];
const RULE_KEYS = ["allow", "allow_missing"];
const CONSUMER_KEYS = [
  "name", "jwks", "remote_jwks", "issuer", "audiences", "claims", "claims_to_headers", "from_headers", "from_params",
  "from_cookies", "clock_skew_seconds", "keep_token", "require_expiration", "max_lifetime_seconds",
];

/**
 * The top level's consumers while a configuration is parsed: rules are parsed right after the top
 * level (rules.ts parseRuleSet) and share them. Reset before each parse (JwtAuthPlugin.parse).
 */
let topLevel: Consumers | null = null;

export function resetParse(): void { topLevel = null; }

export function parseConfig(cfg: ConfigObject): Config {
  const config = new Config();
  const isRule = cfg.path.length > 0;
  cfg.allowOnly(isRule ? RULE_KEYS : GLOBAL_KEYS);
  if (isRule) {
    const shared = topLevel;
    if (shared == null) cfg.errors.add("consumers", "is required at the top level (rules only name consumers)");
    else config.consumers = shared;
    config.required = true;
  } else {
    config.consumers = parseConsumers(cfg);
    topLevel = config.consumers;
    config.required = cfg.bool("global_auth", cfg.value.get("_rules_") == null);
  }
  config.allowMissing = cfg.bool("allow_missing", false);
  if (cfg.has("allow")) {
    const names = cfg.stringList("allow");
    const allow = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      const name = unchecked(names[i]);
      if (!config.consumers.has(name)) cfg.errors.add(cfg.pathOf("allow") + "[" + i.toString() + "]", quote(name) + " is not a consumer");
      allow.add(name);
    }
    if (names.length == 0) cfg.error("allow", "must name at least one consumer (leave it out to allow any)");
    config.allow = allow;
  }
  return config;
}

function parseConsumers(cfg: ConfigObject): Consumers {
  const c = new Consumers();
  c.maxTokenBytes = <i32>cfg.int("max_token_bytes", 8192, 256, 65536);
  c.cache = new TokenCache(<i32>cfg.int("token_cache_size", 1000, 0, 100000));
  if (!cfg.has("consumers")) {
    cfg.error("consumers", "is required (a list of consumers)");
    return c;
  }
  const items = cfg.objectList("consumers");
  if (items.length == 0) cfg.error("consumers", "must list at least one consumer");
  for (let i = 0; i < items.length; i++) {
    const item = unchecked(items[i]);
    const consumer = parseConsumer(item);
    if (consumer.name.length > 0 && c.has(consumer.name)) item.error("name", quote(consumer.name) + " is already a consumer");
    c.list.push(consumer);
    addSources(c, item, consumer);
    for (let h = 0; h < consumer.claimHeaders.length; h++) {
      const header = unchecked(consumer.claimHeaders[h]).header;
      if (!c.identityHeaders.includes(header)) c.identityHeaders.push(header);
    }
  }
  // A claim header is removed from every request first: it cannot also carry the token.
  for (let s = 0; s < c.sources.length; s++) {
    const source = unchecked(c.sources[s]);
    if (source.kind == SourceKind.Header && c.identityHeaders.includes(source.name)) {
      cfg.error("consumers", "header " + quote(source.name) + " is both a token source and an identity header (x-mse-consumer or a claims_to_headers header)");
    }
  }
  return c;
}

function parseConsumer(cfg: ConfigObject): Consumer {
  cfg.allowOnly(CONSUMER_KEYS);
  const c = new Consumer();
  c.name = cfg.requiredString("name");
  if (hasControlChars(c.name, true)) cfg.error("name", "must not contain control characters (it becomes the x-mse-consumer value)");
  parseKeys(cfg, c);
  const policy = c.policy;
  policy.issuer = cfg.string("issuer", "");
  if (cfg.has("audiences")) {
    policy.audiences = cfg.stringList("audiences");
    if (policy.audiences.length == 0) cfg.error("audiences", "must list at least one audience (leave it out to skip the check)");
  }
  policy.clockSkewSeconds = <f64>cfg.int("clock_skew_seconds", 60, 0, 600);
  policy.requireExpiration = cfg.bool("require_expiration", true);
  policy.maxLifetimeSeconds = <f64>cfg.int("max_lifetime_seconds", 0, 0, 10 * 365 * 86400);
  c.keepToken = cfg.bool("keep_token", true);
  const claims = cfg.object("claims");
  if (claims != null) {
    const v = claims.value;
    for (let i = 0; i < v.keys.length; i++) {
      const item = unchecked(v.values[i]);
      if (!item.isString() && !item.isNumber() && !item.isBool()) claims.error(unchecked(v.keys[i]), "must be a string, a number or a bool");
    }
    c.claims = v;
  }
  const mappings = cfg.objectList("claims_to_headers");
  const mapped = new Set<string>();
  for (let i = 0; i < mappings.length; i++) {
    const m = unchecked(mappings[i]);
    m.allowOnly(["claim", "header", "override"]);
    const claim = m.requiredString("claim");
    const header = m.headerName("header", null);
    if (header == CONSUMER_HEADER) m.error("header", "x-mse-consumer is set by the plugin itself");
    if (mapped.has(header)) m.error("header", quote(header) + " is already mapped");
    mapped.add(header);
    c.claimHeaders.push(new ClaimHeader(claim, claim.split("."), header, m.bool("override", true)));
  }
  return c;
}

/** Exactly one of `jwks` (a JSON string, as Higress has it, or an object) and `remote_jwks`. */
function parseKeys(cfg: ConfigObject, c: Consumer): void {
  if (cfg.exactlyOneOf(["jwks", "remote_jwks"]) < 0) return;
  if (cfg.value.get("remote_jwks") != null) {
    const remote = cfg.object("remote_jwks");
    if (remote != null) c.remote = parseRemoteJwks(remote);
    else if (!cfg.has("remote_jwks")) cfg.error("remote_jwks", "must be an object");
    return;
  }
  const v = cfg.value.get("jwks")!;
  let bytes: Uint8Array;
  if (v.isString()) bytes = Uint8Array.wrap(encodeBytes(v.stringValue));
  else if (v.isObject()) bytes = Uint8Array.wrap(encodeBytes(v.toString()));
  else {
    cfg.error("jwks", "must be a JWKS: a JSON string or an object");
    return;
  }
  const result = parseJwksBytes(bytes);
  // A configured set is all good or rejected: errors read "consumers[1].jwks.keys[0] (kid "a"): why".
  const at = cfg.pathOf("jwks") + (result.valid ? "." : ": ");
  for (let i = 0; i < result.errors.length; i++) cfg.errors.add("", at + unchecked(result.errors[i]));
  if (result.valid && result.errors.length == 0 && result.keys.length == 0) cfg.error("jwks", "has no keys");
  for (let i = 0; i < result.keys.length; i++) {
    const key = unchecked(result.keys[i]);
    if (key.kty == "oct" && key.k.length < 32) {
      cfg.error("jwks", "HMAC key" + (key.kid.length > 0 ? " " + quote(key.kid) : "") + " has " + key.k.length.toString() + " bytes, at least 32 are needed (RFC 7518 3.2)");
    }
  }
  c.keySet.keys = result.keys;
}

const DEFAULT_HEADER = "authorization";
const DEFAULT_PREFIX = "Bearer ";
const DEFAULT_PARAM = "access_token";

/** The consumer's sources (Higress defaults when it sets none), merged into the shared list. */
function addSources(c: Consumers, cfg: ConfigObject, consumer: Consumer): void {
  const explicit = cfg.has("from_headers") || cfg.has("from_params") || cfg.has("from_cookies");
  if (!explicit) {
    addSource(c, consumer, SourceKind.Header, DEFAULT_HEADER, DEFAULT_PREFIX);
    addSource(c, consumer, SourceKind.Param, DEFAULT_PARAM, "");
    return;
  }
  const headers = cfg.objectList("from_headers");
  for (let i = 0; i < headers.length; i++) {
    const h = unchecked(headers[i]);
    h.allowOnly(["name", "value_prefix"]);
    addSource(c, consumer, SourceKind.Header, h.headerName("name", null), h.string("value_prefix", ""));
  }
  const params = cfg.stringList("from_params");
  for (let i = 0; i < params.length; i++) {
    const p = unchecked(params[i]);
    if (p.length == 0) cfg.errors.add(cfg.pathOf("from_params") + "[" + i.toString() + "]", "must be a non-empty string");
    else addSource(c, consumer, SourceKind.Param, p, "");
  }
  const cookies = cfg.stringList("from_cookies");
  for (let i = 0; i < cookies.length; i++) {
    const k = unchecked(cookies[i]);
    if (k.length == 0) cfg.errors.add(cfg.pathOf("from_cookies") + "[" + i.toString() + "]", "must be a non-empty string");
    else addSource(c, consumer, SourceKind.Cookie, k, "");
  }
}

function addSource(c: Consumers, consumer: Consumer, kind: SourceKind, name: string, prefix: string): void {
  let at = 0;
  for (; at < c.sources.length; at++) {
    const s = unchecked(c.sources[at]);
    if (s.same(kind, name, prefix)) {
      if (!s.consumers.includes(consumer)) s.consumers.push(consumer);
      return;
    }
    if (s.kind > kind) break;
  }
  const source = new TokenSource(kind, name, prefix);
  source.consumers.push(consumer);
  c.sources.push(source);
  for (let i = c.sources.length - 1; i > at; i--) unchecked((c.sources[i] = c.sources[i - 1]));
  unchecked((c.sources[at] = source));
}

function quote(s: string): string { return "\"" + s + "\""; }
