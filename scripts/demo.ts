// npm start: builds the plugins, starts echo upstreams and a demo Envoy on localhost
// from the same envoy-examples files the tests use, and prints curl commands to try.
//   DEMO_PORT=10000   first listener port (the others follow it)
//   --check           run every printed curl, verify its answer, then stop (used by the tests)
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { REPO_ROOT, standardReplacements, startEcho, startEnvoy, type Envoy } from "../test/envoy/envoy.ts";

const check = process.argv.includes("--check");
const basePort = Number(process.env.DEMO_PORT ?? 10000);
const adminPort = Number(process.env.DEMO_ADMIN_PORT ?? 9901);

interface Example { command: string; expect: string; what: string }

console.log("Building plugins...");
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });

const base = await startEcho({ name: "base", port: 0 });
const gray = await startEcho({ name: "gray", port: 0 });
let envoy: Envoy;
try {
  envoy = await startEnvoy({
    configPath: "envoy-examples/baggage-tag/envoy.yaml",
    concurrency: 2,
    logLevel: "warning",
    componentLogLevel: "wasm:warning",
    replacements: standardReplacements({
      listenerPort: basePort,
      listeners: { 10001: basePort + 1 },
      adminPort,
      upstreams: { "echo-base": base.port, "echo-gray": gray.port },
    }),
  });
} catch (err) {
  console.error(`Could not start Envoy: ${(err as Error).message}`);
  console.error(`(Ports ${basePort}, ${basePort + 1} and ${adminPort} must be free; set DEMO_PORT / DEMO_ADMIN_PORT to move them.)`);
  base.close();
  gray.close();
  process.exit(1);
}

const lanes = `localhost:${basePort}`;
const rules = `localhost:${basePort + 1}`;
const sw8 = `${Buffer.from("x-mse-tag").toString("base64")}:${Buffer.from("gray").toString("base64")}`;
const examples: Example[] = [
  { what: "no tag: base lane", command: `curl -s ${lanes}/`, expect: '"upstream":"base"' },
  { what: "W3C baggage tag: gray lane", command: `curl -s -H 'baggage: x-mse-tag=gray' ${lanes}/`, expect: '"upstream":"gray"' },
  { what: "Jaeger baggage, also copied into W3C baggage", command: `curl -s -H 'uberctx-x-mse-tag: gray' ${lanes}/`, expect: '"baggage":"x-mse-tag=gray"' },
  { what: "SkyWalking correlation", command: `curl -s -H 'sw8-correlation: ${sw8}' ${lanes}/`, expect: '"upstream":"gray"' },
  { what: "value not in allowed_values: ignored", command: `curl -s -H 'baggage: x-mse-tag=red' ${lanes}/`, expect: '"upstream":"base"' },
  { what: "plugin disabled on this route", command: `curl -s -H 'baggage: x-mse-tag=gray' ${lanes}/untagged`, expect: '"upstream":"base"' },
  { what: "Higress _rules_: only route rules-tagged", command: `curl -s -H 'baggage: x-mse-tag=gray' ${rules}/tagged`, expect: '"upstream":"gray"' },
  { what: "plugin counters", command: `curl -s localhost:${adminPort}/stats?filter=wasmcustom`, expect: "wasmcustom.baggage_tag.tagged" },
];

console.log(`\nDemo Envoy is up (admin http://localhost:${adminPort}). Try:\n`);
for (const e of examples) console.log(`  # ${e.what}\n  ${e.command}\n`);

if (check) {
  let failed = 0;
  for (const e of examples) {
    // Asynchronous: the echo upstreams live in this process and must keep answering.
    const run = await promisify(execFile)("sh", ["-c", e.command], { env: { ...process.env, no_proxy: "*", NO_PROXY: "*" } })
      .then((r) => ({ status: 0, ...r }), (err) => ({ status: 1, stdout: String(err.stdout ?? ""), stderr: String(err.stderr ?? err.message) }));
    const ok = run.status === 0 && run.stdout.includes(e.expect);
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${e.command}${ok ? "" : `\n     expected ${e.expect} in: ${run.stdout}${run.stderr}`}`);
  }
  await envoy.stop();
  base.close();
  gray.close();
  process.exit(failed === 0 ? 0 : 1);
}

console.log("Ctrl-C stops Envoy and the upstreams.");
const stop = async () => {
  await envoy.stop();
  base.close();
  gray.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
