// tenant-gray: tenant sources (claim header, header, cookie, query, path segment, host label),
// client addresses (source.address), tags and baggage already on the request, Higress traffic-tag.
import { exampleConfig } from "../../envoy/example-config.ts";
import { addedResponseValues, type CheckContext, type HostSpec, type PluginFuzzer, type RequestCase } from "../engine.ts";
import { bin, long, mutate, RAW, text, type RawHeader } from "../bytes.ts";
import { authority, baggageHeaders, clientAddress, cookieHeader, pathOf, queryString, routeProperties } from "../inputs.ts";
import type { Rng } from "../rng.ts";

const EXAMPLE = "envoy-examples/tenant-gray/envoy.yaml";
const CHAIN = "envoy-examples/all-in-one/envoy.yaml";
/** Every source, a CIDR lane, override off, a default tag, its own baggage key and a full sticky cookie. */
const EVERYTHING = {
  tenant_from: [{ query: "tenant" }, { path_segment: 2 }, { host_label: 0 }, { cookie: "tenant" }, { header: "x-tenant-id" }, { claim_header: "x-jwt-tenant" }],
  max_tenant_length: 4096,
  lanes: [
    { tag: "blue", tenants: ["acme", "x".repeat(4096)], source_cidrs: ["2001:db8::/32", "10.0.0.0/8", "::ffff:0:0/96"] },
    { tag: "gray", tenant_prefixes: ["beta-", "b"], percentage: 50 },
    { tag: "office", source_cidrs: ["127.0.0.0/8", "::1/128"] },
  ],
  tag_header: "x-lane", override: false, baggage_key: "lane", default_tag: "base",
  sticky_cookie: { name: "lane", max_age: 60, path: "/app", domain: "example.com", secure: true, http_only: false, same_site: "None" },
  debug_header: "x-lane-why",
};

const TENANTS = ["acme", "globex", "initech", "beta-1", "beta-", "staff-x", "hooli", "tenant-40", "b", "ACME", "", " acme", "acme ", "a\tb", "%61cme", "x".repeat(4096)];
const TAGS = ["gray", "base", "blue", "office", "GRAY", "", "gray ", "gr%61y"];
const ROUTES = ["base", "gray", "reports", "reports-gray", "tenant-path", "tenant-path-gray", "public", "other", ""];
const REASON = "(tenants|prefix|percentage|source|cookie|header|default|no-tenant|no-lane)";

interface LaneRule {
  tagHeader: string;
  tags: string[];
  override: boolean;
  setCookie?: RegExp;
  /** debug header name and the tags it may name */
  debug?: [string, string[]];
}

/** The tag is a configured one (or the client's, override off); Set-Cookie and debug header well formed. */
function laneCheck(rule: LaneRule) {
  const debugRe = rule.debug && new RegExp(`^(${rule.debug[1].join("|")});by=${REASON}$`);
  return ({ sent, s, c }: CheckContext): string | null => {
    const before = sent.filter(([k]) => k === rule.tagHeader).map(([, v]) => v);
    const out = s.requestHeaderMap.getAllBytes(rule.tagHeader).map(bin);
    const fromClient = out.length === before.length && out.every((v, i) => v === before[i]);
    if (!fromClient) {
      if (out.length > 1) return `${rule.tagHeader} written ${out.length} times`;
      if (out.length === 1 && !rule.tags.includes(out[0])) return `${rule.tagHeader}: ${JSON.stringify(out[0].slice(0, 80))} is no configured tag`;
    } else if (rule.override && out.length && !(out.length === 1 && rule.tags.includes(out[0]))) {
      return `override is on, yet the client's ${rule.tagHeader} ${JSON.stringify(out.join(",").slice(0, 80))} went upstream`;
    }
    const cookie = addedResponseValues(s, c, "set-cookie");
    if (cookie.length > 1 || (cookie.length === 1 && !rule.setCookie?.test(cookie[0]))) return `set-cookie ${JSON.stringify(cookie)}`;
    if (rule.debug) {
      const d = addedResponseValues(s, c, rule.debug[0]);
      // a kept client tag is named when it is a token, "?" otherwise (plugins/tenant-gray/index.ts)
      const kept = before.length > 0 && d.length === 1 && (d[0] === `${before[0]};by=header` || d[0] === "?;by=header");
      if (d.length !== 1 || !(debugRe!.test(d[0]) || kept)) return `debug header ${rule.debug[0]}: ${JSON.stringify(d)}`;
    }
    return null;
  };
}

