// Configuration updates through file-based LDS, the way an operator ships them: Envoy watches a
// folder (dynamic_resources.lds_config.path_config_source, test/envoy/fixtures/lds-update.yaml) and
// the test replaces the listener file atomically (write a new file, rename it over the old one).
// Two listeners, jwt-auth and local-rate-limit (test/envoy/fixtures/lds-update-listeners.yaml):
//   * an invalid plugin configuration is refused: the listener update is rejected
//     (listener_manager.lds.update_rejected + 1), Envoy's log names the field, and the previous
//     configuration keeps serving, unchanged;
//   * a valid update takes effect (update_success + 1) on new connections.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, applyReplacements, dumpEnvoyLog, freePort, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { ORDERS_ISS, PRIVATE_JWKS, mint, ordersClaims, publicJwk } from "../scenarios/jwt-auth.ts";

const BOOTSTRAP = "test/envoy/fixtures/lds-update.yaml";
const LISTENERS = readFileSync(join(REPO_ROOT, "test/envoy/fixtures/lds-update-listeners.yaml"), "utf8");
const now = () => Math.floor(Date.now() / 1000);

// jwt-auth: v1 knows the ES256 key only; v2 names the consumer "orders" and adds the EdDSA key.
const JWT_V1 = { consumers: [{ name: "orders-app", issuer: ORDERS_ISS, jwks: { keys: [publicJwk(PRIVATE_JWKS.ES256)] } }] };
const JWT_V2 = { consumers: [{ name: "orders", issuer: ORDERS_ISS, jwks: { keys: [publicJwk(PRIVATE_JWKS.ES256), publicJwk(PRIVATE_JWKS.EdDSA)] } }] };
const JWT_BAD = { consumers: [{ ...JWT_V2.consumers[0], clock_skew_seconds: 9999 }] };
// local-rate-limit: 2 a minute per API key; then 100.
const LRL_V1 = { rules: [{ name: "per-key", key: { header: "x-api-key" }, limit: { requests: 2, per: "minute" } }], rate_limit_headers: true };
const LRL_V2 = { rules: [{ name: "per-key", key: { header: "x-api-key" }, limit: { requests: 100, per: "minute" } }], rate_limit_headers: true };
const LRL_BAD = { rules: [{ name: "per-key", key: { header: "x-api-key" }, limit: { requests: 0, per: "minute" } }], rate_limit_headers: true };

