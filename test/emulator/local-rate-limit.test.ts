// local-rate-limit on the host emulator: the scenario table shared with the Envoy tests, exact
// token arithmetic with the fake clock over several VMs (workers), key patterns, the key table
// bound, compare-and-swap contention between VMs, configuration reloads and configuration errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";
import { LIMITS_CONFIG, SCENARIOS, routeOf } from "../scenarios/local-rate-limit.ts";
import { exampleConfig } from "../envoy/example-config.ts";
import { REPO_ROOT } from "../envoy/envoy.ts";

const WASM = pluginWasm("local-rate-limit");
const EXAMPLE = "envoy-examples/local-rate-limit/envoy.yaml";
const COUNTERS = ["allowed", "limited", "overflow", "contention", "error"] as const;

/**
 * Most tests here read the bucket through x-ratelimit-*: native-form configurations get
 * rate_limit_headers: true unless they say otherwise (the shipped default is off, tested on its own).
 */
function withHeaders(c: unknown): unknown {
  if (typeof c !== "object" || c === null || Array.isArray(c)) return c;
  const o = c as Record<string, unknown>;
  return "rules" in o && !("rate_limit_headers" in o) ? { ...o, rate_limit_headers: true } : o;
}
function host(config: unknown, workers = 4) {
  return ProxyWasmHost.create({
    wasm: WASM, workers, rootId: "local-rate-limit", pluginName: "local-rate-limit",
    pluginConfig: typeof config === "string" ? config : JSON.stringify(withHeaders(config)),
  });
}

/** Envoy-like request: path, optional method and headers, properties for _rules_. */
function send(h: ProxyWasmHost, path: string, headers: [string, string][] = [], opts: { method?: string; vm?: number; ip?: string } = {}): HttpStream {
  const properties: Record<string, string> = { "xds.route_name": routeOf(path) };
  if (opts.ip) properties["source.address"] = `${opts.ip}:40000`;
  return h.request({ vm: opts.vm, headers: [[":path", path], [":method", opts.method ?? "GET"], ...headers], properties });
}

const limited = (s: HttpStream) => s.status === 429;
function counter(h: ProxyWasmHost, rule: string, name: string): number {
  return Number(h.metric(`local_rate_limit.${rule}.${name}`) ?? 0);
}
/** Sends `n` requests (round robin over the VMs) and returns how many were admitted. */
function burst(h: ProxyWasmHost, n: number, path = "/", headers: [string, string][] = []): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (send(h, path, headers).status === 200) ok++;
  return ok;
}

describe("local-rate-limit scenarios (same table as the Envoy tests)", () => {
  const h = host(exampleConfig(EXAMPLE, "local-rate-limit"));

  test("example configuration equals the scenario configuration", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "local-rate-limit")), LIMITS_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, () => {
      const rules = Object.keys(s.counters ?? {});
      const before = rules.map((k) => Number(h.metric(`local_rate_limit.${k}`) ?? 0));
      for (const [i, step] of s.steps.entries()) {
        const res = send(h, step.path, step.headers ?? [], { method: step.method });
        assert.equal(res.status, step.status, `step ${i}: status`);
        for (const [name, value] of Object.entries(step.expect ?? {})) {
          assert.equal(res.responseHeader(name) ?? null, value, `step ${i}: response header ${name}`);
        }
        if (step.body !== undefined) assert.equal(res.localResponse?.bodyText, step.body, `step ${i}: body`);
      }
      rules.forEach((k, i) => assert.equal(Number(h.metric(`local_rate_limit.${k}`) ?? 0) - before[i], s.counters![k], `counter ${k}`));
    });
  }
});

describe("exact token arithmetic (fake clock, 4 VMs)", () => {
  test("10/minute: one token every 6 s exactly, never before", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 10, per: "minute" } }] });
    assert.equal(burst(h, 25), 10);
    h.advanceTime(5999);
    assert.equal(burst(h, 3), 0);
    h.advanceTime(1);
    assert.equal(burst(h, 3), 1);
    h.advanceTime(6000 * 4);
    assert.equal(burst(h, 10), 4);
    h.advanceTime(3000);
    const half = send(h, "/");
    assert.equal(half.status, 429);
    assert.equal(half.responseHeader("retry-after"), "3", "3 s until the next token");
    assert.equal(half.responseHeader("x-ratelimit-reset"), "57", "57 s until full");
  });

  test("burst: capacity is requests + burst, refill stays at the rate", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 2, per: "second", burst: 3 } }] });
    const first = send(h, "/");
    assert.equal(first.responseHeader("x-ratelimit-limit"), "5");
    assert.equal(first.responseHeader("x-ratelimit-remaining"), "4");
    assert.equal(burst(h, 10), 4);
    h.advanceTime(500);
    assert.equal(burst(h, 5), 1);
    h.advanceTime(10_000);
    assert.equal(burst(h, 10), 5, "refill is capped at requests + burst");
  });

  test("per hour and per day: 4/hour = one per 900 s, 3/day = one per 8 h", () => {
    const h = host({ rules: [
      { name: "h", match: { path_prefix: "/h" }, limit: { requests: 4, per: "hour" } },
      { name: "d", match: { path_prefix: "/d" }, limit: { requests: 3, per: "day" } },
    ] });
    assert.equal(burst(h, 6, "/h"), 4);
    assert.equal(burst(h, 6, "/d"), 3);
    h.advanceTime(900_000 - 1);
    assert.equal(burst(h, 2, "/h"), 0);
    h.advanceTime(1);
    assert.equal(burst(h, 2, "/h"), 1);
    h.advanceTime(8 * 3600_000 - 900_000 - 1);
    assert.equal(burst(h, 2, "/d"), 0);
    h.advanceTime(1);
    assert.equal(burst(h, 2, "/d"), 1);
    assert.equal(send(h, "/d").responseHeader("retry-after"), "28800");
    h.advanceTime(3 * 86400_000);
    assert.equal(burst(h, 5, "/d"), 3);
  });

  test("rates that do not divide the period stay exact: 7/minute over one hour is 420 + capacity", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 7, per: "minute" } }] }, 3);
    let ok = burst(h, 7);
    for (let t = 0; t < 3600; t++) {
      h.advanceTime(1000);
      ok += burst(h, 1);
    }
    assert.equal(ok, 7 + 420);
  });

  test("sub-millisecond steps add up: 1000/second, 1 ms at a time", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1000, per: "second" } }] }, 2);
    assert.equal(burst(h, 1000), 1000);
    let ok = 0;
    for (let i = 0; i < 500; i++) {
      h.advanceTime(0.5);
      ok += burst(h, 1);
    }
    assert.equal(ok, 250);
  });

  test("the wall clock jumping (NTP) does not move the buckets: they run on the monotonic clock", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 2, per: "minute" } }] });
    assert.equal(burst(h, 3), 2);
    h.setWallClock(Date.UTC(2030, 0, 1));
    assert.equal(burst(h, 1), 0);
    h.setWallClock(Date.UTC(2020, 0, 1));
    assert.equal(burst(h, 1), 0);
    h.advanceTime(30_000);
    assert.equal(burst(h, 2), 1);
  });

  test("matches an exact BigInt model of the bucket on 6,000 random requests and clock steps over 3 VMs", () => {
    const h = host({ rules: [{ name: "d", key: { header: "x-k" }, limit: { requests: 7, per: "second", burst: 3 },
      keys: [{ key: "vip", requests: 100, per: "minute" }, { key: "regexp:^h-", requests: 3, per: "hour", burst: 2 }] }] }, 3);
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    const limitOf = (k: string) => (k === "vip" ? [100n, 60n, 0n] : k.startsWith("h-") ? [3n, 3600n, 2n] : [7n, 1n, 3n]);
    const buckets = new Map<string, { units: bigint; last: bigint }>();
    const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
    let nowUs = 0n;
    let x = 99;
    const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
    const keys = ["a", "b", "c", "vip", "h-1", "h-2"];
    for (let i = 0; i < 6000; i++) {
      const step = rnd(10) === 0 ? rnd(4_000_000_000) : rnd(300_000); // µs; sometimes over an hour
      nowUs += BigInt(step);
      h.advanceTime(step / 1000);
      const key = keys[rnd(keys.length)]!;
      const [requests, periodS, burst] = limitOf(key);
      const periodUs = periodS * 1_000_000n;
      const g = gcd(requests, periodUs);
      const U = periodUs / g, F = requests / g, cap = (requests + burst) * U;
      const b = buckets.get(key) ?? { units: cap, last: nowUs };
      const refilled = b.units + (nowUs - b.last) * F;
      b.units = refilled > cap ? cap : refilled;
      b.last = nowUs;
      const allowed = b.units >= U;
      if (allowed) b.units -= U;
      buckets.set(key, b);
      const res = send(h, "/", [["x-k", key]], { vm: rnd(3) });
      const secs = (us: bigint) => String((us + 999_999n) / 1_000_000n);
      const expected = {
        status: allowed ? 200 : 429,
        limit: String(requests + burst),
        remaining: String(allowed ? b.units / U : 0n),
        reset: secs(ceilDiv(cap - b.units, F)),
        retry: allowed ? undefined : String(BigInt(secs(ceilDiv(U - b.units, F))) || 1n),
      };
      const seen = { status: res.status, limit: res.responseHeader("x-ratelimit-limit"), remaining: res.responseHeader("x-ratelimit-remaining"),
        reset: res.responseHeader("x-ratelimit-reset"), retry: res.responseHeader("retry-after") };
      assert.deepEqual(seen, expected, `request ${i} (key ${key}, t=${nowUs} µs)`);
    }
  });

  test("all VMs draw from one bucket: each of 4 VMs sees the others' requests", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 8, per: "minute" } }] });
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) seen.push(send(h, "/", [], { vm: i % 4 }).responseHeader("x-ratelimit-remaining")!);
    assert.deepEqual(seen, ["7", "6", "5", "4", "3", "2", "1", "0"]);
    for (let vm = 0; vm < 4; vm++) assert.equal(send(h, "/", [], { vm }).status, 429);
  });
});