export const tenantGray: PluginFuzzer = {
  name: "tenant-gray",
  shapes: ["baggage", "cookie", "query", "values", "headers"],
  hosts(): HostSpec[] {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "tenant-gray"), ownedBaggageKeys: ["x-mse-tag"], ownedHeaders: ["x-mse-tag", "baggage"],
        check: laneCheck({ tagHeader: "x-mse-tag", tags: ["gray"], override: true, debug: ["x-tenant-lane", ["gray", "base"]],
          setCookie: /^x-mse-lane=(gray)?; Path=\/; Max-Age=(3600|0); HttpOnly; SameSite=Lax$/ }) },
      { name: "traffic-tag", workers: 1, config: exampleConfig(EXAMPLE, "tenant-gray-traffic-tag"), ownedBaggageKeys: [], ownedHeaders: ["x-mse-tag"],
        check: laneCheck({ tagHeader: "x-mse-tag", tags: ["gray", "base"], override: false }) },
      { name: "chain", workers: 1, config: exampleConfig(CHAIN, "tenant-gray"), ownedBaggageKeys: ["x-mse-tag"], ownedHeaders: ["x-mse-tag", "baggage"],
        check: laneCheck({ tagHeader: "x-mse-tag", tags: ["gray"], override: true, debug: ["x-tenant-lane", ["gray", "base"]] }) },
      { name: "everything", workers: 1, config: JSON.stringify(EVERYTHING), ownedBaggageKeys: ["lane"], ownedHeaders: ["x-lane", "baggage"],
        check: laneCheck({ tagHeader: "x-lane", tags: ["blue", "gray", "office", "base"], override: false, debug: ["x-lane-why", ["blue", "gray", "office", "base"]],
          setCookie: /^lane=(blue|gray)?; Path=\/app; Domain=example\.com; Max-Age=(60|0); Secure; SameSite=None$/ }) },
    ];
  },
  configSeeds() {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "tenant-gray") },
      { name: "traffic-tag", config: exampleConfig(EXAMPLE, "tenant-gray-traffic-tag") },
      { name: "chain", config: exampleConfig(CHAIN, "tenant-gray") },
      { name: "everything", config: EVERYTHING },
      { name: "traffic-tag weights", config: { weightGroups: [{ headerName: "x-mse-tag", headerValue: "gray", weight: 30 }, { headerName: "x-mse-tag", headerValue: "blue", weight: 30 }] } },
    ];
  },
  request(r: Rng, { shape }): RequestCase {
    const tenant = () => (shape === "values" ? long(r, 10240) : r.chance(0.45) ? r.pick(TENANTS) : r.chance(0.5) ? mutate(r, r.pick(TENANTS)) : r.chance(0.8) ? text(r, 40) : r.pick(RAW) + r.pick(TENANTS));
    let path: string;
    switch (shape === "query" ? 3 : r.int(5)) {
      case 0: path = `/${r.pick(["t", "tenants", "app"])}/${tenant()}/${text(r, 10)}`; break;
      case 1: path = `/reports${text(r, 10)}`; break;
      case 2: path = pathOf(r, ["t", "app", ...TENANTS.slice(0, 8)], shape === "values");
        break;
      default: path = `/${r.pick(["app", "t/acme", ""])}?${queryString(r, ["tenant", "uid", "x-mse-lane"], TENANTS, shape === "query")}`;
    }
    const h: RawHeader[] = [[":path", path]];
    if (r.chance(0.3)) h.push([":authority", authority(r, TENANTS.slice(0, 8), [".tenants.example.com", ".example.com", ".TENANTS.EXAMPLE.COM", ""])]);
    if (shape === "values" || r.chance(0.45)) h.push(["x-tenant-id", tenant()]);
    if (shape === "values" || r.chance(0.15)) h.push(["x-jwt-tenant", tenant()]);
    if (shape === "cookie" || r.chance(0.4)) {
      const cookies = r.chance(0.1) ? 2 + r.int(3) : 1;
      for (let i = 0; i < cookies; i++) h.push(["cookie", cookieHeader(r, ["tenant", "x-mse-lane", "uid", "lane"], [...TENANTS, ...TAGS], shape === "cookie" && i === 0)]);
    }
    if (r.chance(0.2)) h.push([r.pick(["x-mse-tag", "x-lane"]), r.pick(TAGS)]);
    if (r.chance(0.05)) h.push([r.pick(["x-mse-tag", "x-lane"]), text(r, 20)]);
    if (shape === "baggage" || r.chance(0.3)) h.push(...baggageHeaders(r, ["x-mse-tag", "lane", "tenant"], TAGS, { big: shape === "baggage" }));
    if (r.chance(0.3)) h.push(["x-user-id", r.chance(0.5) ? r.pick(["u1", "u2", "u3"]) : text(r, 20)]);
    if (shape === "headers" || r.chance(0.02)) {
      const name = r.pick(["x-tenant-id", "x-jwt-tenant", "cookie", "x-mse-tag", "baggage", "x-user-id"]);
      for (let i = 0; i < (shape ? 95 : 20 + r.int(70)); i++) h.push([name, r.chance(0.5) ? r.pick(TENANTS) : `tenant=${r.pick(TENANTS)}`]);
    }
    return { host: 0, headers: h, properties: { ...routeProperties(r, r.pick(ROUTES)), "source.address": clientAddress(r) } };
  },
  statusOk(status) {
    return status === 200;
  },
};
