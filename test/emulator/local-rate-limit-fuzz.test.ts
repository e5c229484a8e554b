// Fuzzing local-rate-limit through the emulator: hostile requests on every key source and
// random configurations. Any trap fails (the host throws WasmTrapError).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { bin, clientText, withRawBytes } from "../scenarios/header-bytes.ts";
import { KEY_SOURCE_RULES } from "../fuzz/plugins/local-rate-limit.ts";

const MODULE = new WebAssembly.Module(readFileSync(pluginWasm("local-rate-limit")));

/** xorshift32: deterministic, so a failure can be replayed from its index. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return { int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length], chance: (p: number) => next() / 2 ** 32 < p };
}
type Rng = ReturnType<typeof rng>;

const SPECIAL = ["%", "%0", "%zz", "%FF", "%e4%b8", "+", "&", "=", "?", "#", ";", ",", '"', "\\", "/", ":", "[", "]", "::", ".", " ", "\t",
  "\u00ff", "\u4e2d", "\ud800", "\udfff", "\u0000", "vip-", "gold-", "10.", "255", "ffff", "*", "regexp:", "^", "$"];

function text(r: Rng, max: number): string {
  const n = r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += r.chance(0.8) ? String.fromCharCode(0x21 + r.int(0x5e)) : r.pick(SPECIAL);
  return s;
}

// A header value a client can send (Envoy's codec answers 400 for control bytes but HTAB), sometimes
// with raw bytes that are not UTF-8.
function headerValue(r: Rng, s: string): string | Uint8Array {
  return r.chance(0.25) ? withRawBytes(s, 1 + r.int(3), r.int) : clientText(s);
}

const CONFIG = {
  rules: KEY_SOURCE_RULES,
  cas_retries: 4,
};

test("fuzz: 40,000 hostile requests on every key source, zero traps", { timeout: 120_000 }, () => {
  const host = ProxyWasmHost.create({ wasm: MODULE, workers: 3, pluginConfig: JSON.stringify(CONFIG) });
  const r = rng(20261122);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 40_000; i++) {
    const headers: [string, string | Uint8Array][] = [];
    const long = r.chance(0.01);
    let path = r.chance(0.3) ? "/p/" + text(r, 40) : "/" + text(r, 30);
    if (r.chance(0.6)) path += "?" + (r.chance(0.5) ? "tenant=" : "") + text(r, long ? 9000 : 60) + (r.chance(0.3) ? "&tenant=" + text(r, 20) : "");
    headers.push([":path", clientText(path)]);
    headers.push([":method", r.pick(["GET", "POST", "PUT", "X"])]);
    if (r.chance(0.7)) headers.push(["x-api-key", r.chance(0.2) ? r.pick(["vip", "gold-0a", "silver-beef", "aab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]) : headerValue(r, text(r, long ? 20000 : 50))]);
    if (r.chance(0.5)) headers.push(["cookie", headerValue(r, (r.chance(0.5) ? "sid=" : "") + text(r, long ? 8000 : 60) + (r.chance(0.3) ? "; sid=" + text(r, 10) : ""))]);
    if (r.chance(0.2)) headers.push(["x-mse-consumer", headerValue(r, text(r, 30))]);
    if (r.chance(0.1)) headers.push(["content-type", "application/grpc"]);
    const ip = r.chance(0.5) ? `10.${r.int(256)}.${r.int(256)}.${r.int(256)}:${r.int(65536)}`
      : r.chance(0.5) ? `[2001:db8::${r.int(65536).toString(16)}]:443` : text(r, 45);
    const res = host.request({ vm: r.int(3), headers, properties: { "source.address": ip } });
    const status = res.status ?? 0;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const key = headers.find(([k]) => k === "x-api-key")?.[1];
    if (status === 200 && key !== undefined) assert.equal(bin(res.requestHeaderBytes("x-api-key")!), bin(key), `request ${i}: x-api-key changed`);
    if (i % 50 === 0) host.advanceTime(r.int(3000));
  }
  assert.deepEqual([...statuses.keys()].sort(), [200, 429], `statuses ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(429) ?? 0) > 1000, "the fuzz exercised rejections");
  // The VMs still work and still limit.
  host.advanceTime(86_400_000);
  let ok = 0;
  for (let i = 0; i < 10; i++) if (host.request({ headers: [[":path", "/"], ["x-api-key", "after-fuzz"]] }).status === 200) ok++;
  assert.equal(ok, 5);
});

test("fuzz: 3,000 mutated configurations are accepted or rejected, never trap", { timeout: 120_000 }, () => {
  const r = rng(7);
  const base = JSON.stringify(CONFIG);
  const values = ["0", "-1", "1e9", "1.5", "\"\"", "null", "true", "[]", "{}", "\"regexp:(\"", "\"regexp:a{3,2}\"", "\"::/0\"", "\"week\"", "1000000001", "\"x\\u0000y\""];
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    let s = base;
    const edits = 1 + r.int(3);
    for (let k = 0; k < edits; k++) {
      const at = r.int(s.length);
      switch (r.int(4)) {
        case 0: { // replace a scalar value after a colon
          const colon = s.indexOf(":", at);
          if (colon < 0) break;
          let end = colon + 1;
          while (end < s.length && !",}]".includes(s[end])) end++;
          s = s.slice(0, colon + 1) + r.pick(values) + s.slice(end);
          break;
        }
        case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(6)); break;
        case 2: s = s.slice(0, at) + r.pick(SPECIAL) + s.slice(at); break;
        default: s = s.slice(0, at) + "," + s.slice(at);
      }
    }
    const h = new ProxyWasmHost({ wasm: MODULE, workers: 1, pluginConfig: s });
    const result = h.start();
    if (!result.ok) {
      assert.match(result.logs.map((l) => l.message).join("\n"), /invalid configuration/, s);
      continue;
    }
    accepted++;
    for (let j = 0; j < 5; j++) h.request({ headers: [[":path", "/p?tenant=t"], ["x-api-key", "gold-00"], ["cookie", "sid=1"], ["x-mse-consumer", "c"]] });
  }
  assert.ok(accepted > 50, `accepted ${accepted}`);
});