describe("keys", () => {
  const config = {
    rules: [{
      name: "k", key: { header: "x-user" },
      limit: { requests: 2, per: "minute" },
      keys: [
        { key: "vip", requests: 10, per: "minute" },
        { key: "regexp:^team-[a-z]+$", requests: 4, per: "minute" },
        { key: "regexp:^team-", requests: 3, per: "minute" },
      ],
    }],
  };
  const limitOf = (s: HttpStream) => s.responseHeader("x-ratelimit-limit");

  test("exact keys first, then patterns in order, then the default limit", () => {
    const h = host(config);
    assert.equal(limitOf(send(h, "/", [["x-user", "vip"]])), "10");
    assert.equal(limitOf(send(h, "/", [["x-user", "team-abc"]])), "4");
    assert.equal(limitOf(send(h, "/", [["x-user", "team-42"]])), "3");
    assert.equal(limitOf(send(h, "/", [["x-user", "someone"]])), "2");
    assert.equal(limitOf(send(h, "/", [["x-user", "VIP"]])), "2", "exact keys are case-sensitive");
  });

  test("values matching one regexp each get their own bucket", () => {
    const h = host(config);
    for (const user of ["team-a", "team-b", "team-c"]) assert.equal(burst(h, 6, "/", [["x-user", user]]), 4, user);
  });

  test("'*' limits every value, and without a default limit only listed values are limited", () => {
    const star = host({ rules: [{ name: "s", key: { header: "x-user" }, keys: [{ key: "*", requests: 1, per: "minute" }] }] });
    assert.equal(burst(star, 3, "/", [["x-user", "a"]]), 1);
    assert.equal(burst(star, 3, "/", [["x-user", "b"]]), 1);
    assert.equal(burst(star, 3), 3, "no key: not limited");
    const listed = host({ rules: [{ name: "l", key: { header: "x-user" }, keys: [{ key: "a", requests: 1, per: "minute" }] }] });
    assert.equal(burst(listed, 3, "/", [["x-user", "a"]]), 1);
    const free = send(listed, "/", [["x-user", "b"]]);
    assert.equal(free.status, 200);
    assert.equal(free.responseHeader("x-ratelimit-limit"), undefined, "unlisted value: no rule applied, no headers");
  });

  test("client IP keys with CIDR ranges; every address in a range has its own bucket", () => {
    const h = host({ rules: [{ name: "ip", key: { client_ip: true }, limit: { requests: 1, per: "minute" },
      keys: [{ key: "10.0.0.0/8", requests: 3, per: "minute" }, { key: "192.168.1.7", requests: 5, per: "minute" }] }] });
    const ip = (addr: string, n: number) => { let ok = 0; for (let i = 0; i < n; i++) if (send(h, "/", [], { ip: addr }).status === 200) ok++; return ok; };
    assert.equal(ip("10.1.2.3", 5), 3);
    assert.equal(ip("10.9.9.9", 5), 3);
    assert.equal(ip("192.168.1.7", 9), 5);
    assert.equal(ip("172.16.0.1", 3), 1);
    assert.equal(ip("2001:db8::1", 3), 1);
  });

  test("limit_missing: true shares the rule's limit among requests without the key", () => {
    const h = host({ rules: [{ name: "m", key: { cookie: "sid" }, limit: { requests: 2, per: "minute" }, limit_missing: true }] });
    assert.equal(burst(h, 5), 2);
    assert.equal(burst(h, 5, "/", [["cookie", "sid=x"]]), 2);
  });

  test("path key: the path without its query", () => {
    const h = host({ rules: [{ name: "p", key: { path: true }, limit: { requests: 2, per: "minute" } }] });
    assert.equal(burst(h, 2, "/a?x=1") + burst(h, 2, "/a?x=2"), 2);
    assert.equal(burst(h, 3, "/b"), 2);
  });

  test("long values (over 128 bytes) are kept as a digest and still get exact buckets", () => {
    const h = host({ rules: [{ name: "t", key: { header: "authorization" }, limit: { requests: 2, per: "minute" } }] });
    const a = "Bearer " + "a".repeat(3000);
    const b = "Bearer " + "a".repeat(2999) + "b";
    assert.equal(burst(h, 4, "/", [["authorization", a]]), 2);
    assert.equal(burst(h, 4, "/", [["authorization", b]]), 2);
  });

  test("values that differ only in bytes that are not UTF-8 are different keys", () => {
    const h = host({ rules: [{ name: "b", key: { header: "x-user" }, limit: { requests: 2, per: "minute" } }] });
    // Decoded leniently, all of these used to be "u" + U+FFFD: one bucket for every such client.
    for (const raw of [[0xff], [0xfe], [0xc0, 0x9c], [0x80], [0xc3]]) {
      const value = Uint8Array.from([0x75, ...raw]);
      let ok = 0;
      for (let i = 0; i < 3; i++) if (h.request({ headers: [[":path", "/"], ["x-user", value]] }).status === 200) ok++;
      assert.equal(ok, 2, `u + ${Buffer.from(raw).toString("hex")}`);
    }
  });

  test("Higress key-rate-limit configuration: only listed values, query_per_* fields", () => {
    const h = host({ limit_by_header: "x-ca-key", limit_keys: [
      { key: "102234", query_per_minute: 2 }, { key: "308239", query_per_hour: 3 }, { key: "both", query_per_second: 0, query_per_minute: 1 },
    ] });
    assert.equal(burst(h, 4, "/", [["x-ca-key", "102234"]]), 2);
    assert.equal(burst(h, 5, "/", [["x-ca-key", "308239"]]), 3);
    assert.equal(burst(h, 3, "/", [["x-ca-key", "both"]]), 1);
    assert.equal(burst(h, 4, "/", [["x-ca-key", "other"]]), 4);
    assert.equal(burst(h, 4), 4, "missing header: not limited (Higress gives key \"\", which passes)");
    assert.equal(counter(h, "key-rate-limit", "limited"), 2 + 2 + 2);
    const byParam = host({ limit_by_param: "apikey", limit_keys: [{ key: "k1", query_per_second: 1 }], status: 503, body: "slow down" });
    assert.equal(burst(byParam, 3, "/?apikey=k1"), 1);
    const r = send(byParam, "/?apikey=k1");
    assert.equal(r.status, 503);
    assert.equal(r.localResponse?.bodyText, "slow down");
  });

  test("regexp patterns agree with JavaScript's RegExp on 3,000 random values", () => {
    const patterns = ["^a+b?$", "(ab|ba)+", "^[a-c]{2,3}-\\d$", "c.d", "^(?:a|b)*c$", "[^ab]", "^$", "b{2}", "^\\w+-\\W", "a|^b|c$"];
    const h = host({ rules: [{ name: "re", key: { header: "x-v" }, limit: { requests: 1000, per: "second" },
      keys: patterns.map((p, i) => ({ key: `regexp:${p}`, requests: 100 + i, per: "second" })) }] }, 1);
    let x = 12345;
    const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
    const alphabet = "abcd-1_ ";
    for (let i = 0; i < 3000; i++) {
      let v = "";
      const n = 1 + rnd(8);
      for (let j = 0; j < n; j++) v += alphabet[rnd(alphabet.length)];
      v = v.trim();
      if (!v) continue;
      const index = patterns.findIndex((p) => new RegExp(p).test(v));
      const expected = index < 0 ? "1000" : String(100 + index);
      assert.equal(send(h, "/", [["x-v", v]]).responseHeader("x-ratelimit-limit"), expected, `value ${JSON.stringify(v)}`);
      h.advanceTime(1000);
    }
  });
});

