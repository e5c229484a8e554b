// tenant-gray on the host emulator: the same scenarios as on Envoy, configuration errors, defaults,
// override off, Higress traffic-tag semantics, the sticky split, and proof that a 10,000-tenant
// gray list costs a request no more work than a 10-tenant one.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { exampleConfig } from "../envoy/example-config.ts";
import { bucket, COUNTERS, SAAS_CONFIG, SCENARIOS, TRAFFIC_TAG_CONFIG, type Scenario } from "../scenarios/tenant-gray.ts";
import wabtInit from "wabt";

const WASM = pluginWasm("tenant-gray");
const EXAMPLE = "envoy-examples/tenant-gray/envoy.yaml";

function host(config: unknown, workers = 2, wasm: string | Uint8Array = WASM) {
  return ProxyWasmHost.create({ wasm, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers, rootId: "tenant-gray" });
}

/** A scenario as the emulator sees it: pseudo-headers, the initial route, the client address. */
export function runScenario(h: ProxyWasmHost, s: Scenario): HttpStream {
  const headers: [string, string][] = [[":path", s.path ?? "/"]];
  for (const [k, v] of s.headers) headers.push([k === "host" ? ":authority" : k, v]);
  const properties: Record<string, string> = { "xds.route_name": s.route ?? "base" };
  if (s.from) properties["source.address"] = `${s.from}:40001`;
  return h.request({ headers, properties });
}

function rejects(config: unknown): string {
  const h = new ProxyWasmHost({ wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers: 1 });
  const result = h.start();
  assert.equal(result.ok, false, "configuration should be rejected");
  return result.logs.map((l) => l.message).join("\n");
}

describe("tenant-gray scenarios (same table as the Envoy tests)", () => {
  const h = host(exampleConfig(EXAMPLE, "tenant-gray"));
  const counters = () => Object.fromEntries(COUNTERS.map((c) => [c, Number(h.metric(`tenant_gray.${c}`) ?? 0)]));

  test("example configuration equals the scenario configuration", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "tenant-gray")), SAAS_CONFIG);
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "tenant-gray-traffic-tag")), TRAFFIC_TAG_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, () => {
      const before = counters();
      const stream = runScenario(h, s);
      assert.equal(stream.localResponse, undefined);
      for (const [name, value] of Object.entries(s.expect)) {
        assert.equal(stream.requestHeaderMap.getJoined(name) ?? null, value, `upstream header ${name}`);
      }
      for (const [name, value] of Object.entries(s.response ?? {})) {
        assert.equal(stream.responseHeaderMap.getJoined(name) ?? null, value, `response header ${name}`);
      }
      const after = counters();
      for (const [name, delta] of Object.entries(s.counters ?? {})) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }
});

