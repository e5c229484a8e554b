// npm run bench: every figure of docs/benchmarks.md from one run, on this machine.
//   1. instructions per request above "no filter" (callgrind, repeatable), each Wasm variant next
//      to its host-call floor and to Lua / the native filter doing the same job;
//   2. Envoy CPU µs per request (schedstat, interleaved rounds, medians of paired differences);
//   3. linear memory of one VM over --requests requests (emulator);
//   4. .wasm sizes.
// Writes docs/benchmarks.md and docs/benchmarks.svg. Options are passed on to the parts
// (e.g. --requests for memory); `--quick` shortens every part for a smoke run.

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, findEnvoy } from "../../test/envoy/envoy.ts";
import { measureCpu, type CpuResult } from "./cpu.ts";
import { measureInstructions, type InstructionResult } from "./instructions.ts";
import { measureMemory, type MemoryResult } from "./memory.ts";
import { BENCHES, ratioToNative } from "./variants.ts";

const quick = process.argv.includes("--quick");
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });

const started = new Date();
process.stderr.write("instructions (callgrind; about a minute of Envoy start-up per plugin)...\n");
const instructions = await measureInstructions();
process.stderr.write("CPU time...\n");
const cpu = await measureCpu();
process.stderr.write("memory...\n");
const memoryRequests = quick ? 100_000 : 1_000_000;
const memory = measureMemory(memoryRequests);
const sizes = readdirSync(join(REPO_ROOT, "dist")).filter((f) => f.endsWith(".wasm")).sort()
  .map((f) => ({ name: f, bytes: statSync(join(REPO_ROOT, "dist", f)).size }));
const envoyVersion = execFileSync(await findEnvoy(), ["--version"]).toString().trim().split("\n").pop()!;

const k = (n: number) => (n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : (n / 1000).toFixed(1) + "k");
const md: string[] = [];
md.push("# Benchmarks", "");
md.push(`Measured ${started.toISOString().slice(0, 16).replace("T", " ")} UTC with \`npm run bench\` on ${cpus().length} × ${cpus()[0]?.model.trim()} ` +
  `(a shared machine), ${envoyVersion}. Rerun the command for your own numbers; compare columns of one run, not runs with each other.`, "");
md.push("## Instructions per request above no filter", "");
md.push("Counted by `valgrind --tool=callgrind` on Envoy `--concurrency 1` (one request at a time on one keep-alive connection, " +
  "direct_response route, after warm-up); repeatable to a fraction of a percent. The **host-call floor** is a module generated from the " +
  "plugin's own host-call trace (`scripts/bench/floor.ts`) that makes exactly the same host calls from the same exported callbacks and " +
  "nothing else: what any Wasm filter doing this job pays. *x floor* is the plugin over its floor: the AssemblyScript and SDK share.", "");
md.push("*x native* is the variant's cost above no filter over the native filter's doing the same job (jwt-auth against `jwt_authn`). " +
  "A variant sent fewer requests (a full JWT verification each) says how many.", "");
md.push("| plugin | variant | instructions / request | above no filter | x floor | x native |", "| --- | --- | ---: | ---: | ---: | ---: |");
for (const r of instructions) {
  const requests = r.requests !== undefined && r.requests !== instructions[0]?.requests ? ` (${r.requests} requests)` : "";
  md.push(`| ${r.plugin} | ${r.label.trim()}${requests} | ${Math.round(r.perRequest).toLocaleString("en")} | ${r.aboveNone ? k(r.aboveNone) : ""} | ` +
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
md.push(...goals());
md.push("", "## Linear memory of one VM (emulator, 64 KiB pages)", "");
md.push(`| plugin | variant | after warm-up | after 100k requests | after ${memoryRequests.toLocaleString("en")} |`, "| --- | --- | ---: | ---: | ---: |");
for (const r of memory) {
  const requests = r.midRequests !== 100_000 ? ` (after ${r.midRequests.toLocaleString("en")} and ${r.requests.toLocaleString("en")} requests)` : "";
  md.push(`| ${r.plugin} | ${r.label}${requests} | ${r.warm} | ${r.at100k} | ${r.atEnd} |`);
}
md.push("", "## Module sizes", "", "| module | KiB | goal |", "| --- | ---: | --- |");
for (const s of sizes) {
  const goal = BENCHES.find((b) => `${b.plugin}.wasm` === s.name)?.sizeGoalKiB;
  md.push(`| ${s.name} | ${(s.bytes / 1024).toFixed(1)} | ${goal ? `< ${goal} KiB: ${s.bytes / 1024 < goal ? "met" : "**not met**"}` : ""} |`);
}
md.push("");
mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.md"), md.join("\n"));
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.svg"), chart(instructions));
writeFileSync(join(REPO_ROOT, "docs", "benchmarks.json"), JSON.stringify({ date: started.toISOString(), envoyVersion, instructions, cpu, memory, sizes }, null, 2));
console.log(md.join("\n"));

function fixed(x: number | undefined): string {
  return x === undefined ? "" : x.toFixed(2);
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
  const max = Math.max(...bars.filter((r) => !slow(r)).map((r) => r.aboveNone));
  const maxSlow = Math.max(...bars.filter(slow).map((r) => r.aboveNone));
  const width = 900, left = 330, barH = 18, gap = 6, top = 40;
  let y = top;
  let group = "";
  const parts: string[] = [];
  for (const r of bars) {
    const title = slow(r) ? `${r.plugin}, fewer requests (own scale)` : r.plugin;
    if (title !== group) {
      group = title;
      y += 8;
      parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${escape(title)}</text>`);
      y += barH + gap;
    }
    const w = ((width - left - 80) * r.aboveNone) / (slow(r) ? maxSlow : max);
    const color = r.id.endsWith("-floor") ? "#9ab" : /lua|native/i.test(r.label) ? "#e9a23b" : "#3b7de9";
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(r.label.trim())}</text>`);
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
