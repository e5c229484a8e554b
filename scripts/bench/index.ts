// npm run bench: every figure of docs/benchmarks.md from one run, on this machine.
//   1. instructions per request above "no filter" (callgrind, repeatable), each Wasm variant next
//      to its host-call floor and to Lua / the native filter doing the same job;
//   2. Envoy CPU µs per request (schedstat, interleaved rounds, medians of paired differences);
//   3. linear memory of one VM over --requests requests (emulator);
//   4. .wasm sizes;
//   5. with global-rate-limit: lease mode on two Envoy replicas (lease.ts).
// Writes docs/benchmarks.md, docs/benchmarks.svg and docs/benchmarks.json. Options are passed on to
// the parts (e.g. --requests for memory); `--quick` shortens every part for a smoke run. Plugin names
// measure only those; with `--splice`, their rows replace theirs in the earlier run's
// docs/benchmarks.json and the documents are written from both (the header says which run is which).

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, findEnvoy } from "../../test/envoy/envoy.ts";
import { measureCpu, type CpuResult } from "./cpu.ts";
import { measureInstructions, type InstructionResult } from "./instructions.ts";
import { LEASE_HEADER, leaseRows, measureLease, type LeaseResult } from "./lease.ts";
import { measureMemory, type MemoryResult } from "./memory.ts";
import { flag } from "./options.ts";
import { BENCHES, labelWithCounts, ratioToNative, selectedBenches } from "./variants.ts";

const quick = flag("quick");
const splice = flag("splice");
const measured = new Set(selectedBenches().map((b) => b.plugin));
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });

/** docs/benchmarks.json: every figure of the documents, and which run measured which plugins. */
interface Report {
  date: string; envoyVersion: string; runs?: Run[];
  instructions: InstructionResult[]; cpu: CpuResult[]; memory: MemoryResult[]; sizes: { name: string; bytes: number }[]; lease?: LeaseResult[];
}
interface Run { date: string; plugins: string[]; command: string }

const started = new Date();
process.stderr.write("instructions (callgrind; about a minute of Envoy start-up per plugin)...\n");
let instructions = await measureInstructions();
process.stderr.write("CPU time...\n");
let cpu = await measureCpu();
process.stderr.write("memory...\n");
const memoryRequests = quick ? 100_000 : 1_000_000;
let memory = measureMemory(memoryRequests);
let lease: LeaseResult[] = [];
if (measured.has("global-rate-limit")) {
  process.stderr.write("lease mode on two replicas...\n");
  lease = await measureLease();
}
const sizes = readdirSync(join(REPO_ROOT, "dist")).filter((f) => f.endsWith(".wasm")).sort()
  .map((f) => ({ name: f, bytes: statSync(join(REPO_ROOT, "dist", f)).size }));
const envoyVersion = execFileSync(await findEnvoy(), ["--version"]).toString().trim().split("\n").pop()!;
const command = `npm run bench${measured.size < BENCHES.length ? ` -- ${[...measured].join(" ")}${splice ? " --splice" : ""}` : ""}`;
let runs: Run[] = [{ date: started.toISOString(), plugins: [...measured], command }];
if (splice) {
  // The earlier run's rows of the plugins not measured now, in BENCHES order.
  const earlier = JSON.parse(readFileSync(join(REPO_ROOT, "docs", "benchmarks.json"), "utf8")) as Report;
  const rank = (plugin: string) => BENCHES.findIndex((b) => b.plugin === plugin);
  const merge = <T extends { plugin: string }>(old: T[], now: T[]) =>
    [...old.filter((r) => !measured.has(r.plugin)), ...now].sort((a, b) => rank(a.plugin) - rank(b.plugin));
  instructions = merge(earlier.instructions, instructions);
  cpu = merge(earlier.cpu, cpu);
  memory = merge(earlier.memory, memory);
  if (lease.length === 0) lease = earlier.lease ?? [];
  const earlierRuns = earlier.runs ?? [{ date: earlier.date, plugins: BENCHES.map((b) => b.plugin), command: "npm run bench" }];
  runs = [...earlierRuns.map((r) => ({ ...r, plugins: r.plugins.filter((p) => !measured.has(p)) })).filter((r) => r.plugins.length > 0), ...runs];
}
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

