// Envoy CPU time per request for each variant (scripts/bench/variants.ts), on one Envoy
// (--concurrency 2) with a listener per variant. CPU time is the sum of every Envoy thread's
// /proc/<pid>/task/*/schedstat (nanoseconds on CPU; /proc/<pid>/stat would give 10 ms ticks),
// read before and after a batch. Variants are interleaved round by round and each round's "no
// filter" batch is subtracted from the others of the same round (paired differences), so drift on
// this shared machine hits every variant alike (every other round runs in reverse order); the
// tables give medians over the rounds. The CPU time of a bench's services (e.g. Redis and the Rate
// Limit Service, their own processes) is read around the same batches and reported apart.
//
// A variant with a `scale` (e.g. a full JWT verification per request) is sent that fraction of the
// requests per batch and of the warm-up; per-request figures are comparable all the same.
//
//   node --import tsx scripts/bench/cpu.ts [plugin ...] [--rounds 9] [--requests 4000] [--connections 8]
//                                          [--variants <id regex>] [--json out.json]

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberOption, option, wasmDir } from "./options.ts";
import { startEnvoy } from "../../test/envoy/envoy.ts";
import { baselineOf, checkVariant, envoyConfig, ratioToNative, requestHeaders, scaled, selectedBenches, startServices, type Answer, type Variant } from "./variants.ts";

const ROUNDS = numberOption("rounds", 9);
const REQUESTS = numberOption("requests", 4000);
const CONNECTIONS = numberOption("connections", 8);
const WASM_DIR = wasmDir;
const JSON_OUT = option("json", "");

/** Nanoseconds every thread of the processes `pids` has spent on a CPU. */
function cpuNs(...pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
  }
  return total;
}

async function load(port: number, v: Variant, n: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((ok, fail) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: v.path ?? "/", agent, headers: requestHeaders(v) }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === (v.status ?? 200) ? ok() : fail(new Error(`${v.id}: status ${res.statusCode}`))));
        });
        req.on("error", fail);
        req.end();
      });
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export interface CpuResult {
  plugin: string; id: string; label: string; usPerRequest: number; aboveNone: number; rounds: number[];
  /** each round's difference with that round's "no filter" (their median is aboveNone) */
  differences: number[];
  /** requests per batch (fewer for a variant with a `scale`) */
  requests: number;
  /** the native variant doing the same job, and the goal for the ratio to it (variants.ts) */
  native?: string; goal?: number;
  /** for a bench with services: their CPU µs per request (median), and per round */
  servicesUsPerRequest?: number; servicesRounds?: number[];
}

/** One request with `headers`, for checkVariant. */
function check(port: number, v: Variant, headers: Record<string, string>): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: v.path ?? "/", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", fail);
    req.end();
  });
}

export async function measureCpu(): Promise<CpuResult[]> {
  const benches = selectedBenches();
  const work = mkdtempSync(join(tmpdir(), "bench-cpu-"));
  for (const b of benches) if (b.variants.some((v) => v.wasm)) writeFileSync(join(work, `${b.plugin}.wasm`), readFileSync(join(WASM_DIR, `${b.plugin}.wasm`)));
  writeFileSync(join(work, "envoy.yaml"), envoyConfig(benches, work));
  const services = await startServices(benches);
  const envoy = await startEnvoy({
    configPath: join(work, "envoy.yaml"),
    concurrency: 2,
    logLevel: "warning",
    componentLogLevel: "wasm:warning",
    replacements: [["{ address: 0.0.0.0, port_value: 9901 }", "{ address: 127.0.0.1, port_value: 0 }"], ...services.replacements],
  }).catch(async (e) => {
    await services.stop();
    throw e;
  });
  const pid = envoy.proc.pid!;
  const servicePids = services.pids();
  const all = benches.flatMap((b) => b.variants.map((v) => ({ plugin: b.plugin, v })));
  const perRequest = new Map<string, number[]>(all.map(({ v }) => [v.id, []]));
  const servicesPerRequest = new Map<string, number[]>(all.map(({ v }) => [v.id, []]));
  try {
    for (const { v } of all) {
      const port = envoy.listeners.get(v.id)!;
      await checkVariant(v, (headers) => check(port, v, headers));
      await load(port, v, scaled(v, 500)); // warm-up
    }
    for (let r = 0; r < ROUNDS; r++) {
      // Every other round in reverse order: drift over a round then biases no variant's difference
      // with its "no filter" one way only.
      for (const { v } of r % 2 ? [...all].reverse() : all) {
        const n = scaled(v, REQUESTS);
        const before = cpuNs(pid);
        const servicesBefore = cpuNs(...servicePids);
        await load(envoy.listeners.get(v.id)!, v, n);
        perRequest.get(v.id)!.push((cpuNs(pid) - before) / n / 1000);
        servicesPerRequest.get(v.id)!.push((cpuNs(...servicePids) - servicesBefore) / n / 1000);
      }
      process.stderr.write(`  round ${r + 1}/${ROUNDS}\n`);
    }
  } finally {
    await envoy.stop();
    await services.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const results: CpuResult[] = [];
  for (const b of benches) {
    for (const v of b.variants) {
      const none = perRequest.get(baselineOf(b, v))!;
      const xs = perRequest.get(v.id)!;
      const diffs = xs.map((x, i) => x - none[i]!);
      results.push({ plugin: b.plugin, id: v.id, label: v.label, usPerRequest: median(xs), aboveNone: v.filters === "" ? 0 : median(diffs), rounds: xs, differences: diffs,
        requests: scaled(v, REQUESTS), native: v.native, goal: v.goal,
        ...(b.services ? { servicesUsPerRequest: median(servicesPerRequest.get(v.id)!), servicesRounds: servicesPerRequest.get(v.id)! } : {}) });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await measureCpu();
  console.log(`\nEnvoy CPU µs per request (schedstat, --concurrency 2, ${ROUNDS} interleaved rounds x ${REQUESTS} requests, ${CONNECTIONS} connections; medians, paired with no filter)\n`);
  console.log("plugin".padEnd(18) + "variant".padEnd(48) + "µs/request".padStart(12) + "above no filter".padStart(18) + "rounds min..max".padStart(18) + "x native".padStart(10) + "goal".padStart(7) +
    (results.some((r) => r.servicesUsPerRequest !== undefined) ? "services µs/request".padStart(22) : ""));
  for (const r of results) {
    const native = ratioToNative(results, r);
    const range = r.aboveNone === 0 ? "" : `${Math.min(...r.differences).toFixed(1)}..${Math.max(...r.differences).toFixed(1)}`;
    console.log(`${r.plugin.padEnd(18)}${r.label.padEnd(48)}${r.usPerRequest.toFixed(1).padStart(12)}${(r.aboveNone === 0 ? "" : (r.aboveNone >= 0 ? "+" : "") + r.aboveNone.toFixed(1)).padStart(18)}${range.padStart(18)}` +
      `${(native === undefined ? "" : native.toFixed(2)).padStart(10)}${(r.goal ? `≤${r.goal}` : "").padStart(7)}` +
      `${r.servicesUsPerRequest === undefined ? "" : r.servicesUsPerRequest.toFixed(1).padStart(22)}`);
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}
