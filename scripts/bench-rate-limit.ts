// Envoy CPU time per request: local-rate-limit (Wasm) against Envoy's native local_ratelimit and
// against no rate-limit filter, on identical listeners of one Envoy (--concurrency 2), interleaved
// round by round so machine drift hits every variant alike. Envoy's CPU time comes from
// /proc/<pid>/stat (utime + stime) before and after each batch; the load is keep-alive HTTP/1.1
// from this process. Also prints the .wasm size and the Wasm memory per VM (emulator) after
// 100,000 requests over 20,000 keys.
//
//   node --import tsx scripts/bench-rate-limit.ts [--rounds 7] [--requests 4000] [--connections 16]
//
// Config: test/envoy/fixtures/local-rate-limit-bench.yaml. Numbers drift on a shared 2-core
// machine: compare the columns of one run, not runs with each other.

import { readFileSync, statSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { REPO_ROOT, standardReplacements, startEcho, startEnvoy } from "../test/envoy/envoy.ts";
import { ProxyWasmHost } from "../test/host/index.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("rounds", 7);
const REQUESTS = arg("requests", 4000);
const CONNECTIONS = arg("connections", 16);

const VARIANTS = [
  { name: "none", label: "no rate-limit filter", keyed: false },
  { name: "wasm-nomatch", label: "local-rate-limit, no rule matches (Wasm cost only)", keyed: false },
  { name: "native", label: "native local_ratelimit, one bucket", keyed: false },
  { name: "wasm", label: "local-rate-limit, one bucket", keyed: false },
  { name: "native-keyed", label: "native, bucket per x-api-key", keyed: true },
  { name: "wasm-keyed", label: "local-rate-limit, bucket per x-api-key", keyed: true },
  { name: "native-reject", label: "native, every request rejected", keyed: false },
  { name: "wasm-reject", label: "local-rate-limit, every request rejected", keyed: false },
];

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/** `n` requests over `connections` keep-alive connections; returns the statuses seen. */
async function load(port: number, n: number, keyed: boolean): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const status = await new Promise<number>((ok, fail) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: "/", agent, headers: keyed ? { "x-api-key": `key-${i % 1000}` } : {} }, (res) => {
          res.resume();
          res.on("end", () => ok(res.statusCode ?? 0));
        });
        req.on("error", fail);
        req.end();
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  return statuses;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function envoyBench(): Promise<void> {
  const echo = await startEcho({ name: "echo", port: 0 });
  const listeners: Record<number, number> = {};
  for (let p = 10001; p <= 10007; p++) listeners[p] = 0;
  const envoy = await startEnvoy({
    configPath: "test/envoy/fixtures/local-rate-limit-bench.yaml",
    concurrency: 2,
    logLevel: "warning",
    componentLogLevel: "wasm:warning",
    replacements: standardReplacements({ listeners, upstreams: { echo: echo.port } }),
  });
  const pid = envoy.proc.pid!;
  const samples = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  const statuses = new Map<string, Map<number, number>>();
  try {
    for (const v of VARIANTS) await load(envoy.listeners.get(v.name)!, 500, v.keyed); // warm-up (JIT, connections, keys)
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) {
        const before = cpuMicros(pid);
        const seen = await load(envoy.listeners.get(v.name)!, REQUESTS, v.keyed);
        samples.get(v.name)!.push((cpuMicros(pid) - before) / REQUESTS);
        statuses.set(v.name, seen);
      }
    }
  } finally {
    await envoy.stop();
    echo.close();
  }
  const base = median(samples.get("none")!);
  console.log(`\nEnvoy CPU time per request (median of ${ROUNDS} rounds x ${REQUESTS} requests, ${CONNECTIONS} keep-alive connections, --concurrency 2)\n`);
  console.log("| variant | µs CPU / request | vs no filter | statuses (last round) |");
  console.log("| --- | ---: | ---: | --- |");
  for (const v of VARIANTS) {
    const m = median(samples.get(v.name)!);
    const st = [...(statuses.get(v.name) ?? new Map()).entries()].map(([s, c]) => `${s}×${c}`).join(" ");
    console.log(`| ${v.label} | ${m.toFixed(1)} | ${v.name === "none" ? "" : `${m >= base ? "+" : ""}${(m - base).toFixed(1)}`} | ${st} |`);
  }
}

function emulatorMemory(): void {
  const wasm = join(REPO_ROOT, "dist/local-rate-limit.wasm");
  const host = ProxyWasmHost.create({
    wasm, workers: 2, pluginName: "bench",
    pluginConfig: JSON.stringify({ rules: [
      { name: "keyed", key: { header: "x-api-key" }, limit: { requests: 100, per: "second" }, keys: [{ key: "regexp:^gold-", requests: 1000, per: "second" }] },
      { name: "global", limit: { requests: 1000000, per: "second" } },
    ] }),
  });
  const pages0 = host.memoryPages();
  for (let i = 0; i < 100_000; i++) {
    host.request({ headers: [[":path", "/"], ["x-api-key", (i % 7 === 0 ? "gold-" : "key-") + (i % 20000)]] });
    if (i % 1000 === 0) host.advanceTime(100);
  }
  const pages = host.memoryPages();
  console.log(`\n.wasm size: ${(statSync(wasm).size / 1024).toFixed(1)} KiB`);
  console.log(`Wasm linear memory per VM (emulator): ${pages0.map((p) => p * 64).join(", ")} KiB after configure, ` +
    `${pages.map((p) => p * 64).join(", ")} KiB after 100,000 requests over 20,000 keys; ` +
    `${host.sharedData.keys().length} shared-data entries`);
}

execFileSync(process.execPath, ["scripts/build.mjs", "local-rate-limit"], { cwd: REPO_ROOT, stdio: "inherit" });
emulatorMemory();
await envoyBench();
