// baggage-tag: W3C baggage, uberctx-*, ot-baggage-*, sw8-correlation, the tag headers themselves.
import { exampleConfig } from "../../envoy/example-config.ts";
import type { CheckContext, HostSpec, PluginFuzzer, RequestCase } from "../engine.ts";
import { bin, ESCAPES, long, mutate, text, token, type RawHeader } from "../bytes.ts";
import { baggageHeaders, pathOf, sw8, routeProperties } from "../inputs.ts";
import type { Rng } from "../rng.ts";

const EXAMPLE = "envoy-examples/baggage-tag/envoy.yaml";
const README_CONFIG = {
  rules: [{ baggage_key: "x-mse-tag", header: "x-mse-tag", override: false, allowed_values: ["gray", "blue", "base"], max_length: 64, default: "base", propagate_to_baggage: true }],
};
const ALL_SOURCES = {
  rules: [
    { baggage_key: "x-mse-tag", sources: ["skywalking", "opentracing", "jaeger", "baggage"], propagate_to_baggage: true, override: true },
    { baggage_key: "tenant", header: "x-tenant", max_length: 4096, propagate_to_baggage: true },
    { baggage_key: "lane", header: "x-lane", allowed_values: ["a", "b"], default: "a" },
  ],
};

const KEYS = ["x-mse-tag", "tenant", "lane", "X-Mse-Tag", "x-mse-tag ", "x_mse_tag", "k"];
const HITS = ["gray", "blue", "base", "a", "b", "acme", "x".repeat(16), "x".repeat(17), "x".repeat(4096), "gr ay", "GRAY", ""];
const ROUTES = ["rules-tagged", "untagged", "", "other"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface TagRule { header: string; allowed?: string[]; maxLength: number }

/** The tag header holds what the client sent or a valid tag of the rule. */
function tagCheck(rules: TagRule[]) {
  return ({ sent, s }: CheckContext): string | null => {
    for (const rule of rules) {
      const before = sent.find(([k]) => k === rule.header)?.[1];
      const outBytes = s.requestHeaderMap.getAllBytes(rule.header).map(bin);
      if (outBytes.length > 1 && before === undefined) return `${rule.header} written ${outBytes.length} times`;
      const out = outBytes[0];
      if (out === undefined || out === before) continue;
      if (!TOKEN.test(out) || out.length > rule.maxLength || (rule.allowed && !rule.allowed.includes(out))) {
        return `${rule.header}: ${JSON.stringify(out.slice(0, 100))} is not a valid tag of the rule`;
      }
    }
    return null;
  };
}

export const baggageTag: PluginFuzzer = {
  name: "baggage-tag",
  shapes: ["baggage", "values", "headers", "sw8"],
  hosts(): HostSpec[] {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "baggage-tag"), ownedBaggageKeys: ["x-mse-tag", "tenant"], ownedHeaders: ["x-mse-tag", "x-tenant", "baggage"],
        check: tagCheck([{ header: "x-mse-tag", allowed: ["gray", "base", "blue"], maxLength: 64 }, { header: "x-tenant", maxLength: 16 }]) },
      { name: "example-rules", workers: 1, config: exampleConfig(EXAMPLE, "baggage-tag-rules"), ownedBaggageKeys: ["x-mse-tag"], ownedHeaders: ["x-mse-tag", "baggage"],
        check: tagCheck([{ header: "x-mse-tag", maxLength: 64 }]) },
      { name: "readme", workers: 1, config: JSON.stringify(README_CONFIG), ownedBaggageKeys: ["x-mse-tag"], ownedHeaders: ["x-mse-tag", "baggage"],
        check: tagCheck([{ header: "x-mse-tag", allowed: ["gray", "blue", "base"], maxLength: 64 }]) },
      { name: "all-sources", workers: 1, config: JSON.stringify(ALL_SOURCES), ownedBaggageKeys: ["x-mse-tag", "tenant", "lane"], ownedHeaders: ["x-mse-tag", "x-tenant", "x-lane", "baggage"],
        check: tagCheck([{ header: "x-mse-tag", maxLength: 64 }, { header: "x-tenant", maxLength: 4096 }, { header: "x-lane", allowed: ["a", "b"], maxLength: 64 }]) },
      { name: "empty", workers: 1, config: "", ownedBaggageKeys: ["x-mse-tag"], ownedHeaders: ["x-mse-tag", "baggage"], check: tagCheck([{ header: "x-mse-tag", maxLength: 64 }]) },
    ];
  },
  configSeeds() {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "baggage-tag") },
      { name: "example-rules", workers: 1, config: exampleConfig(EXAMPLE, "baggage-tag-rules") },
      { name: "readme", workers: 1, config: README_CONFIG },
      { name: "all-sources", workers: 1, config: ALL_SOURCES },
      { name: "domain-rules", config: { rules: [{ baggage_key: "x-mse-tag" }], _rules_: [{ _match_route_: ["checkout"], rules: [{ baggage_key: "x-mse-tag", override: true }] }, { _match_domain_: ["*.internal.example.com"], _disable_: true }] } },
    ];
  },
  request(r: Rng, { shape }): RequestCase {
    const h: RawHeader[] = [[":path", pathOf(r, ["api", "checkout", "x"], shape === "values" && r.chance(0.3))]];
    const big = shape !== undefined;
    if (shape === "baggage" || r.chance(0.7)) h.push(...baggageHeaders(r, KEYS, HITS, { big: shape === "baggage" }));
    const value = (hit: string) => (shape === "values" ? long(r, 10240) : r.chance(0.4) ? hit : r.chance(0.5) ? mutate(r, hit) : text(r, 40));
    for (const key of ["x-mse-tag", "tenant", "lane"]) {
      if (shape === "values" || r.chance(0.12)) h.push([`uberctx-${key}`, r.chance(0.3) ? `${r.pick(ESCAPES)}${value(r.pick(HITS))}` : value(r.pick(HITS))]);
      if (shape === "values" || r.chance(0.1)) h.push([`ot-baggage-${key}`, value(r.pick(HITS))]);
    }
    if (shape === "sw8" || shape === "values" || r.chance(0.15)) h.push(["sw8-correlation", shape === "values" ? long(r, 10240) : sw8(r, KEYS, HITS, shape === "sw8")]);
    if (r.chance(0.1)) h.push(["x-mse-tag", r.chance(0.5) ? r.pick(HITS) : text(r, 20)]);
    if (r.chance(0.05)) h.push(["x-tenant", text(r, 20)]);
    if (shape === "headers" || r.chance(0.02)) {
      const name = r.pick(["baggage", "uberctx-x-mse-tag", "ot-baggage-tenant", "sw8-correlation", "x-mse-tag", `uberctx-${token(r, 5).toLowerCase()}`]);
      for (let i = 0; i < (big ? 95 : 20 + r.int(70)); i++) h.push([name, r.chance(0.5) ? `${r.pick(KEYS)}=${r.pick(HITS)}` : text(r, 30)]);
    }
    return { host: 0, headers: h, properties: routeProperties(r, r.pick(ROUTES)) };
  },
  statusOk(status) {
    return status === 200;
  },
};
