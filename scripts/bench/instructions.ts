// Instructions per request each variant costs above "no filter", counted by valgrind's callgrind
// on one Envoy (--concurrency 1) with a listener per variant (scripts/bench/variants.ts). Counts
// are repeatable to a fraction of a percent whatever else the machine does, unlike CPU time.
//
//   node --import tsx scripts/bench/instructions.ts [plugin ...] [--requests 1000] [--warmup 300]
//                                                   [--variants <id regex>] [--wasm-dir dist] [--json out.json]
//
// For each variant: warm up, zero the counters (callgrind_control -z), send --requests requests one
// at a time on one keep-alive connection, dump (callgrind_control -d) and read the total. A variant
// with a `scale` gets that fraction of both (e.g. a full JWT verification per request); a variant
// with `stats` must move those Envoy counters by exactly that much per measured request; those it
// has `counted` are reported per request. A bench's services (e.g. Redis and the Rate Limit Service)
// run as their own processes, outside valgrind: only Envoy is counted. Envoy starts slowly under
// valgrind (about a minute). Needs `valgrind` (Debian package).

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberOption, option, wasmDir } from "./options.ts";
import { startEnvoy } from "../../test/envoy/envoy.ts";
import { buildFloor } from "./floor.ts";
import { baselineOf, checkVariant, envoyConfig, labelWithCounts, ratioToNative, requestHeaders, scaled, selectedBenches, startServices, wasmFilter, type Answer, type PluginBench, type Variant } from "./variants.ts";

const REQUESTS = numberOption("requests", 1000);
const WARMUP = numberOption("warmup", 300);
const WASM_DIR = wasmDir;
const JSON_OUT = option("json", "");
const selected = selectedBenches();

function send(agent: Agent, port: number, v: Variant, headers = requestHeaders(v)): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: v.path ?? "/", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", fail);
    req.end();
  });
}

async function run(agent: Agent, port: number, v: Variant, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const a = await send(agent, port, v);
    if (a.status !== (v.status ?? 200)) throw new Error(`${v.id}: status ${a.status}`);
  }
}

/** Total instructions in the newest dump for `pid` after `known` earlier dumps. */
function readDump(dir: string, pid: number, index: number): number {
  const file = readdirSync(dir).find((f) => f === `cg.${pid}.${index}`);
  if (!file) throw new Error(`no callgrind dump ${index} for ${pid} in ${dir}`);
  const m = /^summary: (\d+)/m.exec(readFileSync(join(dir, file), "utf8"));
  if (!m) throw new Error(`no summary in ${file}`);
  return Number(m[1]);
}

export interface InstructionResult {
  plugin: string;
  id: string;
  label: string;
  perRequest: number;
  aboveNone: number;
  /** for a Wasm variant: its host-call floor's cost above no filter, and the ratio to it */
  floor?: number;
  /** requests measured (fewer for a variant with a `scale`) */
  requests: number;
  /** the native variant doing the same job, and the goal for the ratio to it (variants.ts) */
  native?: string;
  goal?: number;
  /** the variant's `counted` counters: their movement per measured request */
  counted?: Record<string, number>;
}

/**
 * Adds, after each Wasm variant, its host-call floor (scripts/bench/floor.ts), generated from the
 * plugin copy in `dir` and written next to it; Envoy loads both from there.
 */
async function withFloors(benches: PluginBench[], dir: string): Promise<PluginBench[]> {
  const out: PluginBench[] = [];
  const modules = new Map<string, string>();
  for (const b of benches) {
    const variants: Variant[] = [];
    for (const v of b.variants) {
      variants.push(v);
      if (!v.wasm || v.noFloor) continue;
      const name = `${v.id}-floor`;
      const floor = await buildFloor({ plugin: v.wasm.plugin, config: v.wasm.config, headers: v.headers, path: v.path, wasm: join(dir, `${v.wasm.plugin}.wasm`), rotate: v.rotate, status: v.status,
        grpcAnswer: v.emulated?.answer, clusters: v.emulated?.clusters });
      // Identical floors (e.g. the same host calls for three signature algorithms) share one module:
      // under valgrind, V8 cannot instantiate more than a few modules in one process.
      const hash = createHash("sha256").update(floor.wasm).digest("hex");
      let module = modules.get(hash);
      if (!module) {
        module = name;
        modules.set(hash, module);
        writeFileSync(join(dir, `${module}.wasm`), floor.wasm);
      }
      variants.push({ id: name, label: `  its host-call floor`, filters: wasmFilter(module, {}), headers: v.headers, path: v.path, proof: v.proof, rotate: v.rotate, scale: v.scale, status: v.status, baseline: baselineOf(b, v) });
    }
    out.push({ ...b, variants });
  }
  return out;
}

export async function measureInstructions(): Promise<InstructionResult[]> {
  execFileSync("valgrind", ["--version"]); // fails with a clear error when valgrind is missing
  const results: InstructionResult[] = [];
  // One Envoy per plugin: under valgrind, V8's address-space reservations for more than a few
  // Wasm modules in one process make instantiation fail.
  for (const plugin of selected) results.push(...(await measurePlugin(plugin)));
  return results;
}

