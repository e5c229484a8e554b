// The host-call floor (scripts/bench/floor.ts) of a plugin that makes a gRPC call per request
// (global-rate-limit): the generated module, run in the emulator, pauses the request, makes the same
// call, and on the answer switches to the stream that made it and resumes it, with the same host calls
// as the plugin, callback by callback.
// Run: node --import tsx --test test/emulator/bench-floor.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildFloor } from "../../scripts/bench/floor.ts";
import { ProxyWasmHost } from "../host/index.ts";
import { Code, Unit, encodeResponse } from "../scenarios/rls-messages.ts";
import { pluginWasm } from "./plugin-wasm.ts";

const config = { cluster: "rls", domain: "bench", rules: [{ name: "per-api-key", descriptor: [{ key: "api_key", header: "x-api-key" }] }] };
const answer = encodeResponse({ code: Code.OK, statuses: [{ code: Code.OK, limit: { requestsPerUnit: 100, unit: Unit.MINUTE }, remaining: 99, resetSeconds: 30 }] });

/** Host calls of one request per callback, after warm-up, answering the gRPC calls with `answer`. */
function hostCalls(host: ProxyWasmHost, headers: [string, string][]): { status: number | undefined; calls: Record<string, string[]>; effective: number[]; stream: number } {
  const vm = host.vm(0);
  const send = () => {
    const s = host.request({ headers });
    const pending = host.pendingGrpcCalls();
    for (const c of pending) host.respondGrpcCall(c, answer);
    return s;
  };
  for (let i = 0; i < 3; i++) send();
  vm.trace.splice(0);
  const s = send();
  const calls: Record<string, string[]> = {};
  const effective: number[] = [];
  let current = "";
  for (const e of vm.trace) {
    if (e.callback) calls[(current = e.name)] ??= [];
    else {
      calls[current]!.push(e.name);
      if (e.name === "proxy_set_effective_context") effective.push(Number(e.args[0]));
    }
  }
  return { status: s.status, calls, effective, stream: s.id };
}

test("global-rate-limit's floor makes the plugin's gRPC call and resumes the stream that made it", async () => {
  const wasm = pluginWasm("global-rate-limit");
  const floor = await buildFloor({ plugin: "global-rate-limit", config, headers: [["x-api-key", "k1"]], wasm, grpcAnswer: answer, clusters: ["rls"] });
  assert.deepEqual(floor.calls.proxy_on_request_headers?.at(-1), "proxy_grpc_call");
  assert.ok(floor.calls.proxy_on_grpc_receive?.includes("proxy_continue_stream"));

  const options = { workers: 1, trace: true, pluginName: "global-rate-limit", rootId: "global-rate-limit", clusters: ["rls"] };
  const plugin = hostCalls(ProxyWasmHost.create({ ...options, wasm, pluginConfig: config }), [[":path", "/"], ["x-api-key", "k1"]]);
  const replay = hostCalls(ProxyWasmHost.create({ ...options, wasm: floor.wasm }), [[":path", "/"], ["x-api-key", "k1"]]);
  assert.equal(plugin.status, 200);
  assert.equal(replay.status, 200, "the floor resumed the request");
  assert.deepEqual(replay.calls, plugin.calls);
  assert.deepEqual(replay.effective, [replay.stream], "the answer went to the stream that made the call");
});