describe("tenant-gray configuration", () => {
  const invalid: [string, unknown, RegExp][] = [
    ["not JSON", "{lanes:", /not valid JSON/],
    ["no lanes", { override: true }, /lanes: is required/],
    ["unknown field", { lanes: [{ tag: "gray", tenants: ["a"] }], lane: [] }, /lane: unknown field/],
    ["empty lanes", { lanes: [] }, /lanes: must list at least one lane/],
    ["lane without tag", { lanes: [{ tenants: ["a"] }] }, /lanes\[0\]\.tag: is required/],
    ["lane tag not a token", { lanes: [{ tag: "gr ay", tenants: ["a"] }] }, /lanes\[0\]\.tag: must be 1 to 64 HTTP token characters/],
    ["lane without condition", { lanes: [{ tag: "gray" }] }, /lanes\[0\]: needs at least one of tenants, tenant_prefixes, percentage, source_cidrs/],
    ["percentage range", { lanes: [{ tag: "gray", percentage: 101 }] }, /lanes\[0\]\.percentage: must be an integer from 0 to 100/],
    ["percentage fraction", { lanes: [{ tag: "gray", percentage: 2.5 }] }, /lanes\[0\]\.percentage: must be an integer/],
    ["tenants not strings", { lanes: [{ tag: "gray", tenants: ["a", 1] }] }, /lanes\[0\]\.tenants\[1\]: must be a string/],
    ["empty prefix", { lanes: [{ tag: "gray", tenant_prefixes: [""] }] }, /lanes\[0\]\.tenant_prefixes\[0\]: must not be empty/],
    ["bad CIDR", { lanes: [{ tag: "gray", source_cidrs: ["10.0.0.0/33"] }] }, /lanes\[0\]\.source_cidrs\[0\]: must be an IPv4 or IPv6 range/],
    ["lane typo", { lanes: [{ tag: "gray", tenant: ["a"] }] }, /lanes\[0\]\.tenant: unknown field/],
    ["source with two keys", { tenant_from: [{ header: "a", cookie: "b" }], lanes: [{ tag: "g", percentage: 1 }] }, /tenant_from\[0\]: must have exactly one of: header, cookie, query, path_segment, host_label, claim_header/],
    ["unknown source", { tenant_from: [{ jwt: "sub" }], lanes: [{ tag: "g", percentage: 1 }] }, /tenant_from\[0\]: must have exactly one of/],
    ["empty source list", { tenant_from: [], lanes: [{ tag: "g", percentage: 1 }] }, /tenant_from: must list at least one source/],
    ["path_segment 0", { tenant_from: [{ path_segment: 0 }], lanes: [{ tag: "g", percentage: 1 }] }, /tenant_from\[0\]\.path_segment: must be an integer from 1 to 64/],
    ["header name", { tenant_from: [{ header: "x tenant" }], lanes: [{ tag: "g", percentage: 1 }] }, /tenant_from\[0\]\.header: must be a header name/],
    ["pseudo tag header", { tag_header: ":path", lanes: [{ tag: "g", percentage: 1 }] }, /tag_header: must be a header name/],
    ["default_tag", { default_tag: "a b" }, /default_tag: must be 1 to 64 HTTP token characters/],
    ["override type", { override: "yes", lanes: [{ tag: "g", percentage: 1 }] }, /override: must be true or false/],
    ["max_tenant_length", { max_tenant_length: 0, lanes: [{ tag: "g", percentage: 1 }] }, /max_tenant_length: must be an integer from 1 to 4096/],
    ["sticky cookie name", { sticky_cookie: "a b", lanes: [{ tag: "g", percentage: 1 }] }, /sticky_cookie: the cookie name must be an HTTP token/],
    ["sticky cookie SameSite=None without Secure", { sticky_cookie: { name: "l", same_site: "None" }, lanes: [{ tag: "g", percentage: 1 }] }, /sticky_cookie\.same_site: None requires secure: true/],
    ["sticky cookie path", { sticky_cookie: { name: "l", path: "x;y" }, lanes: [{ tag: "g", percentage: 1 }] }, /sticky_cookie\.path: must start with/],
    ["mixing traffic-tag and tenant-gray", { lanes: [{ tag: "g", percentage: 1 }], defaultTagKey: "x", defaultTagVal: "y" }, /lanes: cannot be combined with Higress traffic-tag fields/],
    ["traffic-tag regex", { conditionGroups: [{ headerName: "x-mse-tag", headerValue: "gray", logic: "or", conditions: [{ conditionType: "header", key: "a", operator: "regex", value: ["^a"] }] }] }, /conditionGroups\[0\]\.conditions\[0\]\.operator: regex is not supported/],
    ["traffic-tag logic", { conditionGroups: [{ headerName: "x-mse-tag", headerValue: "gray", logic: "xor", conditions: [] }] }, /conditionGroups\[0\]\.logic: must be one of: and, or/],
    ["traffic-tag percentage", { conditionGroups: [{ headerName: "h", headerValue: "v", logic: "or", conditions: [{ conditionType: "cookie", key: "u", operator: "percentage", value: ["101"] }] }] }, /value: percentage must be an integer from 0 to 100/],
    ["traffic-tag in without values", { conditionGroups: [{ headerName: "h", headerValue: "v", logic: "or", conditions: [{ conditionType: "header", key: "u", operator: "in", value: [] }] }] }, /value: must contain at least one element/],
    ["traffic-tag conditionType", { conditionGroups: [{ headerName: "h", headerValue: "v", logic: "or", conditions: [{ conditionType: "body", key: "u", operator: "equal", value: ["a"] }] }] }, /conditionType: must be one of: header, parameter, cookie/],
    ["traffic-tag total weight", { weightGroups: [{ headerName: "h", headerValue: "a", weight: 60 }, { headerName: "h", headerValue: "b", weight: 50 }] }, /weightGroups\[1\]\.weight: total weight exceeds: 100/],
    ["traffic-tag missing headerValue", { weightGroups: [{ headerName: "h", weight: 10 }] }, /weightGroups\[0\]\.headerValue: is required/],
    ["error inside _rules_", { lanes: [{ tag: "g", percentage: 1 }], _rules_: [{ _match_route_: ["r"], lanes: [{ tag: "g", percentage: 200 }] }] }, /_rules_\[0\]\.lanes\[0\]\.percentage/],
  ];
  for (const [name, config, message] of invalid) {
    test(`rejected: ${name}`, () => {
      const text = rejects(config);
      assert.match(text, /invalid configuration/);
      assert.match(text, message);
    });
  }

  test("defaults: tenant from x-tenant-id, tag x-mse-tag, into baggage, override off", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }] });
    const s = h.request({ headers: { "x-tenant-id": "acme" } });
    assert.equal(s.requestHeader("x-mse-tag"), "gray");
    assert.equal(s.requestHeader("baggage"), "x-mse-tag=gray");
    assert.equal(s.responseHeader("set-cookie"), undefined);
    const kept = h.request({ headers: { "x-tenant-id": "hooli", "x-mse-tag": "blue" } });
    assert.equal(kept.requestHeader("x-mse-tag"), "blue", "override off keeps the tag an earlier hop set");
    assert.equal(kept.requestHeader("baggage"), "x-mse-tag=blue", "and carries it on in baggage");
    assert.equal(h.metric("tenant_gray.kept"), 1);
  });

  test("override off does not replace a lane already in baggage", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }], override: false });
    const s = h.request({ headers: { "x-mse-tag": "blue", baggage: "x-mse-tag=green" } });
    assert.equal(s.requestHeader("x-mse-tag"), "blue");
    assert.equal(s.requestHeader("baggage"), "x-mse-tag=green");
    const decided = h.request({ headers: { "x-tenant-id": "acme", baggage: "x-mse-tag=green" } });
    assert.equal(decided.requestHeader("x-mse-tag"), "gray");
    assert.equal(decided.requestHeader("baggage"), "x-mse-tag=gray", "a lane the plugin decided is made consistent in baggage");
  });

  test("default_tag for requests in no lane; lanes may be omitted then", () => {
    const h = host({ default_tag: "base", lanes: [{ tag: "gray", tenants: ["acme"] }], debug_header: "x-lane" });
    assert.equal(h.request({ headers: { "x-tenant-id": "hooli" } }).requestHeader("x-mse-tag"), "base");
    const none = h.request({});
    assert.equal(none.requestHeader("x-mse-tag"), "base");
    assert.equal(none.responseHeader("x-lane"), "base;by=default");
    assert.equal(h.metric("tenant_gray.lane.base"), 2);
    const only = host({ default_tag: "stable" });
    assert.equal(only.request({}).requestHeader("x-mse-tag"), "stable");
  });

  test("baggage that already carries exactly key=tag is not rewritten", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }], override: true });
    const same = h.request({ headers: { "x-tenant-id": "acme", baggage: "x-mse-tag=gray,a=1" } });
    assert.equal(same.requestHeader("baggage"), "x-mse-tag=gray,a=1", "left as it was (a rewrite would move the member last)");
    assert.equal(h.metric("tenant_gray.propagated") ?? 0, 0);
    const other = h.request({ headers: { "x-tenant-id": "acme", baggage: "x-mse-tag=blue,a=1" } });
    assert.equal(other.requestHeader("baggage"), "a=1,x-mse-tag=gray");
    assert.equal(h.metric("tenant_gray.propagated"), 1);
  });

  test("propagate_to_baggage false, custom tag header and baggage key", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }], tag_header: "X-Lane", propagate_to_baggage: false });
    const s = h.request({ headers: { "x-tenant-id": "acme" } });
    assert.equal(s.requestHeader("x-lane"), "gray");
    assert.equal(s.requestHeader("baggage"), undefined);
    const k = host({ lanes: [{ tag: "gray", tenants: ["acme"] }], baggage_key: "__lane__" });
    assert.equal(k.request({ headers: { "x-tenant-id": "acme", baggage: "a=1" } }).requestHeader("baggage"), "a=1,__lane__=gray");
  });

  test("lanes: first match wins; percentage 0 and 100; CIDR-only lanes need no tenant", () => {
    const h = host({
      lanes: [
        { tag: "blue", tenants: ["acme"] },
        { tag: "gray", tenants: ["acme", "globex"], percentage: 0 },
        { tag: "office", source_cidrs: ["192.168.0.0/16", "2001:db8::/32"] },
        { tag: "all", percentage: 100 },
      ],
      debug_header: "x-lane",
    });
    const tag = (headers: Record<string, string>, from = "127.0.0.1:1") =>
      h.request({ headers, properties: { "source.address": from } }).requestHeader("x-mse-tag");
    assert.equal(tag({ "x-tenant-id": "acme" }), "blue");
    assert.equal(tag({ "x-tenant-id": "globex" }), "gray");
    assert.equal(tag({ "x-tenant-id": "hooli" }), "all");
    assert.equal(tag({}, "192.168.7.1:5000"), "office");
    assert.equal(tag({}, "[2001:db8::5]:443"), "office");
    assert.equal(tag({}, "[::ffff:192.168.1.1]:443"), "office");
    assert.equal(tag({}), undefined);
    const s = h.request({ properties: { "source.address": "192.168.7.1:5000" } });
    assert.equal(s.responseHeader("x-lane"), "office;by=source");
  });

  test("host labels and path segments", () => {
    const h = host({ tenant_from: [{ host_label: 1 }, { path_segment: 3 }], lanes: [{ tag: "gray", tenants: ["acme"] }] });
    const tag = (authority: string, path = "/") => h.request({ headers: { ":authority": authority, ":path": path } }).requestHeader("x-mse-tag");
    assert.equal(tag("eu.acme.example.com"), "gray");
    assert.equal(tag("eu.hooli.example.com", "/a/b/acme"), undefined, "the first source with a value wins");
    assert.equal(tag("10.0.0.1", "/a/b/acme"), "gray", "IP literals have no labels");
    assert.equal(tag("[::1]:80", "/a/b/acme/c"), "gray");
    assert.equal(tag("localhost", "/a/b/acme?x=1"), "gray");
  });
});