const k = (n: number) => (n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : (n / 1000).toFixed(1) + "k");
const md: string[] = [];
md.push("# Benchmarks", "");
if (runs.length === 1) {
  md.push(`Measured ${when(started.toISOString())} UTC with \`${command}\` on ${cpus().length} × ${cpus()[0]?.model.trim()} ` +
    `(a shared machine), ${envoyVersion}. Rerun the command for your own numbers; compare columns of one run, not runs with each other.`, "");
} else {
  md.push(`Measured on ${cpus().length} × ${cpus()[0]?.model.trim()} (a shared machine), ${envoyVersion}, in ${runs.length} runs whose rows were ` +
    `spliced together (\`--splice\`): ${runs.map((r) => `${r.plugins.join(", ")} on ${when(r.date)} UTC with \`${r.command}\``).join("; ")}. ` +
    "Instruction counts are repeatable from run to run; CPU times are not: compare a plugin's CPU rows with each other, not with another run's. " +
    "Module sizes are the last run's build. Rerun the commands for your own numbers.", "");
}
md.push("## Instructions per request above no filter", "");
md.push("Counted by `valgrind --tool=callgrind` on Envoy `--concurrency 1` (one request at a time on one keep-alive connection, " +
  "direct_response route, after warm-up); repeatable to a fraction of a percent. The **host-call floor** is a module generated from the " +
  "plugin's own host-call trace (`scripts/bench/floor.ts`) that makes exactly the same host calls from the same exported callbacks and " +
  "nothing else: what any Wasm filter doing this job pays. *x floor* is the plugin over its floor: the AssemblyScript and SDK share.", "");
md.push("*x native* is the variant's cost above no filter over the native filter's doing the same job (jwt-auth against `jwt_authn`, " +
  "global-rate-limit against `ratelimit` asking the same Rate Limit Service). A variant sent fewer requests (a full JWT verification each) says how many.", "");
md.push("global-rate-limit's variants route to an upstream (Envoy's native `ratelimit` filter does nothing on a `direct_response` route), " +
  "so their \"no filter\" is higher than the others'. Each request of the plugin and of native makes one `ShouldRateLimit` call to a real " +
  "Rate Limit Service (envoyproxy/ratelimit) and Redis, which run as their own processes outside valgrind: the counts are Envoy's alone, " +
  "and they include Envoy's side of the call (its async gRPC client, the HTTP/2 codec to RLS, the answer) for both. Every limit is far above " +
  "what the run sends, so every measured request is answered OK (the counters are checked). In lease mode most requests spend a token " +
  "leased by an earlier call (its calls per measured request are shown); it has no host-call floor, since its requests do not all make " +
  "the same host calls.", "");
md.push("| plugin | variant | instructions / request | above no filter | x floor | x native |", "| --- | --- | ---: | ---: | ---: | ---: |");
for (const r of instructions) {
  const requests = r.requests !== undefined && r.requests !== instructions[0]?.requests ? ` (${r.requests} requests)` : "";
  md.push(`| ${r.plugin} | ${labelWithCounts(r)}${requests} | ${Math.round(r.perRequest).toLocaleString("en")} | ${r.aboveNone ? k(r.aboveNone) : ""} | ` +
    `${r.floor ? (r.aboveNone / r.floor).toFixed(2) : ""} | ${fixed(ratioToNative(instructions, r))} |`);
}
md.push("", "![instructions per request above no filter](benchmarks.svg)", "");
md.push("## Envoy CPU per request", "");
md.push("Sum of `/proc/<pid>/task/*/schedstat` over a batch, Envoy `--concurrency 2`, variants interleaved round by round; " +
  "medians, and for *above no filter* the median of each round's difference with that round's no-filter batch. Noise on this machine is " +
  "a few µs: the instruction counts above are the precise figure.", "");
md.push("| plugin | variant | µs / request | above no filter | x native |", "| --- | --- | ---: | ---: | ---: |");
for (const r of cpu) {
  const requests = r.requests !== cpu[0]?.requests ? ` (${r.requests} requests a batch)` : "";
  md.push(`| ${r.plugin} | ${r.label}${requests} | ${r.usPerRequest.toFixed(1)} | ${r.aboveNone ? (r.aboveNone > 0 ? "+" : "") + r.aboveNone.toFixed(1) : ""} | ${fixed(ratioToNative(cpu, r))} |`);
}
md.push(...servicesCpu());
md.push(...goals());
md.push("", "## Linear memory of one VM (emulator, 64 KiB pages)", "");
md.push(`| plugin | variant | after warm-up | after 100k requests | after ${memoryRequests.toLocaleString("en")} |`, "| --- | --- | ---: | ---: | ---: |");
for (const r of memory) {
  const requests = r.midRequests !== 100_000 ? ` (after ${r.midRequests.toLocaleString("en")} and ${r.requests.toLocaleString("en")} requests)` : "";
  md.push(`| ${r.plugin} | ${r.label}${requests} | ${r.warm} | ${r.at100k} | ${r.atEnd} |`);
}
md.push(...leaseSection());
md.push("", "## Module sizes", "", "| module | KiB | goal |", "| --- | ---: | --- |");
for (const s of sizes) {
  const goal = BENCHES.find((b) => `${b.plugin}.wasm` === s.name)?.sizeGoalKiB;
  md.push(`| ${s.name} | ${(s.bytes / 1024).toFixed(1)} | ${goal ? `< ${goal} KiB: ${s.bytes / 1024 < goal ? "met" : "**not met**"}` : ""} |`);
}
md.push("");
mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.md"), md.join("\n"));
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.svg"), chart(instructions));
const report: Report = { date: started.toISOString(), envoyVersion, runs, instructions, cpu, memory, sizes, lease };
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.json"), JSON.stringify(report, null, 2));
console.log(md.join("\n"));

function fixed(x: number | undefined): string {
  return x === undefined ? "" : x.toFixed(2);
}

/** The CPU time of a bench's services (global-rate-limit: RLS + Redis) next to Envoy's, with each one's spread over the rounds. */
function servicesCpu(): string[] {
  const rows = cpu.filter((r) => r.servicesUsPerRequest !== undefined);
  if (rows.length === 0) return [];
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)} .. ${Math.max(...xs).toFixed(1)}`;
  const out = ["", "### The Rate Limit Service's CPU per request", ""];
  out.push("global-rate-limit's CPU rows again, with the CPU time of the Rate Limit Service and Redis (the sum of their threads' schedstat, " +
    "read around the same batches), and the spread over the rounds of each median. A request that waits for a call costs Envoy more " +
    "system calls and wake-ups than its instructions suggest, and how much depends on what else the machine runs: these spreads are " +
    "wider than the other plugins'.", "");
  out.push("| plugin | variant | Envoy µs above no filter | rounds (min .. max) | RLS + Redis µs / request | rounds (min .. max) |", "| --- | --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const envoy = r.aboveNone ? `+${r.aboveNone.toFixed(1)} | ${r.differences ? range(r.differences) : ""}` : " | ";
    out.push(`| ${r.plugin} | ${r.label} | ${envoy} | ${r.servicesUsPerRequest!.toFixed(1)} | ${range(r.servicesRounds!)} |`);
  }
  return out;
}

/** Lease mode on two replicas (lease.ts). */
function leaseSection(): string[] {
  if (lease.length === 0) return [];
  const out = ["", "## global-rate-limit: lease mode on two replicas", ""];
  out.push(`Two Envoy replicas (\`--concurrency 2\` each) share one limit of ${lease[0]!.limit} requests a minute in the Rate Limit Service; each row sends ` +
    `${lease[0]!.requests} requests for its own descriptor within one minute window, one after another alternating between the replicas, or from ` +
    "8 concurrent clients, half on each replica (`scripts/bench/lease.ts`). With a lease of k tokens (`lease: {tokens: k, replicas: 2}`), " +
    "a call asks RLS for k hits and the replica spends the rest without calls; *calls* are the replicas' `wasmcustom.global_rate_limit.calls` " +
    "(native: its `ratelimit.ok` + `over_limit` + `error`), *RLS hits* the descriptor's counter in Redis: the tokens RLS counted, unused ones included. " +
    "Under concurrent clients a replica has one refill in flight at a time; the requests that arrive meanwhile make exact calls (one hit " +
    "each), which RLS counts next to the refills: a lease that is large next to limit / replicas (here 50 of 100 on two replicas) can see " +
    "another replica's refill refused and admit less than the limit, never more, and never less than limit - replicas x (k - 1).", "");
  out.push(`| ${LEASE_HEADER.join(" | ")} |`, `| --- | --- | ${LEASE_HEADER.slice(2).map(() => "---:").join(" | ")} |`);
  for (const row of leaseRows(lease)) out.push(`| ${row.join(" | ")} |`);
  return out;
}

