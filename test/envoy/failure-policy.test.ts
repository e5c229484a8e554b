// What the examples' failure_policy does when a VM dies, on a real Envoy: local-rate-limit's
// example (FAIL_RELOAD) runs a build that traps on demand (test/fixtures/lrl-trap). A trap costs
// the request that trapped and those that arrive within the reload backoff (1 s by default); then a
// new VM serves, and it finds the buckets where they were (shared data).
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { buildAssemblyScript } from "../host/build.ts";
import { FIXTURE_DIR } from "../fixtures/build.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("failure_policy FAIL_RELOAD (local-rate-limit example, a build that traps on demand)", () => {
  let envoy: Envoy | undefined;
  let echo: Echo | undefined;
  after(async () => {
    await envoy?.stop();
    echo?.close();
  });

  test("a trap costs the requests of the reload window, then the limits go on where they were", async (t) => {
    const dir = join(FIXTURE_DIR, "lrl-trap");
    mkdirSync(dir, { recursive: true });
    await buildAssemblyScript("test/fixtures/lrl-trap/index.ts", { outFile: join(dir, "local-rate-limit.wasm") });
    echo = await startEcho({ name: "echo", port: 0 });
    envoy = await startEnvoy({
      configPath: "envoy-examples/local-rate-limit/envoy.yaml",
      concurrency: 1,
      replacements: standardReplacements({ wasmDir: dir, listeners: { 10001: 0, 10002: 0 }, upstreams: { echo: echo.port } }),
    });
    const e = envoy;
    t.after(() => { if (!t.passed) dumpEnvoyLog(e, t.name); });
    const search = () => request(e.port, "/search?tenant=trap-test");

    // per-tenant: 3 a day. Two taken before the trap.
    assert.equal((await search()).status, 200);
    assert.equal((await search()).status, 200);

    const trapped = await request(e.port, "/search?tenant=trap-test", { headers: [["x-trap", "1"]] });
    assert.equal(trapped.status, 503, "the request that trapped fails closed");
    // What an operator sees: this log line, 503s with details wasm_fail_stream, the reload counter.
    await e.waitForLog(/\[error\]\[wasm\].*Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable/);

    // Until the new VM is up, requests fail; count them and time the window.
    const started = Date.now();
    const failed: number[] = [];
    let recovered: number | undefined;
    while (Date.now() - started < 5_000) {
      const r = await request(e.port, "/fast");
      if (r.status === 200) { recovered = Date.now() - started; break; }
      failed.push(r.status);
      await sleep(50);
    }
    assert.ok(recovered !== undefined, `no recovery within 5 s (statuses ${failed.join(" ")})`);
    assert.ok(recovered! <= 2_500, `recovered after ${recovered} ms (backoff 1 s)`);
    assert.ok(failed.every((s) => s === 503), `only 503s in the window: ${failed.join(" ")}`);
    t.diagnostic(`reload window: ${recovered} ms, ${failed.length} requests failed`);

    assert.equal(await e.stat("wasm.local-rate-limit.vm_reload_success"), 1);

    // The new VM finds the bucket in shared data: one request left today, then 429.
    assert.equal((await search()).status, 200);
    assert.equal((await search()).status, 429);
  });
});
