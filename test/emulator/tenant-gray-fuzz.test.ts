// Fuzzing tenant-gray through the emulator: hostile tenants, cookies, queries, paths, hosts, client
// addresses, tags and baggage, in the lane mode and in the Higress traffic-tag mode. Any trap fails
// (the host throws WasmTrapError); outputs are checked against the configuration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { SAAS_CONFIG, TRAFFIC_TAG_CONFIG } from "../scenarios/tenant-gray.ts";
import { baggageMembers, bin, clientText, memberHasKey, withRawBytes } from "../scenarios/header-bytes.ts";

const WASM = pluginWasm("tenant-gray");

/** xorshift32: deterministic, so a failure can be replayed from its index. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return { int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length], chance: (p: number) => next() / 2 ** 32 < p };
}
type R = ReturnType<typeof rng>;

const SPECIAL = ["%", "%2", "%zz", "%ED%A0%80", "%C3", "+", "&", "=", "?", "#", "/", ";", ",", '"', " ", "\t", "\u0000", "\u007f", "\u00ff", "\ud800", "\u4e2d", ".", ":", "[", "]", "x-mse-lane=", "tenant="];
const TENANTS = ["acme", "globex", "beta-1", "staff-x", "hooli", "initech", "tenant-40", ""];

function text(r: R, max: number): string {
  const n = r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += r.chance(0.8) ? String.fromCharCode(0x20 + r.int(0x5f)) : r.pick(SPECIAL);
  return s;
}

function mutate(r: R, s: string): string {
  const ops = 1 + r.int(3);
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(5)) {
      case 0: s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(4)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s + s; break;
      default: s = s.slice(0, at) + String.fromCharCode(r.int(0x80)) + s.slice(at + 1);
    }
  }
  return s;
}

// Envoy never lets CR, LF, NUL or other control bytes (HTAB aside) into a header value (the codec
// rejects the request with 400).
const headerSafe = clientText;
// A client value, sometimes with raw bytes that are not UTF-8 (which must reach the upstream as they came).
const raw = (r: R, s: string): string | Uint8Array => (r.chance(0.25) ? withRawBytes(s, 1 + r.int(3), r.int) : headerSafe(s));
const show = (headers: [string, string | Uint8Array][]) => JSON.stringify(headers.map(([k, v]) => [k, bin(v)]));
const maybe = (r: R, p: number, f: () => string) => (r.chance(p) ? f() : undefined);

const ADDRESSES = ["127.0.0.1:1", "127.0.0.2:5", "10.1.2.3:80", "[::1]:80", "[2001:db8::1]:443", "[::ffff:10.0.0.1]:1", "garbage", "", "1.2.3.4", "[::1", "::1:80", "300.1.1.1:2"];
const ROUTES = ["base", "gray", "reports", "reports-gray", "tenant-path", "other", ""];

test("fuzz: 50,000 hostile requests against the example configuration, zero traps", { timeout: 300_000 }, () => {
  const host = ProxyWasmHost.create({ wasm: WASM, workers: 2, pluginConfig: JSON.stringify(SAAS_CONFIG) });
  const r = rng(20261122);
  let gray = 0;
  for (let i = 0; i < 50_000; i++) {
    const headers: [string, string | Uint8Array][] = [];
    const path = r.chance(0.5)
      ? `/${r.pick(["t", "reports", "app"])}/${mutate(r, r.pick(TENANTS))}/${text(r, 10)}?tenant=${mutate(r, r.pick(TENANTS))}&${text(r, 20)}`
      : "/" + text(r, r.chance(0.01) ? 6000 : 80);
    headers.push([":path", headerSafe(path)]);
    const tenant = maybe(r, 0.5, () => (r.chance(0.5) ? mutate(r, r.pick(TENANTS)) : text(r, r.chance(0.01) ? 5000 : 40)));
    if (tenant !== undefined) headers.push(["x-tenant-id", raw(r, tenant)]);
    const claim = maybe(r, 0.1, () => mutate(r, r.pick(TENANTS)));
    if (claim !== undefined) headers.push(["x-jwt-tenant", raw(r, claim)]);
    const cookie = maybe(r, 0.4, () => mutate(r, `a=1; tenant=${r.pick(TENANTS)}; x-mse-lane=${r.pick(["gray", "red", ""])}`));
    if (cookie !== undefined) headers.push(["cookie", raw(r, cookie)]);
    const authority = maybe(r, 0.3, () => mutate(r, `${r.pick(TENANTS)}.tenants.example.com:${r.int(70000)}`));
    if (authority !== undefined) headers.push([":authority", headerSafe(authority)]);
    const tag = maybe(r, 0.2, () => mutate(r, "gray"));
    if (tag !== undefined) headers.push(["x-mse-tag", raw(r, tag)]);
    const baggage = maybe(r, 0.3, () => mutate(r, "a=1,x-mse-tag=blue;p,b=2"));
    if (baggage !== undefined) headers.push(["baggage", raw(r, baggage)]);
    const properties: Record<string, string> = { "xds.route_name": r.pick(ROUTES), "source.address": r.chance(0.8) ? r.pick(ADDRESSES) : text(r, 30) };
    let s;
    try {
      s = host.request({ headers, properties });
    } catch (err) {
      assert.fail(`request ${i} ${JSON.stringify({ headers: show(headers), properties }).slice(0, 600)}: ${(err as Error).message}`);
    }
    assert.ok((s.status ?? 0) < 500, `request ${i}: ${s.status} ${s.localResponse?.details} ${show(headers).slice(0, 600)}`);
    // Baggage members the plugin does not own (any key but x-mse-tag) reach the upstream byte for byte,
    // cut only at the W3C limits; the plugin's own member, if any, is x-mse-tag=gray at the end.
    const joined = headers.filter(([k]) => k === "baggage").map(([, v]) => bin(v)).join(",");
    const before = baggageMembers(joined).filter((m) => !memberHasKey(m, "x-mse-tag"));
    const afterAll = baggageMembers(s.requestHeaderMap.getAllBytes("baggage").map(bin).join(","));
    const after = afterAll.filter((m) => !memberHasKey(m, "x-mse-tag"));
    assert.deepEqual(after, before.slice(0, after.length), `request ${i}: baggage members changed ${show(headers).slice(0, 600)}`);
    if (joined.length <= 8192 && baggageMembers(joined).length <= 64) assert.equal(after.length, before.length, `request ${i}: members dropped`);
    const own = afterAll.filter((m) => memberHasKey(m, "x-mse-tag"));
    assert.ok(own.length === 0 || (own.length === 1 && own[0] === "x-mse-tag=gray" && afterAll.at(-1) === own[0]), `request ${i}: own member ${own}`);
    // override is on: the tag is the lane's or nothing, whatever the client sent.
    const out = s.requestHeader("x-mse-tag");
    assert.ok(out === undefined || out === "gray", `request ${i}: tag ${JSON.stringify(out)}`);
    if (out === "gray") gray++;
    const lane = s.responseHeader("x-tenant-lane");
    assert.match(lane ?? "", /^(gray|base);by=(tenants|prefix|percentage|source|cookie|no-tenant|no-lane)$/, `request ${i}`);
    const bag = s.requestHeader("baggage");
    if (out === "gray" && bag !== undefined) assert.ok(bag.includes("x-mse-tag=gray"), `request ${i}: baggage ${bag}`);
    const setCookie = s.responseHeader("set-cookie");
    if (setCookie !== undefined) assert.match(setCookie, /^x-mse-lane=(gray)?; Path=\/; Max-Age=(3600|0); HttpOnly; SameSite=Lax$/);
  }
  assert.equal(host.vms.filter((vm) => vm.failed).length, 0);
  // The checks above mostly look at tagged requests: a plugin that stopped tagging would pass them.
  console.log(`# tenant-gray fuzz: ${gray} of 50,000 requests in gray`);
  assert.ok(gray >= MIN_GRAY, `only ${gray} of 50,000 requests were put in gray`);
});

// About half of what the fixed seeds give (see the "# ... fuzz" lines).
const MIN_GRAY = 2000;
const MIN_CONDITIONED = 1500;
const MIN_WEIGHTED = 700;

test("fuzz: 10,000 hostile requests in Higress traffic-tag mode, zero traps", { timeout: 120_000 }, () => {
  const host = ProxyWasmHost.create({
    wasm: WASM,
    workers: 1,
    pluginConfig: JSON.stringify({ ...TRAFFIC_TAG_CONFIG, weightGroups: [{ headerName: "x-lane", headerValue: "blue", weight: 30 }] }),
  });
  const r = rng(7);
  let conditioned = 0;
  let weighted = 0;
  for (let i = 0; i < 10_000; i++) {
    const headers: [string, string | Uint8Array][] = [[":path", headerSafe(mutate(r, "/?tenant=beta-1&x=%41"))]];
    if (r.chance(0.5)) headers.push(["x-user-id", raw(r, mutate(r, "u1"))]);
    if (r.chance(0.5)) headers.push(["cookie", raw(r, mutate(r, "uid=abc; k=v"))]);
    if (r.chance(0.2)) headers.push(["x-mse-tag", raw(r, text(r, 10))]);
    const s = host.request({ headers });
    assert.ok((s.status ?? 0) < 500, `request ${i}: ${s.status} ${s.localResponse?.details} ${show(headers)}`);
    const sent = headers.find(([k]) => k === "x-mse-tag")?.[1];
    const tag = s.requestHeader("x-mse-tag");
    if (sent === undefined) {
      const blue = s.requestHeader("x-lane") === "blue";
      assert.ok(blue ? tag === undefined : tag === "gray" || tag === "base", `request ${i}: ${tag}`);
      if (blue) weighted++;
      else if (tag === "gray") conditioned++;
    }
  }
  assert.equal(host.vms.filter((vm) => vm.failed).length, 0);
  console.log(`# traffic-tag fuzz: ${conditioned} tagged gray by conditions, ${weighted} blue by weight`);
  assert.ok(conditioned >= MIN_CONDITIONED, `only ${conditioned} of 10,000 requests matched a condition group`);
  assert.ok(weighted >= MIN_WEIGHTED, `only ${weighted} of 10,000 requests got the weighted tag`);
});