/**
 * The goals variants set (variants.ts `goal`: the most their cost above no filter may be over their
 * native variant's), measured both ways; the host-call floor's ratio says what any Wasm filter making
 * the same host calls would get.
 */
function goals(): string[] {
  const rows = instructions.filter((r) => r.goal !== undefined && r.native);
  if (rows.length === 0) return [];
  const out = ["", "## Goals against the native filter", ""];
  out.push("Each goal bounds the plugin's cost above no filter over the native filter's for the same job. The CPU ratio is the goal's own " +
    "measure, but a native filter adding a few µs is within this machine's noise, so its ratio swings from run to run; the instruction " +
    "ratio is the repeatable one. *floor x native*: the plugin's host-call floor over native, the least any Wasm filter making the same " +
    "host calls would get.", "");
  out.push("| plugin | variant | goal | instructions above no filter (plugin / native) | x native | floor x native | CPU µs above no filter (plugin / native) | x native |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  const mark = (x: number | undefined, goal: number) => (x === undefined ? "" : `${x.toFixed(2)} ${x <= goal ? "(met)" : "(**not met**)"}`);
  for (const r of rows) {
    const n = instructions.find((x) => x.id === r.native)!;
    const c = cpu.find((x) => x.id === r.id);
    const cn = cpu.find((x) => x.id === r.native);
    const cpuCells = c && cn ? `+${c.aboveNone.toFixed(1)} / +${cn.aboveNone.toFixed(1)} | ${mark(ratioToNative(cpu, c), r.goal!)}` : " | ";
    out.push(`| ${r.plugin} | ${r.label.trim()} | ≤ ${r.goal} | ${k(r.aboveNone)} / ${k(n.aboveNone)} | ${mark(ratioToNative(instructions, r), r.goal!)} | ` +
      `${r.floor ? (r.floor / n.aboveNone).toFixed(2) : ""} | ${cpuCells} |`);
  }
  return out;
}

/** Horizontal bars: instructions above no filter per variant, grouped by plugin. */
function chart(rows: InstructionResult[]): string {
  // Variants sent fewer requests (a full JWT verification each) cost tens of times the others: they
  // get their own group, on their own scale, after their plugin's other bars.
  const full = rows[0]?.requests;
  const slow = (r: InstructionResult) => r.requests < full!;
  const positive = rows.filter((r) => r.aboveNone > 0);
  const bars = positive.flatMap((r, i) => (positive.findIndex((x) => x.plugin === r.plugin) === i
    ? [...positive.filter((x) => x.plugin === r.plugin && !slow(x)), ...positive.filter((x) => x.plugin === r.plugin && slow(x))] : []));
  // A plugin whose costs are of another order (global-rate-limit: a gRPC call per request) has its own scale too.
  const scaleOf = (r: InstructionResult) => (slow(r) ? "slow" : BENCHES.find((b) => b.plugin === r.plugin)?.ownChartScale ? r.plugin : "");
  const max = new Map<string, number>();
  for (const r of bars) max.set(scaleOf(r), Math.max(max.get(scaleOf(r)) ?? 0, r.aboveNone));
  const width = 900, left = 380, barH = 18, gap = 6, top = 40;
  let y = top;
  let group = "";
  const parts: string[] = [];
  for (const r of bars) {
    const title = slow(r) ? `${r.plugin}, fewer requests (own scale)` : scaleOf(r) ? `${r.plugin} (own scale)` : r.plugin;
    if (title !== group) {
      group = title;
      y += 8;
      parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${escape(title)}</text>`);
      y += barH + gap;
    }
    const w = ((width - left - 80) * r.aboveNone) / max.get(scaleOf(r))!;
    const color = r.id.endsWith("-floor") ? "#9ab" : /lua|native/i.test(r.label) ? "#e9a23b" : "#3b7de9";
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(labelWithCounts(r))}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
    parts.push(`<text x="${left + w + 6}" y="${y + 13}">${k(r.aboveNone)}</text>`);
    y += barH + gap;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 20}" font-family="sans-serif" font-size="12">
<text x="10" y="20" font-size="14" font-weight="bold">Envoy instructions per request above no filter (callgrind)</text>
${parts.join("\n")}
</svg>
`;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

export type { CpuResult, MemoryResult };