/** Measures one plugin's variants on their own Envoy; `modules` are extra .wasm files its variants load. */
export async function measurePlugin(selectedBench: PluginBench, modules: Record<string, Uint8Array> = {}): Promise<InstructionResult[]> {
  const work = mkdtempSync(join(tmpdir(), "bench-cg-"));
  // Copies first: the modules measured are the ones traced, whatever happens to WASM_DIR meanwhile.
  if (selectedBench.variants.some((v) => v.wasm)) writeFileSync(join(work, `${selectedBench.plugin}.wasm`), readFileSync(join(WASM_DIR, `${selectedBench.plugin}.wasm`)));
  for (const [name, wasm] of Object.entries(modules)) writeFileSync(join(work, `${name}.wasm`), wasm);
  const [bench] = await withFloors([selectedBench], work);
  const configPath = join(work, "envoy.yaml");
  writeFileSync(configPath, envoyConfig([bench!], work));
  const services = await startServices([bench!]);
  const envoy = await startEnvoy({
    configPath,
    concurrency: 1,
    logLevel: "warning",
    componentLogLevel: "wasm:warning",
    readyTimeoutMs: 600_000,
    replacements: [["{ address: 0.0.0.0, port_value: 9901 }", "{ address: 127.0.0.1, port_value: 0 }"], ...services.replacements],
    launcher: ["valgrind", "--tool=callgrind", `--callgrind-out-file=${work}/cg.%p`, "--smc-check=all-non-file", "--dump-instr=no"],
  }).catch(async (e) => {
    await services.stop();
    throw e;
  });
  const pid = envoy.proc.pid!;
  const results: InstructionResult[] = [];
  let dumps = 0;
  const none = new Map<string, number>();
  try {
    for (const v of bench!.variants) {
      const port = envoy.listeners.get(v.id);
      if (!port) throw new Error(`listener ${v.id} not found`);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      await checkVariant(v, (headers) => send(agent, port, v, headers));
      const requests = scaled(v, REQUESTS);
      await run(agent, port, v, scaled(v, WARMUP));
      const counters = Object.keys(v.stats ?? {});
      const counted = Object.keys(v.counted ?? {});
      const countedBefore = await Promise.all(counted.map((c) => envoy.stat(c)));
      const before = await Promise.all(counters.map((c) => envoy.stat(c)));
      execFileSync("callgrind_control", ["-z", String(pid)], { stdio: "ignore" });
      await run(agent, port, v, requests);
      execFileSync("callgrind_control", ["-d", String(pid)], { stdio: "ignore" });
      agent.destroy();
      for (const [i, c] of counters.entries()) {
        const moved = (await envoy.stat(c)) - before[i]!;
        if (moved !== v.stats![c]! * requests) throw new Error(`${v.label}: ${c} moved by ${moved} over ${requests} requests, want ${v.stats![c]! * requests}`);
      }
      const perRequest = readDump(work, pid, ++dumps) / requests;
      const countedMoves = await Promise.all(counted.map(async (c, i) => [v.counted![c]!, ((await envoy.stat(c)) - countedBefore[i]!) / requests] as const));
      if (v.filters === "") none.set(v.id, perRequest);
      const base = none.get(baselineOf(bench!, v));
      if (base === undefined) throw new Error(`${v.id}: its "no filter" variant ${baselineOf(bench!, v)} must be measured before it`);
      const result: InstructionResult = { plugin: bench!.plugin, id: v.id, label: v.label, perRequest, aboveNone: perRequest - base, requests, native: v.native, goal: v.goal,
        counted: countedMoves.length ? Object.fromEntries(countedMoves) : undefined };
      if (v.id.endsWith("-floor")) results[results.length - 1]!.floor = result.aboveNone;
      results.push(result);
      process.stderr.write(`  ${v.id}: ${Math.round(perRequest)} instructions/request (${requests} requests)\n`);
    }
  } finally {
    await envoy.stop();
    await services.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await measureInstructions();
  console.log(`\nEnvoy instructions per request (callgrind, --concurrency 1, ${REQUESTS} requests after ${WARMUP} warm-up, wasm from ${WASM_DIR})\n`);
  const width = Math.max(48, ...results.map((r) => labelWithCounts(r).length + 2));
  console.log("plugin".padEnd(18) + "variant".padEnd(width) + "per request".padStart(14) + "above no filter".padStart(18) + "x floor".padStart(10) + "x native".padStart(10) + "goal".padStart(7));
  for (const r of results) {
    const ratio = r.floor ? (r.aboveNone / r.floor).toFixed(2) : "";
    const native = ratioToNative(results, r);
    console.log(`${r.plugin.padEnd(18)}${labelWithCounts(r).padEnd(width)}${Math.round(r.perRequest).toLocaleString("en").padStart(14)}${(r.aboveNone === 0 ? "" : Math.round(r.aboveNone).toLocaleString("en")).padStart(18)}${ratio.padStart(10)}` +
      `${(native === undefined ? "" : native.toFixed(2)).padStart(10)}${(r.goal ? `≤${r.goal}` : "").padStart(7)}`);
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}