describe("Higress traffic-tag configuration", () => {
  const h = host(TRAFFIC_TAG_CONFIG);
  const tag = (headers: Record<string, string>) => h.request({ headers }).requestHeader("x-mse-tag");

  test("conditions: in (header), prefix (parameter), percentage (cookie), default", () => {
    assert.equal(tag({ "x-user-id": "u2" }), "gray");
    assert.equal(tag({ ":path": "/?tenant=beta-x" }), "gray");
    const inShare = Array.from({ length: 200 }, (_, i) => `user-${i}`).find((u) => bucket(u) < 20)!;
    const outShare = Array.from({ length: 200 }, (_, i) => `user-${i}`).find((u) => bucket(u) >= 20)!;
    assert.equal(tag({ cookie: `uid=${inShare}` }), "gray");
    assert.equal(tag({ cookie: `uid=${outShare}` }), "base");
    assert.equal(tag({}), "base");
  });

  test("a tag already on the request is never overwritten (and no default is added)", () => {
    assert.equal(tag({ "x-mse-tag": "blue", "x-user-id": "u1" }), "blue");
    assert.equal(tag({ "x-mse-tag": "blue" }), "blue");
  });

  test("and/or semantics with missing keys, not_equal, not_in, equal", () => {
    const g = host({
      conditionGroups: [
        { headerName: "x-a", headerValue: "1", logic: "AND", conditions: [
          { conditionType: "header", key: "X-Env", operator: "equal", value: ["prod"] },
          { conditionType: "parameter", key: "u", operator: "not_in", value: ["x", "y"] }] },
        { headerName: "x-b", headerValue: "2", logic: "or", conditions: [
          { conditionType: "cookie", key: "c", operator: "not_equal", value: ["z"] },
          { conditionType: "header", key: "x-env", operator: "equal", value: ["dev"] }] },
        { headerName: "x-c", headerValue: "3", logic: "and", conditions: [] },
      ],
    });
    const run = (headers: Record<string, string>) => {
      const s = g.request({ headers });
      return ["x-a", "x-b", "x-c"].map((n) => s.requestHeader(n) ?? "-").join("");
    };
    assert.equal(run({ "x-env": "prod", ":path": "/?u=w" }), "1--");
    assert.equal(run({ "x-env": "prod", ":path": "/?u=x" }), "---", "not_in fails the and group; or group: cookie missing (skipped), x-env not dev");
    assert.equal(run({ "x-env": "prod" }), "---", "a missing key fails an and group");
    assert.equal(run({ cookie: "c=q" }), "-2-");
    assert.equal(run({ cookie: "c=z", "x-env": "dev" }), "-2-");
    assert.equal(run({ cookie: "c=z" }), "---", "an and group without conditions never matches");
  });

  test("weightGroups split at random per request, within the cumulative weights", () => {
    const w = host({ weightGroups: [{ headerName: "x-mse-tag", headerValue: "gray", weight: 30 }, { headerName: "x-mse-tag", headerValue: "blue", weight: "20" }], defaultTagKey: "x-mse-tag", defaultTagVal: "base" }, 1);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const t = w.request({}).requestHeader("x-mse-tag")!;
      counts[t] = (counts[t] ?? 0) + 1;
    }
    assert.ok(Math.abs(counts.gray / 4000 - 0.3) < 0.04, JSON.stringify(counts));
    assert.ok(Math.abs(counts.blue / 4000 - 0.2) < 0.04, JSON.stringify(counts));
    assert.ok(Math.abs(counts.base / 4000 - 0.5) < 0.04, JSON.stringify(counts));
    assert.equal(w.metric("tenant_gray.lane.gray"), counts.gray);
  });
});

