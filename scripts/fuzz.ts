// npm run fuzz -- [--plugin <name>|all] [--cases N] [--seed S|random] [--warmup N] [--only I] [--max-violations N] [--out DIR] [--allow-known] [--wasm FILE] [--replay FILE]
//
// --replay FILE runs one violation file again (its configuration on fresh VMs, its exact request,
// every check), e.g. after a fix.
// --wasm runs another build of the one plugin named by --plugin (e.g. `npx asc plugins/<p>/index.ts
// --config asconfig.json --debug -o /tmp/p.wasm` for function names in trap stack traces).
//
// Drives each plugin's dist/<plugin>.wasm through the host emulator (test/host) with random and
// mutated requests and mutated configurations, checks the invariants of test/fuzz/engine.ts, and
// prints a table per plugin. Exits 1 on any violation, printing the seed and case index (a run with
// the same seed replays the same cases), and writes each violation with its exact request bytes to
// <out>/<plugin>-<seed>-<phase>-<index>.json (default .cache/fuzz). Violations that are instances of
// a known, reported issue (test/fuzz/known.ts) are marked; --allow-known exits 0 on those alone.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { INVARIANTS, REPO_ROOT, runPlugin, type PluginResult, type Violation } from "../test/fuzz/engine.ts";
import { FUZZERS, pluginNames } from "../test/fuzz/plugins/index.ts";
import { KNOWN_ISSUES } from "../test/fuzz/known.ts";

function usage(msg?: string): never {
  if (msg) process.stderr.write(`fuzz: ${msg}\n`);
  process.stderr.write("usage: npm run fuzz -- [--plugin <name>|all] [--cases N] [--seed S|random] [--warmup N] [--only I] [--max-violations N] [--out DIR] [--allow-known] [--wasm FILE] [--replay FILE]\n");
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = { plugin: "all", cases: 10_000, seed: 1, warmup: undefined as number | undefined, only: undefined as number | undefined, maxViolations: 20, out: join(REPO_ROOT, ".cache", "fuzz"), allowKnown: false, wasm: undefined as string | undefined, replay: undefined as Violation | undefined };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
  const value = () => inline ?? args[++i] ?? usage(`${flag} needs a value`);
  const int = (v: string) => { const n = Number(v.replace(/_/g, "")); if (!Number.isSafeInteger(n) || n < 0) usage(`${flag}: not a non-negative integer: ${v}`); return n; };
  switch (flag) {
    case "--plugin": opt.plugin = value(); break;
    case "--cases": opt.cases = int(value()); break;
    case "--seed": { const v = value(); opt.seed = v === "random" ? randomInt(2 ** 32 - 1) : int(v); if (opt.seed > 0xffffffff) usage("--seed: at most 2^32-1"); break; }
    case "--warmup": opt.warmup = int(value()); break;
    case "--only": opt.only = int(value()); break;
    case "--max-violations": opt.maxViolations = Math.max(1, int(value())); break;
    case "--out": opt.out = value(); break;
    case "--allow-known": opt.allowKnown = true; break;
    case "--wasm": opt.wasm = value(); break;
    case "--replay": { const v = JSON.parse(readFileSync(value(), "utf8")) as Violation; opt.replay = v; opt.plugin = v.plugin; opt.seed = v.seed; break; }
    case "-h": case "--help": usage();
    default: usage(`unknown argument ${a}`);
  }
}
const plugins = opt.plugin === "all" ? pluginNames() : [opt.plugin];
if (opt.wasm && plugins.length !== 1) usage("--wasm needs one --plugin");
for (const p of plugins) {
  if (!FUZZERS[p]) usage(`no fuzzer for plugin ${p} (known: ${Object.keys(FUZZERS).join(", ")})`);
  if (!opt.wasm && !existsSync(join(REPO_ROOT, "dist", `${p}.wasm`))) usage(`dist/${p}.wasm is missing: run npm run build`);
}