describe("plugin configuration updates through file-based LDS (jwt-auth, local-rate-limit)", () => {
  let envoy: Envoy;
  let echo: Echo;
  let dir: string;
  let jwtPort: number;
  let lrlPort: number;
  let version = 0;

  /** Writes the listener file with these configurations and renames it over the watched one. */
  const publish = (jwt: object, lrl: object) => {
    const text = applyReplacements(LISTENERS, [
      ["__VERSION__", String(++version)], ["__JWT_PORT__", String(jwtPort)], ["__LRL_PORT__", String(lrlPort)],
      ["__JWT_CONFIG__", JSON.stringify(jwt)], ["__LRL_CONFIG__", JSON.stringify(lrl)],
      ["/etc/envoy/wasm/", `${join(REPO_ROOT, "dist")}/`],
    ], "lds-update-listeners.yaml");
    writeFileSync(join(dir, "next.yaml"), text);
    renameSync(join(dir, "next.yaml"), join(dir, "listeners.yaml"));
  };
  const waitFor = async (stat: string, n: number) => {
    for (let i = 0; i < 200 && (await envoy.stat(stat)) < n; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(await envoy.stat(stat), n, stat);
    await new Promise((r) => setTimeout(r, 200)); // the new filter chains reach both workers
  };
  const success = (n: number) => waitFor("listener_manager.lds.update_success", n);
  const rejected = (n: number) => waitFor("listener_manager.lds.update_rejected", n);

  const jwtCall = async (alg: "ES256" | "EdDSA") => {
    const r = await request(jwtPort, "/orders", { headers: [["authorization", `Bearer ${await mint(alg, ordersClaims(now()))}`]] });
    return r.status === 200 ? `200 ${r.json().headers["x-mse-consumer"]}` : `${r.status} ${r.json().error}`;
  };
  const lrlCall = async (key: string) => {
    const r = await request(lrlPort, "/", { headers: [["x-api-key", key]] });
    return `${r.status} ${r.headers["x-ratelimit-remaining"]}/${r.headers["x-ratelimit-limit"]}`;
  };

  /** Requests sent back to back while `fn` runs (through the update); returns their answers. */
  const during = async (call: () => Promise<string>, fn: () => Promise<void>) => {
    const answers = new Map<string, number>();
    let done = false;
    const loop = (async () => {
      while (!done) {
        const a = await call().catch((e: Error) => `error ${e.message}`);
        answers.set(a, (answers.get(a) ?? 0) + 1);
      }
    })();
    try {
      await fn();
    } finally {
      done = true;
      await loop;
    }
    return Object.fromEntries(answers);
  };

  before(async () => {
    echo = await startEcho({ name: "echo", port: 0 });
    dir = mkdtempSync(join(tmpdir(), "lds-update-"));
    jwtPort = await freePort();
    lrlPort = await freePort();
    publish(JWT_V1, LRL_V1);
    const replacements = standardReplacements({ upstreams: { echo: echo.port }, wasmDir: false }).filter(([from]) => !from.includes("10000"));
    replacements.push(["/etc/envoy/lds", dir]);
    envoy = await startEnvoy({ configPath: BOOTSTRAP, concurrency: 2, replacements });
    await success(1);
  });
  after(async () => {
    await envoy?.stop();
    await echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name, 120); });

  test("the first version serves", async () => {
    assert.equal(await jwtCall("ES256"), "200 orders-app");
    assert.equal(await jwtCall("EdDSA"), "401 key_not_found");
    assert.deepEqual([await lrlCall("a"), await lrlCall("a"), await lrlCall("a")], ["200 1/2", "200 0/2", "429 0/2"]);
  });

  test("jwt-auth: an invalid configuration is rejected, the log names the field, the old configuration keeps serving", async () => {
    const since = envoy.logPosition();
    const answers = await during(() => jwtCall("ES256"), async () => {
      publish(JWT_BAD, LRL_V1);
      await rejected(1);
    });
    assert.deepEqual(Object.keys(answers), ["200 orders-app"], "every request during the rejected update was served by v1");
    assert.equal(await envoy.stat("listener_manager.lds.update_success"), 1);
    await envoy.waitForLog(/\[jwt-auth\] invalid configuration: consumers\[0\]\.clock_skew_seconds: must be an integer from 0 to 600/, { since });
    await envoy.waitForLog(/lds: listener 'jwt' config rejected: Unable to create Wasm plugin jwt-auth/, { since });
    assert.equal(await jwtCall("ES256"), "200 orders-app", "v1's consumer name");
    assert.equal(await jwtCall("EdDSA"), "401 key_not_found", "v1's keys");
    assert.equal(await lrlCall("a"), "429 0/2", "the other listener is untouched");
  });

  test("local-rate-limit: an invalid configuration is rejected, the log names the field, the old limits keep serving", async () => {
    const since = envoy.logPosition();
    publish(JWT_V1, LRL_BAD);
    await rejected(2);
    assert.equal(await envoy.stat("listener_manager.lds.update_success"), 1);
    await envoy.waitForLog(/\[local-rate-limit\] invalid configuration: rules\[0\]\.limit\.requests: /, { since });
    await envoy.waitForLog(/lds: listener 'limits' config rejected: Unable to create Wasm plugin local-rate-limit/, { since });
    assert.equal(await lrlCall("a"), "429 0/2", "v1's bucket, still empty");
    assert.equal(await lrlCall("b"), "200 1/2", "v1's limit");
    assert.equal(await jwtCall("ES256"), "200 orders-app");
  });

  test("valid updates of both take effect", async () => {
    const answers = await during(() => jwtCall("ES256"), async () => {
      publish(JWT_V2, LRL_V2);
      await success(2);
    });
    assert.deepEqual(Object.keys(answers).filter((a) => a !== "200 orders-app" && a !== "200 orders"), [], "during the update: the old or the new answer, nothing else");
    assert.equal(await envoy.stat("listener_manager.lds.update_rejected"), 2);
    assert.equal(await jwtCall("ES256"), "200 orders", "v2's consumer name");
    assert.equal(await jwtCall("EdDSA"), "200 orders", "v2's EdDSA key");
    assert.equal(await lrlCall("c"), "200 99/100", "v2's limit");
    // A rejected configuration is logged by Envoy as "Wasm VM failed Failed to configure base Wasm
    // plugin" and "[critical] Plugin <name> failed to load" (the VM built to check it); no VM that
    // served requests failed.
    assert.deepEqual(envoy.log().split("\n").filter((l) => /Function: \S+ failed|wasm_fail_stream/.test(l)), []);
    const reloads = [...(await envoy.stats("^wasm\\.")).entries()].filter(([k, v]) => /vm_reload($|_success|_failure)/.test(k) && v > 0);
    assert.deepEqual(reloads, []);
  });
});
