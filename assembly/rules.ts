// Higress rule conventions: a configuration is a global part (every top-level key
// except `_rules_`) plus `_rules_`, a list of objects each holding match keys and
// the rule's own flattened configuration:
//   {"rules": [...], "_rules_": [{"_match_route_": ["r1"], "rules": [...]}]}
// Match keys: `_match_route_` (route names), `_match_route_prefix_` (route-name
// prefixes), `_match_domain_` (hosts: exact, "*.suffix", "prefix*"),
// `_match_service_` (cluster "outbound|port|subset|fqdn" matched by fqdn or
// fqdn:port; other cluster names exactly), `_disable_` (true = plugin off there).
// A rule matches when every match key it has matches (any value of a key); the
// first matching rule wins; otherwise the global part applies if there is one;
// otherwise the plugin does nothing for the request.

import { ConfigErrors, ConfigObject } from "./config";
import { asciiLower } from "./lib/ascii";
import { JsonValue } from "./lib/json";
import { RequestView } from "./request-view";

const MATCH_KEYS = ["_match_route_", "_match_route_prefix_", "_match_domain_", "_match_service_"];

export class DomainPattern {
  // kind: 0 exact, 1 suffix ("*.example.com" => ".example.com"), 2 prefix ("api.*" => "api.")
  constructor(public kind: i32, public text: string) {}

  static parse(pattern: string): DomainPattern {
    const p = asciiLower(pattern);
    if (p.startsWith("*")) return new DomainPattern(1, p.substring(1));
    if (p.endsWith("*")) return new DomainPattern(2, p.substring(0, p.length - 1));
    return new DomainPattern(0, p);
  }

  matches(host: string): bool {
    if (this.kind == 0) return host == this.text;
    if (this.kind == 1) return host.length > this.text.length && host.endsWith(this.text);
    return host.startsWith(this.text);
  }
}

export class MatchRule<C> {
  routes: Set<string> = new Set<string>();
  routePrefixes: Array<string> = new Array<string>();
  domains: Array<DomainPattern> = new Array<DomainPattern>();
  services: Array<string> = new Array<string>();
  disabled: bool = false;
  config: C | null = null;
}

/** The request's cluster matches a `_match_service_` entry: fqdn or fqdn:port, or the whole name. */
function serviceMatches(view: RequestView, service: string): bool {
  const fqdn = view.serviceFqdn();
  if (fqdn == null) return view.clusterName() == service;
  if (service == fqdn) return true;
  const port = view.servicePortText();
  return service.length == fqdn.length + 1 + port.length && service.charCodeAt(fqdn.length) == 0x3a &&
    service.startsWith(fqdn) && service.endsWith(port);
}

export class RuleSet<C> {
  global: C | null = null;
  rules: Array<MatchRule<C>> = new Array<MatchRule<C>>();

  /** The configuration for `view`'s request, or null when the plugin does not apply. */
  select(view: RequestView): C | null {
    if (this.rules.length == 0) return this.global;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = unchecked(this.rules[i]);
      if (!ruleMatches<C>(rule, view)) continue;
      return rule.disabled ? null : rule.config;
    }
    return this.global;
  }
}

/** Every match key the rule has matches `view` (with any of its values). */
function ruleMatches<C>(rule: MatchRule<C>, view: RequestView): bool {
  if (rule.routes.size > 0 && !rule.routes.has(view.routeName())) return false;
  if (rule.routePrefixes.length > 0) {
    const route = view.routeName();
    let any = false;
    for (let i = 0; i < rule.routePrefixes.length && !any; i++) any = route.startsWith(unchecked(rule.routePrefixes[i]));
    if (!any) return false;
  }
  if (rule.domains.length > 0) {
    const authority = view.hostName();
    const host = authority == null ? "" : authority;
    let any = false;
    for (let i = 0; i < rule.domains.length && !any; i++) any = unchecked(rule.domains[i]).matches(host);
    if (!any) return false;
  }
  if (rule.services.length > 0) {
    let any = false;
    for (let i = 0; i < rule.services.length && !any; i++) any = serviceMatches(view, unchecked(rule.services[i]));
    if (!any) return false;
  }
  return true;
}

/**
 * Splits a configuration into its global part and `_rules_` and parses each with `parse`.
 * An empty configuration ({}) is a global configuration with all defaults.
 */
export function parseRuleSet<C>(root: JsonValue, parse: (cfg: ConfigObject) => C, errors: ConfigErrors): RuleSet<C> {
  const set = new RuleSet<C>();
  let hasGlobalKeys = false;
  for (let i = 0; i < root.keys.length; i++) {
    const key = unchecked(root.keys[i]);
    if (!key.startsWith("_")) hasGlobalKeys = true;
  }
  const rulesValue = root.get("_rules_");
  const top = new ConfigObject(root, "", errors);
  if (hasGlobalKeys || rulesValue == null) set.global = parse(top);
  if (rulesValue == null) return set;
  const rules = top.objectList("_rules_");
  for (let i = 0; i < rules.length; i++) {
    const r = unchecked(rules[i]);
    const rule = new MatchRule<C>();
    const routes = r.stringList("_match_route_");
    for (let k = 0; k < routes.length; k++) rule.routes.add(unchecked(routes[k]));
    rule.routePrefixes = r.stringList("_match_route_prefix_");
    const domains = r.stringList("_match_domain_");
    for (let d = 0; d < domains.length; d++) rule.domains.push(DomainPattern.parse(unchecked(domains[d])));
    rule.services = r.stringList("_match_service_");
    rule.disabled = r.bool("_disable_", false);
    let hasMatch = false;
    for (let k = 0; k < MATCH_KEYS.length; k++) {
      const v = r.value.get(unchecked(MATCH_KEYS[k]));
      if (v != null && v.isArray() && v.items.length > 0) hasMatch = true;
    }
    if (!hasMatch) r.errors.add(r.path, "needs at least one non-empty " + MATCH_KEYS.join(", "));
    if (!rule.disabled) rule.config = parse(r);
    set.rules.push(rule);
  }
  return set;
}