describe("sticky percentage", () => {
  test("1,000 synthetic tenants: the SHA-256 buckets of Higress traffic-tag, the same on every VM", () => {
    const h = host({ lanes: [{ tag: "gray", percentage: 10 }] }, 4);
    const gray: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = `tenant-${i}`;
      if (h.request({ headers: { "x-tenant-id": t } }).requestHeader("x-mse-tag") === "gray") gray.push(t);
    }
    const expected = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`).filter((t) => bucket(t) < 10);
    assert.deepEqual(gray, expected);
    assert.ok(Math.abs(gray.length / 1000 - 0.1) <= 0.02, `${gray.length / 10}%`);
  });

  test("raising the percentage only adds tenants", () => {
    const at = (p: number) => {
      const h = host({ lanes: [{ tag: "gray", percentage: p }] }, 1);
      return new Set(Array.from({ length: 300 }, (_, i) => `t${i}`).filter((t) => h.request({ headers: { "x-tenant-id": t } }).requestHeader("x-mse-tag")));
    };
    const s10 = at(10), s25 = at(25), s60 = at(60);
    for (const t of s10) assert.ok(s25.has(t), t);
    for (const t of s25) assert.ok(s60.has(t), t);
    assert.ok(s10.size < s25.size && s25.size < s60.size);
  });
});

// ---- per-request work ------------------------------------------------------------------------
// The module is instrumented (wabt, text round trip) with a counter incremented at every loop
// iteration: a deterministic measure of the work a request costs, without timing.

let instrumented: Uint8Array | undefined;
async function instrumentedWasm(): Promise<Uint8Array> {
  if (instrumented) return instrumented;
  const wabt = await wabtInit();
  const features = { bulk_memory: true, sign_extension: true, mutable_globals: true, sat_float_to_int: true, multi_value: true };
  const m = wabt.readWasm(readFileSync(WASM), features);
  const lines = m.toText({ foldExprs: false }).split("\n");
  const out: string[] = [];
  let loops = 0;
  for (const l of lines) {
    out.push(l);
    if (/^\s*loop\b/.test(l)) {
      out.push("global.get $__work", "i64.const 1", "i64.add", "global.set $__work");
      loops++;
    }
  }
  assert.ok(loops > 50, "instrumentation found the loops");
  const text = out.join("\n").replace(/\)\s*$/, '  (global $__work (mut i64) (i64.const 0))\n  (export "__work" (global $__work)))\n');
  instrumented = new Uint8Array(wabt.parseWat("tenant-gray.wat", text, features).toBinary({}).buffer);
  return instrumented;
}

describe("large gray lists", () => {
  test("10,000 tenants and 10,000 prefixes cost a request the same work as 10", async () => {
    const wasm = await instrumentedWasm();
    const work = (n: number) => {
      const tenants = Array.from({ length: n }, (_, i) => `tenant-${i}`);
      const prefixes = Array.from({ length: n }, (_, i) => `p${String(i).padStart(5, "0")}-`);
      const h = host({ lanes: [{ tag: "gray", tenants }, { tag: "blue", tenant_prefixes: prefixes }] }, 1, wasm);
      const counter = (h.vm(0).exports as Record<string, WebAssembly.Global>).__work;
      for (let i = 0; i < 20; i++) h.request({ headers: { "x-tenant-id": `tenant-${i}` } }); // warm-up
      const cost = (tenant: string, expected: string | undefined) => {
        const before = counter.value as bigint;
        const s = h.request({ headers: { "x-tenant-id": tenant } });
        assert.equal(s.requestHeader("x-mse-tag"), expected, tenant);
        return Number((counter.value as bigint) - before);
      };
      return {
        first: cost("tenant-0", "gray"),
        last: cost(`tenant-${n - 1}`, "gray"),
        prefix: cost(`p${String(n - 1).padStart(5, "0")}-x`, "blue"),
        miss: cost("nobody-at-all", undefined),
      };
    };
    const small = work(10);
    const large = work(10_000);
    if (process.env.TG_DEBUG) console.log(small, large);
    for (const k of Object.keys(small) as (keyof typeof small)[]) {
      // Set lookups: hash the tenant once, probe a bucket. A scan would be ~10,000 iterations.
      assert.ok(large[k] <= small[k] * 1.2 + 10, `${k}: ${small[k]} loop iterations with 10 entries, ${large[k]} with 10,000`);
    }
    // The counter does measure per-request work: a longer tenant costs visibly more.
    const h = host({ lanes: [{ tag: "gray", tenants: ["x"] }] }, 1, wasm);
    const counter = (h.vm(0).exports as Record<string, WebAssembly.Global>).__work;
    h.request({ headers: { "x-tenant-id": "warm" } });
    let before = counter.value as bigint;
    h.request({ headers: { "x-tenant-id": "t" } });
    const short = Number((counter.value as bigint) - before);
    before = counter.value as bigint;
    h.request({ headers: { "x-tenant-id": "t".repeat(120) } });
    assert.ok(Number((counter.value as bigint) - before) > short + 100);
  });

  test("memory does not grow over 20,000 requests", () => {
    const tenants = Array.from({ length: 10_000 }, (_, i) => `tenant-${i}`);
    const h = host({ ...SAAS_CONFIG, lanes: [{ tag: "gray", tenants, percentage: 10 }] }, 1);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        h.request({
          headers: [[":path", `/p?tenant=t${i % 997}`], ["x-tenant-id", i % 3 ? `tenant-${i % 20000}` : ""], ["cookie", `a=${i}; x-mse-lane=gray`], ["baggage", `k=${i},x-mse-tag=blue`]],
        });
      }
    };
    run(2000);
    const pages = h.vm(0).memoryPages;
    run(20_000);
    assert.equal(h.vm(0).memoryPages, pages, "linear memory pages after warm-up");
  });
});

describe("baggage within the W3C limits", () => {
  const config = { lanes: [{ tag: "gray", tenants: ["acme"] }], override: true };
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  const members = (s: string) => s.split(",").filter((m) => m.trim().length > 0);
  /** Runs one request and checks what goes upstream: within the limits, never the client's x-mse-tag. */
  const send = (h: ProxyWasmHost, tenant: string, baggage: string) => {
    const s = h.request({ headers: { "x-tenant-id": tenant, baggage } });
    assert.equal(s.localResponse, undefined);
    const out = s.requestHeader("baggage") ?? "";
    assert.ok(bytes(out) <= 8192, `upstream baggage is ${bytes(out)} bytes`);
    assert.ok(members(out).length <= 64, `upstream baggage has ${members(out).length} members`);
    assert.ok(!out.includes("x-mse-tag=evil"), "the client's tag member is gone");
    return out;
  };
  const many = (n: number) => Array.from({ length: n }, () => "a=1").join(",");

  test("a 256 KB baggage starting with the client's tag: cut to the limits, the lane's tag added", () => {
    const h = host(config);
    const huge = "x-mse-tag=evil," + many(65536);
    assert.ok(huge.length > 256 * 1024);
    const gray = send(h, "acme", huge);
    assert.equal(gray, many(63) + ",x-mse-tag=gray", "63 client members and the tag: 64");
    assert.equal(h.metric("tenant_gray.propagated"), 1);
    const base = send(h, "hooli", huge);
    assert.equal(base, many(63), "no lane: the first 64 members, without the client's tag");
    assert.equal(h.vms.filter((vm) => vm.failed).length, 0);
  });

  test("a client's tag beyond the limits (bytes or members) does not reach upstream either", () => {
    const h = host(config);
    const long = "a=" + "b".repeat(8200);
    assert.equal(send(h, "acme", long + ",x-mse-tag=evil"), "x-mse-tag=gray", "a first member over 8192 bytes: nothing of it is kept");
    assert.equal(send(h, "hooli", long + ",x-mse-tag=evil"), "");
    assert.equal(h.request({ headers: { "x-tenant-id": "hooli", baggage: long + ",x-mse-tag=evil" } }).requestHeader("baggage"), undefined, "an empty result removes the header");
    const hidden = many(65536) + ",x-mse-tag=evil";
    assert.equal(send(h, "hooli", hidden), many(64));
    assert.equal(send(h, "acme", hidden), many(64), "64 members: no room for the tag, but the cut list goes on");
    assert.equal(send(h, "acme", many(70) + ",x-mse-tag=evil"), many(64), "within 8192 bytes but beyond 64 members");
    assert.equal(send(h, "acme", many(63) + ",x-mse-tag=evil"), many(63) + ",x-mse-tag=gray");
  });

  test("bytes are UTF-8 bytes: 5,000 non-ASCII characters are over the limit", () => {
    const h = host(config);
    const wide = "a=" + "\u00e9".repeat(5000);
    assert.equal(send(h, "acme", `k=v,${wide},x-mse-tag=evil`), "k=v,x-mse-tag=gray");
    assert.equal(send(h, "acme", `k=v,${"\u00e9".repeat(3000)},x-mse-tag=evil`), `k=v,${"\u00e9".repeat(3000)},x-mse-tag=gray`, "6,000 bytes fit");
  });

  test("bytes that are not UTF-8 count one byte each and reach the upstream as they came", () => {
    const h = host(config);
    const raw = (n: number) => Buffer.alloc(n, 0xff);
    const fits = Buffer.concat([Buffer.from("k=v,f="), raw(8000), Buffer.from(",x-mse-tag=evil,z=1")]); // 8023 bytes
    const gray = h.request({ headers: [["x-tenant-id", "acme"], ["baggage", fits]] });
    assert.deepEqual(gray.requestHeaderBytes("baggage"), new Uint8Array(Buffer.concat([Buffer.from("k=v,f="), raw(8000), Buffer.from(",z=1,x-mse-tag=gray")])));
    const over = Buffer.concat([Buffer.from("k=v,f="), raw(8190), Buffer.from(",z=1")]); // the second member ends past 8192 bytes
    assert.deepEqual(h.request({ headers: [["x-tenant-id", "acme"], ["baggage", over]] }).requestHeaderBytes("baggage"), new Uint8Array(Buffer.from("k=v,x-mse-tag=gray")));
  });

  test("a baggage within the limits without the key is not rewritten", () => {
    const h = host(config);
    assert.equal(h.request({ headers: { "x-tenant-id": "hooli", baggage: "a=1 ,, b=2," } }).requestHeader("baggage"), "a=1 ,, b=2,");
    assert.equal(h.request({ headers: { "x-tenant-id": "acme", baggage: "a=1 ,, b=2," } }).requestHeader("baggage"), "a=1 ,, b=2,x-mse-tag=gray");
  });

  test("override off: a kept tag is added only when it fits, and the client's baggage is left alone", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }] });
    const huge = many(100);
    const s = h.request({ headers: { "x-mse-tag": "blue", baggage: huge } });
    assert.equal(s.requestHeader("x-mse-tag"), "blue");
    assert.equal(s.requestHeader("baggage"), huge);
    assert.equal(h.request({ headers: { "x-mse-tag": "blue", baggage: many(3) } }).requestHeader("baggage"), many(3) + ",x-mse-tag=blue");
  });
});

describe("tenant-gray configuration: nulls, lanes, counters", () => {
  const lanes = [{ tag: "g", percentage: 1 }];
  const sourceErrors: [unknown, RegExp][] = [
    [{ header: null }, /tenant_from\[0\]\.header: must be a header name/],
    [{ claim_header: null }, /tenant_from\[0\]\.claim_header: must be a header name/],
    [{ cookie: null }, /tenant_from\[0\]\.cookie: must be a cookie name/],
    [{ query: null }, /tenant_from\[0\]\.query: must be a non-empty string/],
    [{ path_segment: null }, /tenant_from\[0\]\.path_segment: must be an integer from 1 to 64/],
    [{ host_label: null }, /tenant_from\[0\]\.host_label: must be an integer from 0 to 126/],
  ];
  for (const [source, message] of sourceErrors) {
    test(`rejected: null source ${JSON.stringify(source)}`, () => {
      assert.match(rejects({ tenant_from: [{ header: "x-tenant-id" }, source], lanes }), new RegExp(message.source.replace("\\[0\\]", "\\[1\\]")));
    });
  }

  test("traffic-tag header values with control characters are rejected, the default one too", () => {
    assert.match(rejects({ weightGroups: [{ headerName: "x-mse-tag", headerValue: "a\nb", weight: 10 }] }), /weightGroups\[0\]\.headerValue: must not contain control characters/);
    assert.match(rejects({ defaultTagKey: "x-mse-tag", defaultTagVal: "a\u0007" }), /defaultTagVal: must not contain control characters/);
  });

  test("lanes that are not a list of objects are reported once, as such", () => {
    const notList = rejects({ lanes: "gray" });
    assert.match(notList, /lanes: must be a list of objects/);
    assert.doesNotMatch(notList, /must list at least one lane/);
    const notObjects = rejects({ lanes: [1] });
    assert.match(notObjects, /lanes\[0\]: must be an object/);
    assert.doesNotMatch(notObjects, /must list at least one lane/);
    assert.match(rejects({ lanes: [] }), /lanes: must list at least one lane/);
    assert.match(rejects({ lanes: null }), /lanes: is required/);
    assert.equal(host({ lanes: [], default_tag: "base" }).request({}).requestHeader("x-mse-tag"), "base");
  });

  test("per-tag counters are defined at configure time, once per tag, and count every way a tag is set", () => {
    const h = host({ lanes: [{ tag: "gray", tenants: ["acme"] }, { tag: "blue", tenants: ["b"] }, { tag: "gray", tenants: ["c"] }], default_tag: "base", sticky_cookie: "lane" }, 1);
    for (const tag of ["gray", "blue", "base"]) assert.equal(h.metric(`tenant_gray.lane.${tag}`), 0, `lane.${tag} before any request`);
    h.request({ headers: { "x-tenant-id": "acme" } });
    h.request({ headers: { "x-tenant-id": "c" } });
    h.request({ headers: { cookie: "lane=blue" } });
    h.request({ headers: { cookie: "lane=red" } });
    assert.equal(h.metric("tenant_gray.lane.gray"), 2);
    assert.equal(h.metric("tenant_gray.lane.blue"), 1, "a tag from the sticky cookie");
    assert.equal(h.metric("tenant_gray.lane.base"), 1, "a cookie naming no lane: default_tag");
    assert.equal(h.metric("tenant_gray.lane.red"), undefined, "never a counter for a client's value");

    const t = host(TRAFFIC_TAG_CONFIG, 1);
    assert.equal(t.metric("tenant_gray.lane.gray"), 0);
    assert.equal(t.metric("tenant_gray.lane.base"), 0);
    t.request({ headers: { "x-user-id": "u1" } });
    t.request({});
    t.request({ headers: { "x-mse-tag": "blue" } });
    assert.equal(t.metric("tenant_gray.lane.gray"), 1);
    assert.equal(t.metric("tenant_gray.lane.base"), 1);
    assert.equal(t.metric("tenant_gray.kept"), 1);
    assert.equal(t.metric("tenant_gray.lane.blue"), undefined);
  });

  test("request state is not carried over: cookie, path, host and client address are read per request", () => {
    const h = host({
      tenant_from: [{ cookie: "tenant" }, { query: "tenant" }, { host_label: 0 }],
      lanes: [{ tag: "gray", tenants: ["acme"] }, { tag: "office", source_cidrs: ["10.0.0.0/8"] }],
      sticky_cookie: "lane",
    }, 1);
    const tag = (headers: Record<string, string>, from = "127.0.0.1:1") =>
      h.request({ headers, properties: { "source.address": from } }).requestHeader("x-mse-tag");
    assert.equal(tag({ cookie: "tenant=acme" }), "gray");
    assert.equal(tag({}), undefined);
    assert.equal(tag({ ":path": "/?tenant=acme" }), "gray");
    assert.equal(tag({ ":path": "/" }), undefined);
    assert.equal(tag({ ":authority": "acme.example.com" }), "gray");
    assert.equal(tag({ ":authority": "hooli.example.com" }), undefined);
    assert.equal(tag({}, "10.1.1.1:2"), "office");
    assert.equal(tag({}), undefined);
    // The sticky cookie applies to requests without a tenant: an IP address has no host label.
    assert.equal(tag({ cookie: "lane=gray", ":authority": "10.0.0.1" }), "gray");
    assert.equal(tag({ cookie: "other=1", ":authority": "10.0.0.1" }), undefined);
  });

  test("host labels: IP addresses have none, ports are removed", () => {
    const h = host({ tenant_from: [{ host_label: 0 }], lanes: [{ tag: "gray", percentage: 100 }], debug_header: "x-lane" }, 1);
    const lane = (authority: string) => h.request({ headers: { ":authority": authority } }).responseHeader("x-lane");
    assert.equal(lane("acme.example.com:8443"), "gray;by=percentage");
    assert.equal(lane("ACME.example.com"), "gray;by=percentage");
    assert.equal(lane("10.0.0.1"), "base;by=no-tenant");
    assert.equal(lane("10.0.0.1:80"), "base;by=no-tenant");
    assert.equal(lane("999.1.1.1"), "base;by=no-tenant", "a numeric last label is an (invalid) IPv4 address, not a name");
    assert.equal(lane("[::1]:80"), "base;by=no-tenant");
    assert.equal(lane("localhost"), "gray;by=percentage");
    assert.equal(lane("1password.com"), "gray;by=percentage");
  });
});