const fmtMs = (ms: number) => {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};
const HEAD = ["plugin", "cases", "requests", "passed", "denied (local replies)", "configs ok/rejected", "traps", "violations", "memory pages (warm-up → end)", "elapsed"];
function row(r: PluginResult): string[] {
  return [r.plugin, r.cases.toLocaleString("en"), r.requests.toLocaleString("en"), r.passed.toLocaleString("en"), r.denied.toLocaleString("en"),
    `${r.configsAccepted.toLocaleString("en")}/${(r.configs - r.configsAccepted).toLocaleString("en")}`, String(r.traps),
    r.knownCount ? `${r.violationCount} (${r.knownCount} known)` : String(r.violationCount),
    `${r.pagesWarm} → ${r.pagesEnd} (${r.vms} VMs)`, `${fmtMs(r.elapsedMs)} (warm-up ${r.warmupRequests.toLocaleString("en")} requests, ${fmtMs(r.warmupMs)})`];
}
function table(rows: string[][]): string {
  const all = [HEAD, ...rows];
  const w = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" | ")} |`;
  return [line(HEAD), `| ${w.map((n, i) => (i === 0 ? "-".repeat(n) : "-".repeat(n - 1) + ":")).join(" | ")} |`, ...rows.map(line)].join("\n");
}

function report(v: Violation): string {
  mkdirSync(opt.out, { recursive: true });
  const file = join(opt.out, `${v.plugin}-${v.seed}-${v.phase}-${v.index}.json`);
  writeFileSync(file, JSON.stringify(v, null, 1));
  const replay = v.phase === "case"
    ? `npm run fuzz -- --plugin ${v.plugin} --seed ${v.seed} --cases ${v.index + 1}   (or --only ${v.index}: that case alone after the warm-up)`
    : `npm run fuzz -- --plugin ${v.plugin} --seed ${v.seed} --cases 0   (warm-up request ${v.index})`;
  const known = v.known ? `\n    known issue ${v.known} (test/fuzz/known.ts)` : "";
  return `  ✗ ${v.plugin} seed ${v.seed} ${v.phase} ${v.index}${v.host ? ` [${v.host}]` : ""} ${v.kind}: ${v.message.slice(0, 600)}${known}\n    replay: ${replay}\n    bytes:  ${file}`;
}

process.stdout.write(opt.replay ? `fuzz: replaying ${opt.replay.plugin} seed ${opt.replay.seed} ${opt.replay.phase} ${opt.replay.index} [${opt.replay.host}]\n` : `fuzz: seed ${opt.seed}, ${opt.only !== undefined ? `case ${opt.only} only` : `${opt.cases.toLocaleString("en")} cases`} per plugin: ${plugins.join(", ")}\n`);
const results: PluginResult[] = [];
const started = performance.now();
for (const p of plugins) {
  const r = await runPlugin(FUZZERS[p], {
    cases: opt.cases, seed: opt.seed, warmup: opt.warmup, only: opt.only, maxViolations: opt.maxViolations,
    module: opt.wasm ? new WebAssembly.Module(readFileSync(opt.wasm)) : undefined, replay: opt.replay,
    progress: (done, total, partial) => process.stderr.write(`  ${p}: ${done.toLocaleString("en")}/${total.toLocaleString("en")} cases, ${fmtMs(partial.elapsedMs)}, ${partial.violationCount} violations\n`),
  });
  results.push(r);
  process.stdout.write(`\n${table([row(r)])}\n`);
  const grpc = Object.entries(r.grpc).sort((x, y) => y[1] - x[1]);
  if (grpc.length) process.stdout.write(`gRPC calls of the cases, by how they ended: ${grpc.map(([k, n]) => `${k} ${n.toLocaleString("en")}`).join(", ")}\n`);
  for (const v of r.violations) process.stdout.write(`${report(v)}\n`);
  if (r.violationCount > r.violations.length) process.stdout.write(`  ... ${r.violationCount - r.violations.length} more violations not shown (the first 3 of each known issue; --max-violations others)\n`);
}
if (results.length > 1) process.stdout.write(`\n${table(results.map(row))}\n`);
const bad = results.reduce((n, r) => n + r.violationCount, 0);
const known = results.reduce((n, r) => n + r.knownCount, 0);
process.stdout.write(`\nseed ${opt.seed}, ${fmtMs(performance.now() - started)} in all. cases: requests and mutated configurations (each accepted one serves 3 requests); requests, passed (reached the upstream) and denied count the cases, not the warm-up; memory: 64 KiB pages summed over the long-lived worker VMs. Invariants:\n${INVARIANTS.map((s) => `  - ${s}`).join("\n")}\n`);
if (known) {
  const ids = new Set(results.flatMap((r) => r.violations.map((v) => v.known).filter(Boolean)));
  for (const k of KNOWN_ISSUES.filter((k) => ids.has(k.id))) process.stdout.write(`\nknown issue ${k.id}: ${k.summary}\n`);
}
if (bad > (opt.allowKnown ? known : 0)) {
  process.stdout.write(`\nFAIL: ${bad} invariant violation(s)${known ? `, ${known} of them known issues` : ""}; replay with --seed ${opt.seed} (see above)\n`);
  process.exit(1);
}
if (known) {
  process.stdout.write(`\nOK but for ${known} instance(s) of known issues (--allow-known)\n`);
  process.exit(0);
}
process.stdout.write("\nOK: no invariant violated\n");