describe("key table bound (max_keys)", () => {
  const table = (extra: object = {}) => host({ rules: [{ name: "t", key: { header: "x-k" },
    limit: { requests: 1, per: "minute" }, max_keys: 8, ...extra }] }, 2);

  test("at most max_keys slots are ever created, whatever the number of values", () => {
    const h = table();
    for (let i = 0; i < 500; i++) { send(h, "/", [["x-k", `v${i}`]]); h.advanceTime(60_000); }
    const slots = h.sharedData.keys().filter((k) => /\|t\|s\d+$/.test(k));
    assert.ok(slots.length <= 8, `${slots.length} slots`);
    assert.equal(counter(h, "t", "overflow"), 0, "idle (full) buckets are reused, so nothing was evicted");
  });

  test("beyond the bound, a new value evicts an active one instead of sharing a bucket: every new value is admitted", () => {
    const h = table();
    let ok = 0;
    for (let i = 0; i < 200; i++) if (send(h, "/", [["x-k", `active-${i}`]]).status === 200) ok++;
    assert.equal(ok, 200, "each value starts with its own full bucket");
    assert.equal(counter(h, "t", "overflow"), 200 - 8, "every value after the first 8 evicted one");
    assert.equal(h.sharedData.keys().filter((k) => /\|t\|s\d+$/.test(k)).length, 8);
    assert.ok(!h.sharedData.keys().some((k) => /\|o\|/.test(k)), "no overflow bucket any more");
    // The last value placed is still in its slot: its bucket is empty.
    assert.equal(send(h, "/", [["x-k", "active-199"]]).status, 429);
  });

  test("a half-full table places every value: 500 active values in 1,000 slots, none evicted", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "hour" }, max_keys: 1000 }] }, 2);
    let ok = 0;
    for (let i = 0; i < 500; i++) if (send(h, "/", [["x-k", `user-${i}`]]).status === 200) ok++;
    assert.equal(ok, 500);
    assert.equal(counter(h, "t", "overflow"), 0);
    for (let i = 0; i < 500; i++) assert.equal(send(h, "/", [["x-k", `user-${i}`]]).status, 429, "each value found its bucket again");
  });

  test("exact keys have their own buckets and are never evicted", () => {
    const h = table({ keys: [{ key: "vip", requests: 2, per: "minute" }] });
    assert.equal(burst(h, 1, "/", [["x-k", "vip"]]), 1);
    for (let i = 0; i < 100; i++) send(h, "/", [["x-k", `fill-${i}`]]);
    assert.equal(burst(h, 3, "/", [["x-k", "vip"]]), 1);
  });

  test("a value whose bucket refilled gives up its slot and gets a fresh one when it returns", () => {
    const h = table();
    for (let i = 0; i < 8; i++) send(h, "/", [["x-k", `old-${i}`]]);
    h.advanceTime(60_000); // every old bucket is full again: all slots reusable
    let ok = 0;
    for (let i = 0; i < 8; i++) if (send(h, "/", [["x-k", `new-${i}`]]).status === 200) ok++;
    assert.equal(ok, 8);
    assert.equal(send(h, "/", [["x-k", "new-0"]]).status, 429, "new-0 keeps its bucket");
  });
});

describe("a key flood cannot lock the key table", () => {
  const slotRe = (rule: string) => new RegExp(`\\|${rule}\\|s\\d+$`);
  /** Does `value` own a slot of the rule's key table (owner bytes 0x00 + value after the 40-byte bucket)? */
  function owns(h: ProxyWasmHost, rule: string, value: string): boolean {
    const want = Buffer.concat([Buffer.from([0]), Buffer.from(value)]);
    return h.sharedData.keys().filter((k) => slotRe(rule).test(k)).some((k) => Buffer.from(h.getSharedData(k)!.bytes.subarray(40)).equals(want));
  }
  const statuses = (h: ProxyWasmHost, n: number, path: string, headers: [string, string][] = []) =>
    Array.from({ length: n }, () => send(h, path, headers)).map((r) => `${r.status} ${r.responseHeader("x-ratelimit-remaining")}`);

  test("example configuration: one client sends 10 x max_keys tenant values at 3/day, then a new tenant gets its full 3", () => {
    const h = host(exampleConfig(EXAMPLE, "local-rate-limit"));
    assert.equal(LIMITS_CONFIG.rules[4]!.max_keys, 100);
    // A tenant that has used its 3 requests before the flood.
    assert.deepEqual(statuses(h, 4, "/search?tenant=steady"), ["200 2", "200 1", "200 0", "429 0"]);
    let admitted = 0;
    for (let i = 0; i < 1000; i++) if (send(h, `/search?tenant=flood-${i}`).status === 200) admitted++;
    assert.deepEqual(statuses(h, 4, "/search?tenant=legit"), ["200 2", "200 1", "200 0", "429 0"], "full allowance, then limited");
    assert.equal(admitted, 1000, "every flood value had a bucket of its own (each took 1 of its 3 tokens)");
    assert.ok(counter(h, "per-tenant", "overflow") >= 800, `evictions: ${counter(h, "per-tenant", "overflow")}`);
    assert.deepEqual(statuses(h, 1, "/search?tenant=steady"), ["429 0"], "an emptier bucket is never evicted by values that took fewer tokens");
  });

  test("cookie key at 4/hour + burst 1: 10 x max_keys session values, then a new session gets its full 5", () => {
    const h = host({ rules: [{ name: "s", key: { cookie: "sid" }, limit: { requests: 4, per: "hour", burst: 1 }, max_keys: 50 }] });
    for (let i = 0; i < 500; i++) send(h, "/cart", [["cookie", `sid=flood-${i}`]]);
    for (let i = 0; i < 500; i++) send(h, "/cart", [["cookie", `sid=flood-${i}`]]); // some values twice
    assert.deepEqual(statuses(h, 6, "/cart", [["cookie", "sid=legit"]]), ["200 4", "200 3", "200 2", "200 1", "200 0", "429 0"]);
  });

  test("the victim is the bucket nearest to full: a value evicted k times was admitted at most capacity x (k + 1) (3/day, 16 slots)", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 3, per: "day" }, max_keys: 16 }] }, 3);
    let x = 7;
    const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
    const watched = ["w-0", "w-1", "w-2"];
    const placed = new Map(watched.map((w) => [w, 0]));
    const admittedOf = new Map(watched.map((w) => [w, 0]));
    let fresh = 0;
    for (let i = 0; i < 3000; i++) {
      h.advanceTime(rnd(50));
      if (rnd(10) === 0) {
        const w = watched[rnd(watched.length)]!;
        if (!owns(h, "t", w)) placed.set(w, placed.get(w)! + 1);
        if (send(h, "/", [["x-k", w]], { vm: rnd(3) }).status === 200) admittedOf.set(w, admittedOf.get(w)! + 1);
        continue;
      }
      // A flood of new values, each sending 1 to 3 requests (3 empties its bucket).
      const v = `f-${fresh++}`;
      const n = 1 + rnd(3);
      for (let j = 0; j < n; j++) assert.equal(send(h, "/", [["x-k", v]], { vm: rnd(3) }).status, 200, `${v} request ${j + 1}: a new value is never locked out`);
    }
    for (const w of watched) {
      assert.ok(admittedOf.get(w)! <= 3 * placed.get(w)!, `${w}: admitted ${admittedOf.get(w)} with ${placed.get(w)} placements`);
      assert.ok(placed.get(w)! >= 2, `${w} was evicted at least once (${placed.get(w)} placements)`);
    }
  });

  test("an emptied value is evicted only by values that took as many tokens: a flood of 1-request values leaves it limited", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 3, per: "day" }, max_keys: 16 }] }, 2);
    assert.deepEqual(statuses(h, 4, "/", [["x-k", "victim"]]), ["200 2", "200 1", "200 0", "429 0"]);
    for (let i = 0; i < 1000; i++) { send(h, "/", [["x-k", `one-${i}`]]); h.advanceTime(10); }
    assert.ok(owns(h, "t", "victim"));
    assert.deepEqual(statuses(h, 1, "/", [["x-k", "victim"]]), ["429 0"]);
    // Values that each empty their bucket, later than the victim: now it is the nearest to full.
    for (let i = 0; owns(h, "t", "victim") && i < 1000; i++) for (let j = 0; j < 3; j++) send(h, "/", [["x-k", `three-${i}`]]);
    assert.ok(!owns(h, "t", "victim"), "evicted by a flood of emptied values");
    assert.deepEqual(statuses(h, 4, "/", [["x-k", "victim"]]), ["200 2", "200 1", "200 0", "429 0"], "it comes back to a full bucket: at most capacity more");
  });

  test("the price of an eviction: a value that empties its bucket is evicted about once per max_keys flood values that empty theirs", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 3, per: "day" }, max_keys: 100 }] }, 2);
    const take = () => statuses(h, 4, "/", [["x-k", "victim"]]).filter((r) => r.startsWith("200")).length;
    assert.equal(take(), 3);
    let floodRequests = 0;
    let extra = 0;
    let evictions = 0;
    for (let i = 0; floodRequests < 6000; i++) {
      for (let j = 0; j < 3; j++, floodRequests++) send(h, "/", [["x-k", `empty-${i}`]]);
      if (owns(h, "t", "victim")) continue;
      evictions++;
      extra += take();
    }
    // Measured: one eviction per 3 x max_keys flood requests (the flood cycles through the table before the
    // victim, emptied again at once, is the bucket nearest to full again); each gives at most capacity (3).
    assert.ok(evictions >= 1 && evictions <= 6000 / (3 * 100) + 2, `evictions ${evictions}`);
    assert.equal(extra, 3 * evictions);
  });
});

