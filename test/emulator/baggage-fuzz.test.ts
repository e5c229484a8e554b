// Fuzzing baggage-tag through the emulator (any trap fails: the host throws WasmTrapError),
// and a differential check of the W3C baggage codec against OpenTelemetry's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, defaultTextMapGetter, propagation } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { baggageMembers, bin, clientText, memberHasKey, withRawBytes } from "../scenarios/header-bytes.ts";

const WASM = pluginWasm("baggage-tag");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** xorshift32: deterministic, so a failure can be replayed from its index. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return { int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length], chance: (p: number) => next() / 2 ** 32 < p };
}

const SAMPLES = [
  "x-mse-tag=gray", "x-mse-tag = gray ; p = 1 ; flag", "a=1,x-mse-tag=gr%61y,tenant=t1", "tenant=%E4%B8%AD",
  "x-mse-tag=%", "x-mse-tag=%G1", "=x", "k=v;;", ",,,", "x-mse-tag==gray", "x-mse-tag=gray,x-mse-tag=blue",
];
const SPECIAL = ["%", ",", ";", "=", '"', "\\", "{", "[", " ", "\t", "\u0000", "\r", "\n", "\u00ff", "\ud800", "\u4e2d", "%0", "%FF", "%e4%b8"];

function randomText(r: ReturnType<typeof rng>, max: number): string {
  const n = r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += r.chance(0.85) ? String.fromCharCode(0x20 + r.int(0x5f)) : r.pick(SPECIAL);
  return s;
}

function mutate(r: ReturnType<typeof rng>, s: string): string {
  const ops = 1 + r.int(4);
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(5)) {
      case 0: s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(4)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s + "," + s; break;
      default: s = s.slice(0, at) + String.fromCharCode(r.int(0x80)) + s.slice(at + 1);
    }
  }
  return s;
}

// What a client can send: no control bytes (Envoy's codec answers 400), and sometimes raw bytes that
// are not UTF-8, which must reach the upstream as they came.
function clientValue(r: ReturnType<typeof rng>, text: string): string | Uint8Array {
  return r.chance(0.3) ? withRawBytes(text, 1 + r.int(3), r.int) : clientText(text);
}

test("fuzz: 100,000 random and mutated baggage values, zero traps", { timeout: 300_000 }, () => {
  const host = ProxyWasmHost.create({
    wasm: WASM,
    workers: 2,
    pluginConfig: JSON.stringify({ rules: [
      { baggage_key: "x-mse-tag", allowed_values: ["gray", "blue"], propagate_to_baggage: true },
      { baggage_key: "tenant", header: "x-tenant", max_length: 16, override: true, propagate_to_baggage: true },
    ] }),
  });
  const r = rng(20261122);
  const sw8 = (k: string, v: string) => `${Buffer.from(k).toString("base64")}:${Buffer.from(v).toString("base64")}`;
  let tagged = 0;
  let tenants = 0;
  for (let i = 0; i < 100_000; i++) {
    const value = r.chance(0.5) ? randomText(r, r.chance(0.02) ? 12000 : 200) : mutate(r, r.pick(SAMPLES));
    const headers: [string, string | Uint8Array][] = [["baggage", clientValue(r, value)]];
    if (r.chance(0.2)) headers.push(["baggage", clientValue(r, mutate(r, r.pick(SAMPLES)))]);
    if (r.chance(0.15)) headers.push(["uberctx-x-mse-tag", clientValue(r, mutate(r, "gray"))]);
    if (r.chance(0.1)) headers.push(["ot-baggage-tenant", clientValue(r, randomText(r, 30))]);
    if (r.chance(0.15)) headers.push(["sw8-correlation", clientValue(r, r.chance(0.5) ? mutate(r, sw8("x-mse-tag", "gray")) : randomText(r, 60))]);
    if (r.chance(0.1)) headers.push(["x-mse-tag", clientValue(r, randomText(r, 20))]);
    let s;
    try {
      s = host.request({ headers });
    } catch (err) {
      assert.fail(`request ${i} with headers ${show(headers)}: ${(err as Error).message}`);
    }
    assert.ok((s.status ?? 0) < 500, `request ${i}: ${s.status} ${s.localResponse?.details} with headers ${show(headers)}`);
    // Members the plugin does not own reach the upstream byte for byte; it only appends its keys.
    const before = baggageMembers(headers.filter(([k]) => k === "baggage").map(([, v]) => bin(v)).join(","));
    const after = baggageMembers(s.requestHeaderMap.getAllBytes("baggage").map(bin).join(","));
    assert.deepEqual(after.slice(0, before.length), before, `request ${i}: baggage members changed, headers ${show(headers)}`);
    for (const m of after.slice(before.length)) assert.ok(memberHasKey(m, "x-mse-tag") || memberHasKey(m, "tenant"), `request ${i}: added ${m}`);
    const sent = headers.find(([k]) => k === "x-mse-tag");
    const tag = s.requestHeader("x-mse-tag");
    if (!sent && tag !== undefined) {
      assert.ok(tag === "gray" || tag === "blue", `request ${i}: tag ${JSON.stringify(tag)}`);
      tagged++;
    }
    const tenant = s.requestHeader("x-tenant");
    if (tenant !== undefined) {
      assert.ok(TOKEN.test(tenant) && tenant.length <= 16, `request ${i}: tenant ${JSON.stringify(tenant)}`);
      tenants++;
    }
  }
  assert.equal(host.vms.filter((vm) => vm.failed).length, 0);
  // The assertions above only look at tagged requests: a plugin that stopped tagging would pass them.
  console.log(`# baggage fuzz: ${tagged} requests tagged, ${tenants} with a tenant header`);
  assert.ok(tagged >= MIN_TAGGED, `only ${tagged} of 100,000 requests were tagged`);
  assert.ok(tenants >= MIN_TENANTS, `only ${tenants} of 100,000 requests got a tenant header`);
});

