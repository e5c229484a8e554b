// The Higress cluster-key-rate-limit form against the real Rate Limit Service: the plugin runs in the
// host emulator, and each ShouldRateLimit call it makes is sent, byte for byte, to RLS (pinned in
// scripts/install-ratelimit.sh) over gRPC, its answer handed back to the plugin. RLS is configured with
// just `domain: gateway` (no descriptors), the configuration the README says the form needs: it loads,
// and the plugin's limit overrides are what RLS counts, per rule_name and value.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect as http2Connect } from "node:http2";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "../emulator/plugin-wasm.ts";
import { awayFromWindowEdge, dumpRedisLog, dumpRlsLog, startRedis, startRls, type Redis, type Rls } from "./rls.ts";

const WASM = pluginWasm("global-rate-limit");
const PATH = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";

/** One unary gRPC call (uncompressed): the response message, or a rejection with the grpc-status. */
function grpcUnary(port: number, path: string, message: Uint8Array, timeoutMs = 2_000): Promise<Uint8Array> {
  return new Promise((ok, fail) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => { session.destroy(); fail(new Error(`${path}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
    const done = (f: () => void) => { clearTimeout(timer); session.close(); f(); };
    session.once("error", (e) => done(() => fail(e)));
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    let status: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => { if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]); });
    stream.on("trailers", (h) => { status = String(h["grpc-status"]); });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("error", (e) => done(() => fail(e)));
    stream.once("end", () => {
      const body = Buffer.concat(chunks);
      if (status !== "0" || body.length < 5) return done(() => fail(new Error(`${path}: grpc-status ${status}, ${body.length} bytes`)));
      done(() => ok(new Uint8Array(body.subarray(5, 5 + body.readUInt32BE(1)))));
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    stream.end(Buffer.concat([prefix, message]));
  });
}

describe("global-rate-limit Higress form -> the real Rate Limit Service (domain only) -> Redis", () => {
  let redis: Redis;
  let rls: Rls;

  before(async () => {
    redis = await startRedis();
    rls = await startRls({ redisPort: redis.port, config: "domain: gateway\n" });
  });
  after(async () => {
    await rls?.stop();
    await redis?.stop();
  });
  afterEach((t) => {
    if (t.passed === false) {
      dumpRlsLog(rls, t.name);
      dumpRedisLog(redis, t.name, 30);
    }
  });

  function host(config: object) {
    return ProxyWasmHost.create({
      wasm: WASM, workers: 2, clusters: ["rls"], rootId: "global-rate-limit", pluginName: "global-rate-limit",
      pluginConfig: JSON.stringify({ cluster: "rls", ...config }),
    });
  }

  /** One request through the plugin, its call (if any) answered by RLS; returns the status and whether it called. */
  async function send(h: ProxyWasmHost, headers: [string, string][] = []): Promise<{ status: number; called: boolean; stream: HttpStream }> {
    const s = h.request({ headers: [[":path", "/"], [":method", "GET"], ...headers] });
    const calls = h.pendingGrpcCalls();
    for (const call of calls) {
      assert.equal(`/${call.serviceName}/${call.method}`, PATH);
      h.respondGrpcCall(call, await grpcUnary(rls.grpcPort, PATH, call.message));
    }
    return { status: s.status!, called: calls.length > 0, stream: s };
  }

  test("RLS loads a domain without descriptors and counts the overrides: per value for rule_items, once for global_threshold", async () => {
    await awayFromWindowEdge(60, 5_000);
    const rule = `per-user-${randomUUID().slice(0, 8)}`;
    const h = host({ domain: "gateway", rule_name: rule, show_limit_quota_header: true, rule_items: [
      { limit_by_header: "x-ca-key", limit_keys: [{ key: "gold", query_per_minute: 4 }] },
      { limit_by_per_header: "x-user", limit_keys: [{ key: "*", query_per_minute: 2 }] },
    ] });
    const statuses = async (headers: [string, string][], n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await send(h, headers)).status);
      return out;
    };
    assert.deepEqual(await statuses([["x-ca-key", "gold"]], 5), [200, 200, 200, 200, 429]);
    assert.deepEqual(await statuses([["x-user", "u1"]], 3), [200, 200, 429]);
    assert.deepEqual(await statuses([["x-user", "u2"]], 2), [200, 200]);
    const ok = await send(h, [["x-user", "u3"]]);
    assert.equal(ok.stream.responseHeader("x-ratelimit-limit"), "2, 2;w=60");
    assert.equal(ok.stream.responseHeader("x-ratelimit-remaining"), "1");
    const over = await send(h, [["x-ca-key", "gold"]]);
    assert.equal(over.status, 429);
    assert.equal(over.stream.localResponse?.bodyText, "Too many requests");
    assert.equal(over.stream.responseHeader("x-ratelimit-remaining"), "0");
    assert.equal((await send(h, [["x-ca-key", "silver"]])).called, false);

    const g = host({ domain: "gateway", rule_name: `global-${randomUUID().slice(0, 8)}`, global_threshold: { query_per_minute: 3 } });
    assert.deepEqual([(await send(g)).status, (await send(g)).status, (await send(g)).status, (await send(g)).status], [200, 200, 200, 429]);
    assert.match(rls.log(), /gateway/);
  });

  test("a domain RLS does not know: every descriptor is answered OK (nothing is limited)", async () => {
    const h = host({ domain: "not-configured", rule_name: `g-${randomUUID().slice(0, 8)}`, global_threshold: { query_per_minute: 1 } });
    for (let i = 0; i < 3; i++) {
      const r = await send(h);
      assert.equal(r.called, true);
      assert.equal(r.status, 200);
    }
  });
});