describe("configure-time warnings", () => {
  const warnings = (config: object) => {
    const h = host(config, 1);
    return h.findLogs(/rule |deprecated/, "warn").map((l) => l.message);
  };
  const unguarded = /rule (\S+): its key \((.*?)\) is chosen by the client, and no rule before it limits per client/;

  test("the example configuration names each rule keyed by a client-chosen value", () => {
    const h = host(exampleConfig(EXAMPLE, "local-rate-limit"), 1);
    const named = h.findLogs(unguarded, "warn").map((l) => unguarded.exec(l.message)!.slice(1, 3).join(" / "));
    assert.deepEqual(named, ["per-key / header x-api-key", "per-session / cookie sid", "per-tenant / query parameter tenant"]);
    assert.ok(h.findLogs(unguarded, "warn").every((l) => l.levelName === "warn"));
    assert.match(h.findLogs(unguarded)[2]!.message, /max_keys 100\); put a client_ip rule before it$/);
  });

  test("no warning behind a per-client rule that covers the rule's requests, or for keys that are not client-chosen", () => {
    const keyed = (name: string, extra: object = {}) => ({ name, key: { header: "x-k" }, limit: { requests: 1, per: "minute" }, ...extra });
    assert.deepEqual(warnings({ rules: [{ name: "ip", key: { client_ip: true }, limit: { requests: 10 } }, keyed("k")] }), []);
    assert.deepEqual(warnings({ rules: [{ name: "c", key: { consumer: true }, keys: [{ key: "*", requests: 5 }] },
      keyed("k", { match: { path_prefix: "/api/x", methods: ["GET"], headers: [{ name: "x-a", value: "1" }] } })] }), []);
    assert.deepEqual(warnings({ rules: [{ name: "ip", match: { path_prefix: "/api", methods: ["GET", "POST"], headers: [{ name: "x-a" }] },
      key: { client_ip: true }, limit: { requests: 10 } }, keyed("k", { match: { path_prefix: "/api/v1", methods: ["POST"], headers: [{ name: "x-a", value: "2" }] } })] }), []);
    assert.deepEqual(warnings({ rules: [{ name: "ip", key: { client_ip: true }, limit: { requests: 10 } }, { name: "c", key: { consumer: true }, limit: { requests: 10 } }] }), []);
    assert.deepEqual(warnings({ limit_by_header: "x-ca-key", limit_keys: [{ key: "102234", query_per_second: 10 }] }), [], "exact keys only: no key table");
    assert.deepEqual(warnings({ rules: [{ name: "x", key: { header: "x-k" }, keys: [{ key: "a", requests: 1 }] }] }), []);
  });

  test("a per-client rule after the keyed one, on other paths, methods or headers, or limiting only listed addresses does not count", () => {
    const keyed = { name: "k", match: { path_prefix: "/api", methods: ["GET"] }, key: { cookie: "sid" }, limit: { requests: 1, per: "minute" } };
    const ip = (extra: object) => ({ name: "ip", key: { client_ip: true }, limit: { requests: 10 }, ...extra });
    for (const [what, rules] of [
      ["after", [keyed, ip({})]],
      ["other path", [ip({ match: { path_prefix: "/login" } }), keyed]],
      ["other method", [ip({ match: { methods: ["POST"] } }), keyed]],
      ["header condition", [ip({ match: { headers: [{ name: "x-a" }] } }), keyed]],
      ["listed addresses only", [{ name: "ip", key: { client_ip: true }, keys: [{ key: "10.0.0.0/8", requests: 1 }] }, keyed]],
    ] as const) {
      assert.deepEqual(warnings({ rules: rules as unknown as object[] }).map((m) => unguarded.exec(m)?.slice(1, 3).join(" / ")), ["k / cookie sid"], what);
    }
    assert.match(warnings({ rules: [{ name: "p", key: { path: true }, limit: { requests: 1 } }] })[0]!, /rule p: its key \(path\)/);
    assert.match(warnings({ limit_by_param: "apikey", limit_keys: [{ key: "regexp:^k", query_per_second: 1 }] })[0]!, /rule key-rate-limit: its key \(query parameter apikey\)/);
  });

  test("overflow is deprecated: accepted (a typo is still an error), has no effect, warned about with its path", () => {
    const config = { rules: [{ name: "ip", key: { client_ip: true }, limit: { requests: 100 } },
      { name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "minute" }, max_keys: 1, overflow: "deny" }] };
    const h = host(config, 2);
    assert.deepEqual(h.findLogs(/deprecated/, "warn").map((l) => l.message).slice(0, 1),
      ["[local-rate-limit] rules[1].overflow is deprecated and has no effect: when the key table is full, a new value takes over the slot of the value whose bucket is nearest to full (rule t)"]);
    assert.equal(send(h, "/", [["x-k", "a"]]).status, 200);
    assert.equal(send(h, "/", [["x-k", "b"]]).status, 200, "b evicts a (overflow: deny would have rejected it)");
    assert.equal(counter(h, "t", "overflow"), 1);
    for (const policy of ["shared", "allow"]) assert.equal(host({ rules: [{ ...config.rules[1], overflow: policy }] }, 1).findLogs(/overflow is deprecated/).length, 1);
  });
});