// About half of what this fixed seed gives (see the "# baggage fuzz" line).
const MIN_TAGGED = 4000;
const MIN_TENANTS = 1500;

const show = (headers: [string, string | Uint8Array][]) => JSON.stringify(headers.map(([k, v]) => [k, bin(v)])).slice(0, 500);

test("differential: values found in well-formed baggage match OpenTelemetry's parser", () => {
  const host = ProxyWasmHost.create({ wasm: WASM, workers: 1, pluginConfig: JSON.stringify({ rules: [{ baggage_key: "x-mse-tag", max_length: 4096 }] }) });
  const otel = new W3CBaggagePropagator();
  const r = rng(7);
  const keys = ["a", "b-c", "x-mse-tag", "tenant", "k_1", "x.y"];
  const ows = () => r.pick(["", " ", "\t", "  "]);
  const valueChars = "abcXYZ019-._~!*'()%,;= \u4e2d\u00e9/+";
  let compared = 0;
  for (let i = 0; i < 5000; i++) {
    const members: string[] = [];
    const used = new Set<string>();
    const n = 1 + r.int(6);
    for (let m = 0; m < n; m++) {
      const key = r.pick(keys);
      if (used.has(key)) continue; // OpenTelemetry keeps the last duplicate, the plugin the first
      used.add(key);
      let raw = "";
      for (let c = r.int(12); c > 0; c--) raw += valueChars[r.int(valueChars.length)];
      let member = `${ows()}${key}${ows()}=${ows()}${encodeURIComponent(raw)}${ows()}`;
      if (r.chance(0.3)) member += `;${ows()}prop${r.chance(0.5) ? "=1" : ""}${ows()}`;
      members.push(member);
    }
    const header = members.join(",");
    const ctx = otel.extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter);
    const expected = propagation.getBaggage(ctx)?.getEntry("x-mse-tag")?.value;
    const got = host.request({ headers: { baggage: header } }).requestHeader("x-mse-tag");
    const acceptable = expected !== undefined && TOKEN.test(expected) ? expected : undefined;
    assert.equal(got, acceptable, `baggage ${JSON.stringify(header)}: OpenTelemetry says ${JSON.stringify(expected)}`);
    if (expected !== undefined) compared++;
  }
  assert.ok(compared > 1000, `only ${compared} headers carried the key`);
});

test("differential: baggage the plugin writes is read back by OpenTelemetry", () => {
  const host = ProxyWasmHost.create({ wasm: WASM, workers: 1, pluginConfig: JSON.stringify({ rules: [{ baggage_key: "x-mse-tag", max_length: 4096, propagate_to_baggage: true }] }) });
  const otel = new W3CBaggagePropagator();
  const r = rng(11);
  const tchars = "!#$%&'*+-.^_`|~09azAZ";
  for (let i = 0; i < 2000; i++) {
    let tag = "";
    for (let c = 1 + r.int(10); c > 0; c--) tag += tchars[r.int(tchars.length)];
    const existing = r.chance(0.5) ? "a=1;p, b=%2C" : "";
    const headers: [string, string][] = [["x-mse-tag", tag]];
    if (existing) headers.push(["baggage", existing]);
    const s = host.request({ headers });
    const baggage = s.requestHeader("baggage")!;
    const ctx = otel.extract(ROOT_CONTEXT, { baggage }, defaultTextMapGetter);
    assert.equal(propagation.getBaggage(ctx)?.getEntry("x-mse-tag")?.value, tag, `written baggage ${baggage}`);
    if (existing) assert.equal(propagation.getBaggage(ctx)?.getEntry("b")?.value, ",");
  }
});
