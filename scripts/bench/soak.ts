// Envoy's resident memory under a long mixed load: one Envoy (--concurrency 2) with every variant's
// listener (scripts/bench/variants.ts), requests spread over the Wasm variants for --minutes, RSS
// (VmRSS of /proc/<pid>/status) sampled every --every seconds. Flat after warm-up means no plugin
// leaks per request; Wasm linear memory never shrinks, so a leak would show as steady growth.
//
//   node --import tsx scripts/bench/soak.ts [--minutes 10] [--every 30] [--connections 4]

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startEnvoy } from "../../test/envoy/envoy.ts";
import { numberOption } from "./options.ts";
import { BENCHES, envoyConfig } from "./variants.ts";

const MINUTES = numberOption("minutes", 10);
const EVERY_S = numberOption("every", 30);
const CONNECTIONS = numberOption("connections", 4);

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

const work = mkdtempSync(join(tmpdir(), "bench-soak-"));
for (const b of BENCHES) writeFileSync(join(work, `${b.plugin}.wasm`), readFileSync(join(REPO_ROOT, "dist", `${b.plugin}.wasm`)));
writeFileSync(join(work, "envoy.yaml"), envoyConfig(BENCHES, work));
const envoy = await startEnvoy({
  configPath: join(work, "envoy.yaml"), concurrency: 2, logLevel: "warning", componentLogLevel: "wasm:warning",
  replacements: [["{ address: 0.0.0.0, port_value: 9901 }", "{ address: 127.0.0.1, port_value: 0 }"]],
});
const pid = envoy.proc.pid!;
const targets = BENCHES.flatMap((b) => b.variants.filter((v) => v.wasm)).map((v) => ({ v, port: envoy.listeners.get(v.id)! }));
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const end = Date.now() + MINUTES * 60_000;
let sent = 0;
let failed = 0;
const worker = async () => {
  while (Date.now() < end) {
    const { v, port } = targets[sent++ % targets.length]!;
    // Distinct keys and tenants, so per-key state (rate-limit slots) keeps changing.
    const headers = Object.fromEntries(v.headers.map(([k, val]) => [k, k === "x-api-key" || k === "x-tenant-id" ? `${val}-${sent % 5000}` : val]));
    await new Promise<void>((ok) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: v.path ?? "/", agent, headers }, (res) => {
        if ((res.statusCode ?? 0) >= 500) failed++;
        res.resume();
        res.on("end", () => ok());
      });
      req.on("error", () => { failed++; ok(); });
      req.end();
    });
  }
};
const samples: { minute: number; rssKiB: number; requests: number }[] = [];
const started = Date.now();
const sampler = setInterval(() => {
  samples.push({ minute: (Date.now() - started) / 60_000, rssKiB: rssKiB(pid), requests: sent });
  process.stderr.write(`  ${samples.at(-1)!.minute.toFixed(1)} min: RSS ${(samples.at(-1)!.rssKiB / 1024).toFixed(1)} MiB after ${sent} requests\n`);
}, EVERY_S * 1000);
try {
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
} finally {
  clearInterval(sampler);
  agent.destroy();
  await envoy.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\nEnvoy RSS under mixed load (${targets.length} Wasm listeners, --concurrency 2, ${CONNECTIONS} connections, ${sent} requests, ${failed} failed)\n`);
console.log("minute".padStart(8) + "requests".padStart(12) + "RSS MiB".padStart(10));
for (const s of samples) console.log(s.minute.toFixed(1).padStart(8) + String(s.requests).padStart(12) + (s.rssKiB / 1024).toFixed(1).padStart(10));
if (samples.length >= 3) {
  const warm = samples[1]!.rssKiB;
  const last = samples.at(-1)!.rssKiB;
  console.log(`\nafter warm-up (${samples[1]!.minute.toFixed(1)} min) to the end: ${((last - warm) / 1024).toFixed(1)} MiB (${(((last - warm) / warm) * 100).toFixed(1)}%)`);
}