describe("compare-and-swap between VMs", () => {
  /** Runs `inject` inside the next `times` shared-data writes of VM `vm`, before the write happens. */
  function interleave(h: ProxyWasmHost, times: number, inject: () => void) {
    const data = h.sharedData;
    const original = data.set.bind(data);
    let left = times;
    let inside = false;
    data.set = (key: string, value: Uint8Array, cas: number) => {
      if (left > 0 && cas !== 0 && !inside) {
        left--;
        inside = true;
        inject();
        inside = false;
      }
      return original(key, value, cas);
    };
    return () => { data.set = original; };
  }

  test("a write that lost the race is retried on the new value: both requests counted", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 3, per: "minute" } }] }, 2);
    const restore = interleave(h, 1, () => assert.equal(send(h, "/", [], { vm: 1 }).status, 200));
    assert.equal(send(h, "/", [], { vm: 0 }).status, 200);
    restore();
    assert.equal(send(h, "/", [], { vm: 1 }).responseHeader("x-ratelimit-remaining"), "0");
    assert.equal(send(h, "/", [], { vm: 0 }).status, 429);
  });

  test("random interleavings of 6 VMs never admit more than the capacity, nor less", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = host({ rules: [{ name: "r", key: { header: "x-k" }, limit: { requests: 25, per: "minute" } }] }, 6);
      const data = h.sharedData;
      const original = data.set.bind(data);
      let x = seed;
      let depth = 0;
      let admitted = 0;
      const one = (vm: number) => { if (send(h, "/", [["x-k", "hot"]], { vm }).status === 200) admitted++; };
      data.set = (key: string, value: Uint8Array, cas: number) => {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        if (depth < 4 && x % 3 === 0) { depth++; one(x % 6); depth--; }
        return original(key, value, cas);
      };
      for (let i = 0; i < 40; i++) one(i % 6);
      data.set = original;
      assert.equal(admitted, 25, `seed ${seed}`);
    }
  });

  test("evictions under random interleavings of 6 VMs: no bucket ever gives more than its tokens, no value is locked out", () => {
    const ownerOf = (bytes: Uint8Array | undefined) => (bytes && bytes.length > 41 ? Buffer.from(bytes.subarray(41)).toString() : null);
    for (let seed = 1; seed <= 10; seed++) {
      const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 3, per: "day" }, max_keys: 8 }] }, 6);
      const data = h.sharedData;
      const original = data.set.bind(data);
      let x = seed;
      const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return Math.floor((x / 0x80000000) * n); }; // high bits
      const busy: number[] = []; // VMs inside a callback: a nested request goes to another one, as on Envoy
      const placements = new Map<string, number>();
      const admitted = new Map<string, number>();
      const lockedOut: string[] = [];
      const one = (v: string) => {
        const free = [0, 1, 2, 3, 4, 5].filter((vm) => !busy.includes(vm));
        const vm = free[rnd(free.length)]!;
        busy.push(vm);
        const status = send(h, "/", [["x-k", v]], { vm }).status;
        busy.pop();
        // Every request whose write succeeded has returned (nesting happens before a write), so a
        // rejection sees all the admissions its bucket gave: a fresh bucket gives 3 before any 429.
        if (status === 200) admitted.set(v, (admitted.get(v) ?? 0) + 1);
        else if ((admitted.get(v) ?? 0) < 3) lockedOut.push(`${v} after ${admitted.get(v) ?? 0}`);
      };
      data.set = (key: string, value: Uint8Array, cas: number) => {
        // Not between a slot's claim and its creation (cas 0): a worker stalled there is waited for, then denied.
        if (cas !== 0 && busy.length < 4 && rnd(3) === 0) one(rnd(4) === 0 ? "hot" : `n-${rnd(40)}`);
        const before = ownerOf(data.get(key)?.value);
        const status = original(key, value, cas);
        const after = ownerOf(value);
        if (status === 0 && /\|s\d+$/.test(key) && after !== null && after !== before) placements.set(after, (placements.get(after) ?? 0) + 1);
        return status;
      };
      for (let i = 0; i < 300; i++) one(rnd(3) === 0 ? "hot" : `n-${rnd(40)}`);
      data.set = original;
      for (const [v, n] of admitted) assert.ok(n <= 3 * (placements.get(v) ?? 0), `seed ${seed}: ${v} admitted ${n}, placed ${placements.get(v) ?? 0} times`);
      assert.deepEqual(lockedOut, [], `seed ${seed}: a value is rejected only after its bucket gave its 3 tokens`);
      assert.ok(counter(h, "t", "overflow") > 10, `seed ${seed}: evictions ${counter(h, "t", "overflow")}`);
      assert.equal(counter(h, "t", "error") + counter(h, "t", "contention"), 0);
      assert.ok(h.sharedData.keys().filter((k) => /\|t\|s\d+$/.test(k)).length <= 8, "slots");
    }
  });

  test("the first use of a key by two VMs at once creates one bucket (bitmap claim)", () => {
    const h = host({ rules: [{ name: "r", key: { header: "x-k" }, limit: { requests: 2, per: "minute" } }] }, 2);
    const data = h.sharedData;
    const original = data.get.bind(data);
    let armed = true;
    let admitted = 0;
    data.get = (key: string) => {
      const v = original(key);
      // VM 0 just found the slot absent: VM 1 claims and fills it before VM 0 goes on.
      if (armed && v === undefined && /\|s\d+$/.test(key)) {
        armed = false;
        if (send(h, "/", [["x-k", "new"]], { vm: 1 }).status === 200) admitted++;
      }
      return v;
    };
    if (send(h, "/", [["x-k", "new"]], { vm: 0 }).status === 200) admitted++;
    data.get = original;
    for (let i = 0; i < 3; i++) if (send(h, "/", [["x-k", "new"]]).status === 200) admitted++;
    assert.equal(admitted, 2);
    assert.equal(h.sharedData.keys().filter((k) => /\|s\d+$/.test(k)).length, 1);
  });

  test("retries run out: on_contention deny (default) rejects, allow admits; both are counted", () => {
    for (const [policy, status] of [["deny", 429], ["allow", 200]] as const) {
      const h = host({ rules: [{ name: "r", limit: { requests: 5, per: "minute" } }], cas_retries: 3, on_contention: policy }, 2);
      // Another worker wins every round: exactly cas_retries lost writes.
      const restore = interleave(h, 3, () => send(h, "/", [], { vm: 1 }));
      const res = send(h, "/", [], { vm: 0 });
      restore();
      assert.equal(res.status, status, policy);
      if (status === 429) assert.equal(res.responseHeader("retry-after"), "12");
      assert.equal(counter(h, "r", "contention"), 1);
      // the 3 interfering requests took 3 tokens; the bucket is exact afterwards
      assert.equal(burst(h, 5), 2, "a request decided by on_contention takes no token");
    }
  });

  test("two lost rounds with cas_retries 3: the third attempt succeeds", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 5, per: "minute" } }], cas_retries: 3 }, 2);
    const restore = interleave(h, 2, () => send(h, "/", [], { vm: 1 }));
    assert.equal(send(h, "/", [], { vm: 0 }).status, 200);
    restore();
    assert.equal(counter(h, "r", "contention"), 0);
    assert.equal(burst(h, 5), 2);
  });

  test("shared data failing unexpectedly lets requests through and counts an error", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }] }, 2);
    const data = h.sharedData;
    const original = data.set.bind(data);
    data.set = () => 10; // INTERNAL_FAILURE
    assert.equal(burst(h, 3), 3);
    data.set = original;
    assert.equal(counter(h, "r", "error"), 3);
  });
});

describe("configuration reload", () => {
  test("same rule: levels are kept and converted to the new limit; no bucket is reset", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 10, per: "minute" } }] }, 2);
    assert.equal(burst(h, 6), 6);
    assert.equal(h.reconfigure(JSON.stringify(withHeaders({ rules: [{ name: "r", limit: { requests: 10, per: "minute" } }] }))).ok, true);
    assert.equal(burst(h, 10), 4, "unchanged limit: level kept");
    h.advanceTime(30_000); // 5 tokens
    assert.equal(h.reconfigure(JSON.stringify(withHeaders({ rules: [{ name: "r", limit: { requests: 20, per: "minute" } }] }))).ok, true);
    assert.equal(send(h, "/").responseHeader("x-ratelimit-remaining"), "4", "5 tokens carried over, one taken");
    h.advanceTime(3000); // 1 token at 20/minute
    assert.equal(burst(h, 10), 5);
  });

  test("a renamed rule or another plugin name starts fresh buckets", () => {
    const h = host({ rules: [{ name: "a", limit: { requests: 1, per: "minute" } }] }, 2);
    assert.equal(burst(h, 2), 1);
    h.reconfigure(JSON.stringify(withHeaders({ rules: [{ name: "b", limit: { requests: 1, per: "minute" } }] })));
    assert.equal(burst(h, 2), 1);
  });

  test("Higress _rules_ entries have separate buckets, kept when entries are reordered", () => {
    const rule = (route: string) => ({ _match_route_: [route], rules: [{ name: "same", limit: { requests: 2, per: "minute" } }] });
    const h = host({ _rules_: [rule("r1"), rule("r2")] }, 2);
    const on = (route: string) => h.request({ headers: { ":path": "/" }, properties: { "xds.route_name": route } }).status === 200;
    assert.deepEqual([on("r1"), on("r1"), on("r1")], [true, true, false]);
    assert.deepEqual([on("r2"), on("r2"), on("r2")], [true, true, false]);
    h.reconfigure(JSON.stringify({ _rules_: [rule("r2"), rule("r1")] }));
    assert.equal(on("r1"), false);
    assert.equal(on("r2"), false);
    assert.equal(on("r3"), true, "no matching entry, no global configuration: plugin off");
  });
});

describe("responses", () => {
  test("by default no x-ratelimit-* is sent (as native local_ratelimit and Higress): only retry-after on a rejection", () => {
    const h = ProxyWasmHost.create({ wasm: WASM, workers: 1, pluginConfig: { rules: [{ name: "r", limit: { requests: 1, per: "minute" } }] } });
    const ok = send(h, "/");
    assert.equal(ok.status, 200);
    for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) assert.equal(ok.responseHeader(name), undefined, name);
    const no = send(h, "/");
    assert.equal(no.status, 429);
    assert.equal(no.responseHeader("retry-after"), "60");
    for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) assert.equal(no.responseHeader(name), undefined, name);
  });

  test("rate_limit_headers: false drops x-ratelimit-* but keeps retry-after; status, body and extra headers", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }], rate_limit_headers: false, status: 503,
      body: "busy", headers: { "X-Limited-By": "gateway" } });
    const ok = send(h, "/");
    assert.equal(ok.responseHeader("x-ratelimit-limit"), undefined);
    const no = send(h, "/");
    assert.equal(no.status, 503);
    assert.equal(no.localResponse?.bodyText, "busy");
    assert.equal(no.localResponse?.details, "local_rate_limited");
    assert.equal(no.responseHeader("x-limited-by"), "gateway");
    assert.equal(no.responseHeader("retry-after"), "60");
    assert.equal(no.responseHeader("x-ratelimit-remaining"), undefined);
  });

  test("gRPC requests are rejected with grpc-status RESOURCE_EXHAUSTED", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }] });
    send(h, "/svc/Method", [["content-type", "application/grpc"]]);
    const no = send(h, "/svc/Method", [["content-type", "application/grpc+proto"]]);
    assert.equal(no.localResponse?.grpcStatus, 8);
  });

  test("several rules: the fewest remaining tokens are reported; the first empty bucket rejects", () => {
    const h = host({ rules: [
      { name: "wide", limit: { requests: 100, per: "minute" } },
      { name: "narrow", key: { header: "x-k" }, limit: { requests: 2, per: "minute" } },
    ] });
    const a = send(h, "/", [["x-k", "a"]]);
    assert.equal(a.responseHeader("x-ratelimit-limit"), "2");
    assert.equal(a.responseHeader("x-ratelimit-remaining"), "1");
    send(h, "/", [["x-k", "a"]]);
    const no = send(h, "/", [["x-k", "a"]]);
    assert.equal(no.status, 429);
    assert.equal(no.responseHeader("x-ratelimit-limit"), "2");
    assert.equal(counter(h, "wide", "allowed"), 3, "tokens taken by earlier rules are not returned (as in Envoy)");
    assert.equal(counter(h, "narrow", "limited"), 1);
  });
});

describe("configuration errors name the field", () => {
  const invalid: [string, unknown, RegExp][] = [
    ["not JSON", "{rules:", /not valid JSON/],
    ["empty configuration", {}, /rules: is required/],
    ["empty rules", { rules: [] }, /rules: must list at least one rule/],
    ["unknown top-level field", { rule: [] }, /rule: unknown field/],
    ["rule without name", { rules: [{ limit: { requests: 1 } }] }, /rules\[0\]\.name: is required/],
    ["bad rule name", { rules: [{ name: "a.b", limit: { requests: 1 } }] }, /rules\[0\]\.name: must be 1-64 characters/],
    ["duplicate rule name", { rules: [{ name: "a", limit: { requests: 1 } }, { name: "a", limit: { requests: 1 } }] }, /rules\[1\]\.name: duplicate rule name 'a'/],
    ["keyless rule without limit", { rules: [{ name: "a" }] }, /rules\[0\]\.limit: is required/],
    ["keys without key source", { rules: [{ name: "a", keys: [{ key: "x", requests: 1 }] }] }, /rules\[0\]\.keys: needs a key source/],
    ["two key sources", { rules: [{ name: "a", key: { header: "x", param: "y" }, limit: { requests: 1 } }] }, /rules\[0\]\.key: must have exactly one of/],
    ["bad header name", { rules: [{ name: "a", key: { header: "x y" }, limit: { requests: 1 } }] }, /rules\[0\]\.key\.header: must be a header name/],
    ["consumer not true", { rules: [{ name: "a", key: { consumer: false }, limit: { requests: 1 } }] }, /rules\[0\]\.key\.consumer: must be true/],
    ["requests zero", { rules: [{ name: "a", limit: { requests: 0 } }] }, /rules\[0\]\.limit\.requests: must be an integer from 1 to 1000000000/],
    ["bad per", { rules: [{ name: "a", limit: { requests: 1, per: "week" } }] }, /rules\[0\]\.limit\.per: must be one of: second, minute, hour, day/],
    ["negative burst", { rules: [{ name: "a", limit: { requests: 1, burst: -1 } }] }, /rules\[0\]\.limit\.burst: must be an integer/],
    ["overflowing capacity", { rules: [{ name: "a", limit: { requests: 999999937, per: "day", burst: 1000000000 } }] }, /rules\[0\]\.limit\.burst: requests \+ burst is too large/],
    ["bad regexp", { rules: [{ name: "a", key: { header: "x" }, keys: [{ key: "regexp:(a", requests: 1 }] }] }, /rules\[0\]\.keys\[0\]\.key: bad regexp at offset 0: missing \)/],
    ["unsupported regexp", { rules: [{ name: "a", key: { header: "x" }, keys: [{ key: "regexp:\\bx", requests: 1 }] }] }, /rules\[0\]\.keys\[0\]\.key: bad regexp at offset 0: unsupported escape/],
    ["bad CIDR", { rules: [{ name: "a", key: { client_ip: true }, keys: [{ key: "10.0.0.0/33", requests: 1 }] }] }, /rules\[0\]\.keys\[0\]\.key: is not an IP range/],
    ["duplicate key", { rules: [{ name: "a", key: { header: "x" }, keys: [{ key: "k", requests: 1 }, { key: "k", requests: 2 }] }] }, /rules\[0\]\.keys\[1\]\.key: duplicate key 'k'/],
    ["key entry without limit", { rules: [{ name: "a", key: { header: "x" }, keys: [{ key: "k" }] }] }, /rules\[0\]\.keys\[0\]\.requests: is required/],
    ["star with default limit", { rules: [{ name: "a", key: { header: "x" }, limit: { requests: 1 }, keys: [{ key: "*", requests: 2 }] }] }, /rules\[0\]\.keys\[0\]\.key: "\*" gives every value its own bucket/],
    ["limit_missing without limit", { rules: [{ name: "a", key: { header: "x" }, keys: [{ key: "k", requests: 1 }], limit_missing: true }] }, /rules\[0\]\.limit_missing: true uses the rule's limit/],
    ["max_keys range", { rules: [{ name: "a", key: { header: "x" }, limit: { requests: 1 }, max_keys: 0 }] }, /rules\[0\]\.max_keys: must be an integer from 1 to 1000000/],
    ["bad overflow", { rules: [{ name: "a", key: { header: "x" }, limit: { requests: 1 }, overflow: "drop" }] }, /rules\[0\]\.overflow: must be one of: shared, allow, deny/],
    ["bad path_prefix", { rules: [{ name: "a", match: { path_prefix: "api" }, limit: { requests: 1 } }] }, /rules\[0\]\.match\.path_prefix: must start with \//],
    ["status range", { rules: [{ name: "a", limit: { requests: 1 } }], status: 200 }, /status: must be an integer from 400 to 599/],
    ["reserved response header", { rules: [{ name: "a", limit: { requests: 1 } }], headers: { "Retry-After": "1" } }, /headers\.Retry-After: is set by the plugin/],
    ["bad on_contention", { rules: [{ name: "a", limit: { requests: 1 } }], on_contention: "maybe" }, /on_contention: must be one of: deny, allow/],
    ["Higress: both key sources", { limit_by_header: "a", limit_by_param: "b", limit_keys: [{ key: "k", query_per_second: 1 }] }, /configuration: must have exactly one of: limit_by_header, limit_by_param/],
    ["Higress: no limit_keys", { limit_by_header: "a" }, /limit_keys: is required/],
    ["Higress: all zero", { limit_by_header: "a", limit_keys: [{ key: "k", query_per_second: 0 }] }, /limit_keys\[0\]\.query_per_second: one of query_per_second/],
    ["Higress mixed with rules", { limit_by_header: "a", limit_keys: [{ key: "k", query_per_day: 1 }], rules: [] }, /rules: cannot be combined/],
    ["error inside _rules_", { _rules_: [{ _match_route_: ["r"], rules: [{ name: "a", limit: { requests: -1 } }] }] }, /_rules_\[0\]\.rules\[0\]\.limit\.requests/],
  ];
  for (const [name, config, message] of invalid) {
    test(`rejected: ${name}`, () => {
      const h = new ProxyWasmHost({ wasm: WASM, pluginConfig: typeof config === "string" ? config : JSON.stringify(config), workers: 1 });
      const result = h.start();
      assert.equal(result.ok, false);
      const text = result.logs.map((l) => l.message).join("\n");
      assert.match(text, /invalid configuration/);
      assert.match(text, message);
    });
  }
});

describe("robustness", () => {
  test("memory does not grow over 30,000 requests with 30,000 distinct keys", () => {
    const h = host({ rules: [
      { name: "k", key: { header: "x-k" }, limit: { requests: 1, per: "second" }, max_keys: 64,
        keys: [{ key: "regexp:^[0-9]+$", requests: 2, per: "second" }] },
      { name: "c", key: { cookie: "sid" }, limit: { requests: 5, per: "minute" }, max_keys: 32 },
    ] }, 1);
    const run = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        h.request({ headers: [[":path", `/?i=${i}`], ["x-k", i % 3 === 0 ? String(i) : `key-${i}-${"x".repeat(i % 200)}`], ["cookie", `a=1; sid=s${i}`]] });
        if (i % 100 === 0) h.advanceTime(250);
      }
    };
    run(0, 3000);
    const pages = h.vm(0).memoryPages;
    run(3000, 30000);
    assert.equal(h.vm(0).memoryPages, pages, "linear memory pages after warm-up");
    assert.ok(h.sharedData.keys().length <= 64 + 32 + 10, "shared data stays bounded by max_keys");
  });
});

describe("damaged shared data recovers", () => {
  const PREFIX = "lrl|local-rate-limit|g|";
  const lastUs = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  /** Rewrites a stored bucket's time and level (the rest, limit and owner, is kept). */
  function damage(h: ProxyWasmHost, key: string, time: bigint, units = 0n) {
    const bytes = h.getSharedData(key)!.bytes.slice();
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, time, true);
    view.setBigUint64(8, units, true);
    assert.equal(h.setSharedData(key, bytes), 0);
  }
  const slotKeys = (h: ProxyWasmHost, rule: string) => h.sharedData.keys().filter((k) => new RegExp(`\\|${rule}\\|s\\d+$`).test(k));

  test("a bucket time far in the future (2^64-1) is corrupt: the bucket starts full again instead of never refilling", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 2, per: "minute" } }] }, 2);
    assert.equal(burst(h, 3), 2);
    damage(h, PREFIX + "r|all", 2n ** 64n - 1n);
    const first = send(h, "/");
    assert.equal(first.status, 200, "recovered at once, not after an hour (or never)");
    assert.equal(first.responseHeader("x-ratelimit-remaining"), "1", "a fresh full bucket of 2");
    assert.equal(burst(h, 3), 1, "and exact again from there");
    assert.ok(lastUs(h.getSharedData(PREFIX + "r|all")!.bytes) < 2n ** 62n, "the stored time is sane again");
    h.advanceTime(30_000);
    assert.equal(burst(h, 2), 1, "refills at the rate");
  });

  test("the same in the key table: the owner gets a fresh bucket, and another value may take the slot", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "minute" }, max_keys: 1 }] }, 2);
    assert.equal(burst(h, 2, "/", [["x-k", "a"]]), 1);
    const [slot] = slotKeys(h, "t");
    damage(h, slot!, 2n ** 64n - 1n);
    assert.equal(burst(h, 2, "/", [["x-k", "a"]]), 1, "the owner: a fresh bucket");
    damage(h, slot!, 2n ** 64n - 1n);
    assert.equal(send(h, "/", [["x-k", "b"]]).status, 200, "another value reuses the slot of the corrupt bucket");
    assert.equal(counter(h, "t", "overflow"), 0, "as a free slot, not by evicting an active bucket");
    assert.equal(send(h, "/", [["x-k", "b"]]).status, 429);
  });

  test("a time up to 1 s ahead is another worker's newer write: no refill until the clock passes it (refill stays exact)", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 2, per: "minute" } }] }, 2);
    assert.equal(burst(h, 1), 1);
    const key = PREFIX + "r|all";
    const written = lastUs(h.getSharedData(key)!.bytes);
    damage(h, key, written + 500_000n); // empty, refilled up to 500 ms from now
    assert.equal(send(h, "/").status, 429, "not reset to full");
    h.advanceTime(30_499);
    assert.equal(burst(h, 1), 0, "one token 30 s after the stored time, not after the clock");
    h.advanceTime(1);
    assert.equal(burst(h, 2), 1);
  });

  test("a bitmap shard of another size (older layout) is replaced on the next claim; values stay limited, no error", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "minute" }, max_keys: 64 }] }, 2);
    const shard = PREFIX + "t|b0";
    assert.equal(h.getSharedData(shard)!.bytes.length, 512);
    assert.equal(burst(h, 2, "/", [["x-k", "old"]]), 1);
    assert.equal(h.setSharedData(shard, new Uint8Array(100).fill(0xff)), 0);
    assert.equal(burst(h, 2, "/", [["x-k", "old"]]), 1 - 1, "a value with a slot still finds it");
    for (const v of ["a", "b", "c", "d", "e"]) assert.equal(burst(h, 3, "/", [["x-k", v]]), 1, `new value ${v} is limited`);
    assert.equal(counter(h, "t", "error"), 0);
    assert.equal(counter(h, "t", "overflow"), 0);
    const bytes = h.getSharedData(shard)!.bytes;
    assert.equal(bytes.length, 512, "a valid shard again");
    let bits = 0;
    for (const b of bytes) for (let x = b; x; x &= x - 1) bits++;
    assert.equal(bits, 5, "holding the claims made since (the old slot is found by reading it)");
    assert.equal(slotKeys(h, "t").length, 6);
  });

  test("two VMs replacing the same bad shard at once: compare-and-swap lets one claim win, the slot is written once", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "minute" }, max_keys: 1 }] }, 2);
    const shard = PREFIX + "t|b0";
    h.setSharedData(shard, new Uint8Array(7));
    const data = h.sharedData;
    const original = data.set.bind(data);
    const slotCreations: string[] = [];
    let armed = true;
    data.set = (key: string, value: Uint8Array, cas: number) => {
      // VM 0 is about to replace the bad shard: VM 1 claims the same slot first.
      if (armed && key === shard && cas !== 0) { armed = false; assert.equal(send(h, "/", [["x-k", "b"]], { vm: 1 }).status, 200); }
      if (/\|s\d+$/.test(key) && cas === 0) slotCreations.push(key);
      return original(key, value, cas);
    };
    const a = send(h, "/", [["x-k", "a"]], { vm: 0 });
    data.set = original;
    assert.equal(armed, false);
    assert.equal(a.status, 200, "a lost the creation, then evicted b from the one slot");
    assert.equal(counter(h, "t", "overflow"), 1);
    assert.deepEqual(slotCreations, [PREFIX + "t|s0"], "one creation of the one slot");
    assert.equal(send(h, "/", [["x-k", "a"]]).status, 429, "a owns the slot");
    assert.equal(counter(h, "t", "error"), 0);
  });
});

describe("a configuration is applied only once all of it is accepted", () => {
  const valid = { rules: [{ name: "pending", limit: { requests: 5, per: "minute" } }] };
  const badEntry = { _match_route_: ["x"], rules: [{ name: "bad", limit: { requests: -1 } }] };

  test("a configuration rejected in a later _rules_ entry writes no shared data and defines no metrics", () => {
    const h = new ProxyWasmHost({ wasm: WASM, workers: 1, rootId: "local-rate-limit", pluginName: "local-rate-limit",
      pluginConfig: JSON.stringify({ ...valid, _rules_: [badEntry] }) });
    const result = h.start();
    assert.equal(result.ok, false);
    assert.match(result.logs.map((l) => l.message).join("\n"), /_rules_\[0\]\.rules\[0\]\.limit\.requests/);
    assert.deepEqual(h.sharedData.keys(), []);
    assert.equal(h.metric("local_rate_limit.pending.allowed"), undefined);
  });

  test("a rejected update leaves the buckets alone: the next accepted one still starts its new rule full", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }] }, 2);
    const before = h.sharedData.keys().map((k) => [k, h.getSharedData(k)!.cas]);
    assert.equal(h.reconfigure(JSON.stringify({ ...valid, _rules_: [badEntry] })).ok, false);
    assert.deepEqual(h.sharedData.keys().map((k) => [k, h.getSharedData(k)!.cas]), before, "nothing written");
    // Had the rejected configuration created "pending" at 5/minute, 10/minute would carry its 5 tokens over.
    assert.equal(h.reconfigure(JSON.stringify(withHeaders({ rules: [{ name: "pending", limit: { requests: 10, per: "minute" } }] }))).ok, true);
    assert.equal(send(h, "/").responseHeader("x-ratelimit-remaining"), "9");
  });

  test("an accepted configuration defines every rule's counters at once (at 0), before any request", () => {
    const h = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }],
      _rules_: [{ _match_route_: ["x"], rules: [{ name: "other", limit: { requests: 1, per: "minute" } }] }] }, 1);
    for (const rule of ["r", "other"]) for (const c of COUNTERS) assert.equal(h.metric(`local_rate_limit.${rule}.${c}`), 0, `${rule}.${c}`);
  });
});

describe("per-request work", () => {
  test("rejections reuse the configured headers and carry only their own x-ratelimit-* pairs", () => {
    const h = host({ rules: [{ name: "t", key: { header: "x-k" }, limit: { requests: 1, per: "minute" } }],
      headers: { "x-limited-by": "gw" }, cas_retries: 2 }, 1);
    const headersOf = (s: HttpStream) => s.localResponse?.headers;
    const metered = [["x-limited-by", "gw"], ["x-ratelimit-limit", "1"], ["x-ratelimit-remaining", "0"], ["x-ratelimit-reset", "60"], ["retry-after", "60"]];
    assert.equal(send(h, "/", [["x-k", "a"]]).status, 200);
    assert.deepEqual(headersOf(send(h, "/", [["x-k", "a"]])), metered);
    // b loses every compare-and-swap round: on_contention deny rejects it without bucket numbers.
    const data = h.sharedData;
    const original = data.set.bind(data);
    data.set = (key: string, value: Uint8Array, cas: number) => (cas !== 0 ? 8 /* CAS_MISMATCH */ : original(key, value, cas));
    assert.deepEqual(headersOf(send(h, "/", [["x-k", "b"]])), [["x-limited-by", "gw"], ["x-ratelimit-limit", "1"], ["x-ratelimit-remaining", "0"], ["retry-after", "60"]]);
    data.set = original;
    assert.deepEqual(headersOf(send(h, "/", [["x-k", "a"]])), metered);
    const quiet = host({ rules: [{ name: "r", limit: { requests: 1, per: "minute" } }], rate_limit_headers: false, headers: { "x-a": "1", "x-b": "2" } }, 1);
    send(quiet, "/");
    for (let i = 0; i < 3; i++) assert.deepEqual(headersOf(send(quiet, "/")), [["x-a", "1"], ["x-b", "2"], ["retry-after", "60"]]);
  });

  test("client IP ranges: the address is parsed once and tested against every range (mapped IPv6, IPv6, not an address)", () => {
    const h = host({ rules: [{ name: "ip", key: { client_ip: true }, limit: { requests: 1, per: "minute" },
      keys: [{ key: "192.168.0.0/16", requests: 4, per: "minute" }, { key: "2001:db8::/32", requests: 2, per: "minute" },
        { key: "10.0.0.0/8", requests: 3, per: "minute" }] }] }, 1);
    const limitFor = (ip: string) => send(h, "/", [], { ip }).responseHeader("x-ratelimit-limit");
    assert.equal(limitFor("[::ffff:10.1.2.3]"), "3", "IPv4-mapped IPv6 in an IPv4 range (after two misses)");
    assert.equal(limitFor("[2001:db8::5]"), "2");
    assert.equal(limitFor("192.168.3.4"), "4");
    assert.equal(limitFor("not-an-address"), "1", "no range matches: the default limit");
    assert.equal(limitFor("10.0.0.1"), "3");
  });
});

// ---------------------------------------------------------------------------------------------------
// The Higress WasmPlugin manifest: defaultConfig and every matchRules entry must load and behave.

describe("Higress WasmPlugin manifest", () => {
  const manifest = parseYamlSubset(readFileSync(join(REPO_ROOT, "envoy-examples/local-rate-limit/higress-wasmplugin.yaml"), "utf8"));
  const spec = manifest.spec;
  // What Higress sends the plugin: defaultConfig plus matchRules as _rules_.
  const config = {
    ...spec.defaultConfig,
    _rules_: spec.matchRules.map((r: any) => ({
      ...(r.ingress ? { _match_route_: r.ingress } : {}), ...(r.domain ? { _match_domain_: r.domain } : {}), ...r.config,
    })),
  };

  test("the manifest is a WasmPlugin with a default configuration and match rules", () => {
    assert.equal(manifest.kind, "WasmPlugin");
    assert.equal(spec.defaultConfig.rules.length, 2);
    assert.equal(spec.matchRules.length, 2);
  });

  test("defaultConfig and every matchRules config load, and limit as described", () => {
    const h = host(config, 2);
    const req = (route: string, headers: [string, string][], authority = "api.example.com", method = "GET") =>
      h.request({ headers: [[":path", "/"], [":method", method], [":authority", authority], ...headers], properties: { "xds.route_name": route } });
    // default: per consumer 100/minute + 20, partners 1000/minute
    assert.equal(req("other", [["x-mse-consumer", "c1"]]).responseHeader("x-ratelimit-limit"), "50", "per-ip (50/s) has fewer tokens left than per-consumer");
    assert.equal(req("other", [["x-mse-consumer", "partner-1"]]).status, 200);
    // key-rate-limit route: only listed keys
    let ok = 0;
    for (let n = 0; n < 15; n++) if (req("default/open-api", [["x-ca-key", "102234"]]).status === 200) ok++;
    assert.equal(ok, 10);
    assert.equal(req("default/open-api", [["x-ca-key", "unlisted"]]).status, 200);
    // login domain: POST per IP 5/minute with its own body
    ok = 0;
    let last: HttpStream | undefined;
    for (let n = 0; n < 7; n++) { last = req("login", [], "login.example.com", "POST"); if (last.status === 200) ok++; }
    assert.equal(ok, 5);
    assert.equal(last!.localResponse?.bodyText, "Too many login attempts");
  });
});
