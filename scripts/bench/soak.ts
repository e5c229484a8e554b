// Soak: one Envoy (--concurrency 2) running all four plugins chained (baggage-tag -> jwt-auth ->
// tenant-gray -> local-rate-limit, FAIL_RELOAD; scripts/bench/soak-config.ts) under a mixed valid
// and hostile load (scripts/bench/soak-load.ts) for --minutes, from a bounded loop: --connections
// keep-alive connections, each sending its next request when the previous one is answered.
//
//   npm run soak -- [--minutes 10] [--every 10] [--connections 8] [--out docs/soak.md] [--seed N]
//                   [--max-growth 4] [--wasm-dir dist]
//
// Every --every seconds: Envoy's VmRSS (/proc/<pid>/status) and its allocator's view
// (server.memory_allocated). The run FAILS on:
//   * any 5xx caused by a plugin: the access log records every response >= 500 with its response
//     code details; `wasm_fail_stream`, or any 5xx not `via_upstream`, is a failure (the echo
//     upstreams never answer 5xx, so a 5xx via_upstream is reported but would not be a plugin's);
//   * a Wasm VM failure in Envoy's log (`[error][wasm]` / `[critical]`, "Function: ... failed",
//     "Wasm VM failed") or a VM reload in the stats;
//   * RSS growth after warm-up: the samples are split into thirds (the first is warm-up); the
//     median of the last third more than --max-growth MiB (default 4) above the median of the
//     second third fails;
//   * a request without an answer (connection reset, timeout), or a status outside what its kind
//     expects (e.g. a valid token answered 401): the load would not be testing what it says.
// Writes --out (markdown with the series, the failures and the plugins' counters) and a chart next
// to it (same name, .svg). Exit code 1 when the run failed.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { REPO_ROOT, findEnvoy, standardReplacements, startEcho, startEnvoy } from "../../test/envoy/envoy.ts";
import { runKeepAlive } from "../../test/envoy/keepalive.ts";
import { soakConfig } from "./soak-config.ts";
import { mintTokens, randomSeed, requestMix } from "./soak-load.ts";

export interface SoakOptions {
  minutes: number;
  everySeconds?: number;
  connections?: number;
  /** RSS growth (MiB) of the last third's median over the second third's that fails the run */
  maxGrowthMiB?: number;
  seed?: number;
  /** where the .wasm modules come from (default: dist/) */
  wasmDir?: string;
  /** progress lines (default: stderr) */
  progress?: (line: string) => void;
}

export interface Sample { seconds: number; requests: number; rssKiB: number; allocatedKiB: number }

export interface SoakResult {
  passed: boolean;
  failures: string[];
  started: Date;
  seconds: number;
  options: Required<Omit<SoakOptions, "progress" | "wasmDir">>;
  envoyVersion: string;
  requests: number;
  /** kind -> status -> count ("error" for no answer) */
  byKind: Map<string, Map<string, number>>;
  unexpected: Map<string, number>;
  samples: Sample[];
  growth: { warmupEnd: number; middleMedianKiB: number; lastMedianKiB: number; growthKiB: number } | undefined;
  fiveXX: { line: string; count: number; plugin: boolean }[];
  envoyCounts: Record<string, number>;
  pluginCounters: Array<[string, number]>;
  wasmErrors: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const WASM_FAILURE = /\[(error|critical)\]\[wasm\]|Function: \S+ failed|Wasm VM failed|wasm_fail_stream|\[critical\]/;

/** The growth rule: thirds of the samples, the first is warm-up; last third's median minus the second's. */
export function rssGrowth(samples: Sample[]): SoakResult["growth"] {
  if (samples.length < 3) return undefined;
  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, samples.length - third);
  const last = samples.slice(samples.length - third);
  const m = median(middle.map((s) => s.rssKiB));
  const l = median(last.map((s) => s.rssKiB));
  return { warmupEnd: samples[third - 1]!.seconds, middleMedianKiB: m, lastMedianKiB: l, growthKiB: l - m };
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const options = {
    minutes: opts.minutes, everySeconds: opts.everySeconds ?? 10, connections: opts.connections ?? 8,
    maxGrowthMiB: opts.maxGrowthMiB ?? 4, seed: opts.seed ?? randomSeed(),
  };
  const progress = opts.progress ?? ((l: string) => process.stderr.write(l + "\n"));
  const envoyVersion = execFileSync(await findEnvoy(), ["--version"]).toString().trim().split("\n").pop()!.replace(/^.*version:\s*/, "Envoy ").trim();
  const work = mkdtempSync(join(tmpdir(), "soak-"));
  const accessLog = join(work, "access-5xx.log");
  writeFileSync(join(work, "envoy.yaml"), soakConfig(accessLog));
  const base = await startEcho({ name: "base", port: 0 });
  const gray = await startEcho({ name: "gray", port: 0 });
  // The echo servers keep every request they saw; the soak does not need them.
  const forget = setInterval(() => { base.requests.length = 0; gray.requests.length = 0; }, 1000);
  const tokens = await mintTokens(1500, Math.ceil(options.minutes * 60) + 3600);
  const envoy = await startEnvoy({
    configPath: join(work, "envoy.yaml"), concurrency: 2, logLevel: "warning", componentLogLevel: "wasm:warning",
    replacements: standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": base.port, "echo-gray": gray.port }, wasmDir: opts.wasmDir }),
  });
  const wasmErrors: string[] = [];
  const scan = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (WASM_FAILURE.test(line) && wasmErrors.length < 50) wasmErrors.push(line.slice(0, 500));
  };
  envoy.proc.stdout!.on("data", scan);
  envoy.proc.stderr!.on("data", scan);
  const pid = envoy.proc.pid!;

  const mix = requestMix(tokens, options.seed);
  const byKind = new Map<string, Map<string, number>>(mix.kinds.map((k) => [k, new Map()]));
  const unexpected = new Map<string, number>();
  const count = (kind: string, status: string, expected: boolean) => {
    const m = byKind.get(kind)!;
    m.set(status, (m.get(status) ?? 0) + 1);
    if (!expected) unexpected.set(`${kind}: ${status}`, (unexpected.get(`${kind}: ${status}`) ?? 0) + 1);
  };
  let requests = 0;
  const samples: Sample[] = [];
  const started = new Date();
  const t0 = Date.now();
  const end = t0 + options.minutes * 60_000;
  let sampling = Promise.resolve();
  const sample = () => {
    sampling = sampling.then(async () => {
      const s: Sample = {
        seconds: Math.round((Date.now() - t0) / 1000), requests, rssKiB: rssKiB(pid),
        allocatedKiB: Math.round((await envoy.stat("server.memory_allocated")) / 1024),
      };
      samples.push(s);
      progress(`  ${(s.seconds / 60).toFixed(1)} min: RSS ${(s.rssKiB / 1024).toFixed(1)} MiB, allocated ${(s.allocatedKiB / 1024).toFixed(1)} MiB, ${s.requests} requests`);
    }).catch((e) => progress(`  sample failed: ${(e as Error).message}`));
  };
  const sampler = setInterval(sample, options.everySeconds * 1000);

  const failures: string[] = [];
  let envoyCounts: Record<string, number> = {};
  let pluginCounters: Array<[string, number]> = [];
  const fiveXX = new Map<string, number>();
  try {
    await runKeepAlive({
      port: envoy.port,
      connections: options.connections,
      timeoutMs: 10_000,
      next: () => {
        if (Date.now() >= end) return undefined;
        const r = mix.next();
        requests++;
        return { bytes: r.bytes, tag: r };
      },
      onResponse: (res, r) => count(r.kind, String(res.status), r.expect.includes(res.status)),
      onError: (e, r) => count(r.kind, `error (${e.message})`, false),
    });
    clearInterval(sampler);
    // The end of the load is a sample too, unless the interval's last one was just taken.
    await sampling;
    if ((samples.at(-1)?.seconds ?? 0) < (Date.now() - t0) / 1000 - options.everySeconds / 2) sample();
    await sampling;
    const stats = await envoy.stats();
    const pick = (re: RegExp) => [...stats].filter(([k]) => re.test(k)).sort(([a], [b]) => a.localeCompare(b));
    envoyCounts = Object.fromEntries(pick(/^http\.gateway\.downstream_rq_([1-5]xx|total)$|^wasm\..*(vm_reload|fail)|^wasm\.envoy\.wasm\.runtime\.v8\.(created|active)$|^http\.gateway\.downstream_rq_(too_large|header_timeout)|^http1\.(requests_rejected|dropped_headers|metadata)/));
    pluginCounters = pick(/^wasmcustom\./).filter(([, v]) => v > 0);
    // Give the access log's flush (1 s by default) time, then read it.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    clearInterval(sampler);
    clearInterval(forget);
    await envoy.stop();
    await base.close();
    await gray.close();
  }
  if (existsSync(accessLog)) {
    for await (const line of createInterface({ input: createReadStream(accessLog) })) {
      if (!line.trim()) continue;
      const key = line.split(" ").slice(0, 4).join(" ");
      fiveXX.set(key, (fiveXX.get(key) ?? 0) + 1);
    }
  }
  rmSync(work, { recursive: true, force: true });

  const fiveList = [...fiveXX].map(([line, n]) => ({ line, count: n, plugin: line.split(" ")[1] !== "via_upstream" }));
  for (const f of fiveList) if (f.plugin) failures.push(`${f.count} × 5xx not from the upstream: ${f.line}`);
  for (const [k, v] of Object.entries(envoyCounts)) if (/vm_reload|fail/.test(k) && v > 0) failures.push(`${k} = ${v}`);
  if (wasmErrors.length > 0) failures.push(`${wasmErrors.length} Wasm failure line(s) in Envoy's log, first: ${wasmErrors[0]}`);
  for (const [k, v] of unexpected) failures.push(`${v} × unexpected ${k}`);
  const growth = rssGrowth(samples);
  if (!growth) failures.push(`only ${samples.length} RSS samples: run longer than 3 × --every`);
  else if (growth.growthKiB > options.maxGrowthMiB * 1024) {
    failures.push(`RSS grew ${(growth.growthKiB / 1024).toFixed(1)} MiB after warm-up (last-third median over second-third median; limit ${options.maxGrowthMiB} MiB)`);
  }
  if (requests === 0) failures.push("no request was sent");
  return {
    passed: failures.length === 0, failures, started, seconds: (Date.now() - t0) / 1000, options, envoyVersion, requests,
    byKind, unexpected, samples, growth, fiveXX: fiveList, envoyCounts, pluginCounters, wasmErrors,
  };
}

// ---------------------------------------------------------------------------------------------------
// Report

const mib = (kib: number) => (kib / 1024).toFixed(1);

export function report(r: SoakResult, svgName: string): string {
  const o = r.options;
  const md: string[] = [];
  md.push("# Soak", "");
  md.push(`Run ${r.started.toISOString().slice(0, 16).replace("T", " ")} UTC with \`npm run soak -- --minutes ${o.minutes}\` ` +
    `(seed ${o.seed}) on ${cpus().length} × ${cpus()[0]?.model.trim()} (a shared machine), ${r.envoyVersion}.`, "");
  md.push(`**${r.passed ? "PASSED" : "FAILED"}**: ${r.requests.toLocaleString("en")} requests in ${(r.seconds / 60).toFixed(1)} minutes ` +
    `(${Math.round(r.requests / r.seconds)} per second) over ${o.connections} keep-alive connections; ` +
    `RSS ${mib(r.samples[0]?.rssKiB ?? 0)} MiB at the first sample, ${mib(r.samples.at(-1)?.rssKiB ?? 0)} MiB at the last; ` +
    `${r.fiveXX.filter((f) => f.plugin).reduce((s, f) => s + f.count, 0)} 5xx caused by a plugin ` +
    `(${r.fiveXX.reduce((s, f) => s + f.count, 0)} 5xx in all).`, "");
  if (r.failures.length > 0) md.push("Failures:", "", ...r.failures.map((f) => `* ${f}`), "");
  md.push("## Set-up", "");
  md.push("One Envoy, `--concurrency 2` (two Wasm VMs per plugin), all four plugins chained on one listener (the gateway listener of the all-in-one example): " +
    "`baggage-tag -> jwt-auth -> tenant-gray -> local-rate-limit -> router`, each with `failure_policy: FAIL_RELOAD`. " +
    "The configuration is generated by `scripts/bench/soak-config.ts` from `envoy-examples/all-in-one/envoy.yaml`, its baggage-tag filter replaced by the one " +
    "of `envoy-examples/baggage-tag/envoy.yaml` put first, and local-rate-limit's rules from `envoy-examples/local-rate-limit/envoy.yaml` " +
    "(plus the all-in-one per-consumer rule on `/orders`), with an access log of every response with status 500 or more. " +
    "Two echo upstreams (base, gray). The load (`scripts/bench/soak-load.ts`) is a bounded loop: each connection sends its next " +
    "request when the previous one is answered. Tokens are minted at start with the repository's test keys " +
    "(1,500 valid ones, more than jwt-auth's per-worker cache of 1,000, picked at random).", "");
  md.push("The run fails on: any 5xx whose response code details are not `via_upstream` (`wasm_fail_stream` is a dead VM); " +
    "a Wasm failure line in Envoy's log or a VM reload; a request without an answer or with a status its kind does not expect; " +
    `RSS growth after warm-up: the ${r.samples.length} samples (every ${o.everySeconds} s) are cut in thirds, the first is warm-up, ` +
    `and the median of the last third may be at most ${o.maxGrowthMiB} MiB above the median of the second.`, "");
  if (r.growth) {
    md.push(`Warm-up ended at ${(r.growth.warmupEnd / 60).toFixed(1)} min; second-third median ${mib(r.growth.middleMedianKiB)} MiB, ` +
      `last-third median ${mib(r.growth.lastMedianKiB)} MiB: ${r.growth.growthKiB >= 0 ? "+" : ""}${mib(r.growth.growthKiB)} MiB.`, "");
  }
  md.push(`![Envoy RSS during the soak](${svgName})`, "", "(Each y axis spans its series' range; neither starts at 0.)", "");
  md.push("## Requests by kind", "");
  md.push("| kind | requests | statuses |", "| --- | ---: | --- |");
  for (const [kind, m] of r.byKind) {
    const n = [...m.values()].reduce((a, b) => a + b, 0);
    md.push(`| ${kind} | ${n.toLocaleString("en")} | ${[...m].sort().map(([s, c]) => `${s}: ${c.toLocaleString("en")}`).join(", ")} |`);
  }
  md.push("", "## Memory", "");
  md.push("| minute | requests | RSS MiB | allocated MiB (tcmalloc) |", "| ---: | ---: | ---: | ---: |");
  for (const s of r.samples) md.push(`| ${(s.seconds / 60).toFixed(2)} | ${s.requests.toLocaleString("en")} | ${mib(s.rssKiB)} | ${mib(s.allocatedKiB)} |`);
  md.push("", "`allocated` is Envoy's own heap (`server.memory_allocated`); Wasm linear memory and V8 live outside it, in RSS.", "");
  md.push("## 5xx (access log)", "");
  if (r.fiveXX.length === 0) md.push("None.", "");
  else {
    md.push("| count | code details flags kind | caused by a plugin |", "| ---: | --- | --- |");
    for (const f of r.fiveXX) md.push(`| ${f.count} | \`${f.line}\` | ${f.plugin ? "yes" : "no"} |`);
    md.push("");
  }
  md.push("## Envoy counters", "", "| stat | value |", "| --- | ---: |");
  for (const [k, v] of Object.entries(r.envoyCounts)) md.push(`| \`${k}\` | ${v.toLocaleString("en")} |`);
  md.push("", "## Plugin counters (non-zero)", "", "| stat | value |", "| --- | ---: |");
  for (const [k, v] of r.pluginCounters) md.push(`| \`${k}\` | ${v.toLocaleString("en")} |`);
  if (r.wasmErrors.length > 0) md.push("", "## Wasm failures in Envoy's log", "", "```", ...r.wasmErrors, "```");
  md.push("");
  return md.join("\n");
}

/** Two panels over time: RSS (the warm-up shaded, the two medians the rule compares drawn) and
 *  Envoy's own heap; each y axis spans its series' range (it does not start at 0), so a growth of
 *  a few MiB is visible. */
export function chart(r: SoakResult): string {
  const W = 900, L = 70, R = 20, PH = 190, GAP = 60, T = 40;
  const s = r.samples;
  const maxT = Math.max(1, ...s.map((p) => p.seconds));
  const x = (t: number) => L + ((W - L - R) * t) / maxT;
  const parts: string[] = [];
  const panel = (top: number, title: string, color: string, f: (p: Sample) => number, medians: boolean) => {
    const vals = s.map((p) => f(p) / 1024);
    const lo0 = Math.min(...vals), hi0 = Math.max(...vals);
    const span = Math.max(8, hi0 - lo0);
    const step = [1, 2, 5, 10, 20, 50].find((st) => span / st <= 6) ?? 100;
    const lo = Math.floor((lo0 - span * 0.15) / step) * step, hi = Math.ceil((hi0 + span * 0.15) / step) * step;
    const y = (m: number) => top + PH * (1 - (m - lo) / (hi - lo));
    parts.push(`<text x="${L}" y="${top - 8}" font-weight="bold">${title}</text>`);
    if (medians && r.growth) {
      const third = Math.floor(s.length / 3);
      const a = s[third - 1]!.seconds, b2 = s[s.length - third - 1]!.seconds;
      parts.push(`<rect x="${x(0)}" y="${top}" width="${(x(a) - x(0)).toFixed(1)}" height="${PH}" fill="#eee"/>`);
      parts.push(`<text x="${((x(0) + x(a)) / 2).toFixed(1)}" y="${top + 14}" text-anchor="middle" fill="#777">warm-up</text>`);
      const mid = r.growth.middleMedianKiB / 1024, last = r.growth.lastMedianKiB / 1024;
      parts.push(`<line x1="${x(a).toFixed(1)}" x2="${x(b2).toFixed(1)}" y1="${y(mid).toFixed(1)}" y2="${y(mid).toFixed(1)}" stroke="#e9a23b" stroke-width="2" stroke-dasharray="5 3"/>`);
      parts.push(`<line x1="${x(b2).toFixed(1)}" x2="${x(maxT).toFixed(1)}" y1="${y(last).toFixed(1)}" y2="${y(last).toFixed(1)}" stroke="#e9a23b" stroke-width="2" stroke-dasharray="5 3"/>`);
      parts.push(`<text x="${W - R}" y="${top - 8}" text-anchor="end" fill="#b8741a">dashed: medians of the second and last thirds (${r.growth.growthKiB >= 0 ? "+" : ""}${mib(r.growth.growthKiB)} MiB)</text>`);
    }
    for (let m = lo; m <= hi + 1e-9; m += step) {
      parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(m).toFixed(1)}" y2="${y(m).toFixed(1)}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${(y(m) + 4).toFixed(1)}" text-anchor="end">${m}</text>`);
    }
    parts.push(`<text x="16" y="${top + PH / 2}" transform="rotate(-90 16 ${top + PH / 2})" text-anchor="middle">MiB</text>`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.map((p) => `${x(p.seconds).toFixed(1)},${y(f(p) / 1024).toFixed(1)}`).join(" ")}"/>`);
    for (const p of s) parts.push(`<circle cx="${x(p.seconds).toFixed(1)}" cy="${y(f(p) / 1024).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const stepMin = maxT > 1200 ? 5 : maxT > 240 ? 1 : maxT > 60 ? 0.5 : 0.25;
    for (let t = 0; t <= maxT + 1e-9; t += stepMin * 60) parts.push(`<text x="${x(t).toFixed(1)}" y="${top + PH + 16}" text-anchor="middle">${+(t / 60).toFixed(2)}</text>`);
  };
  panel(T + 20, "Envoy RSS (VmRSS)", "#3b7de9", (p) => p.rssKiB, true);
  panel(T + 20 + PH + GAP, "Envoy heap (server.memory_allocated)", "#6b7f99", (p) => p.allocatedKiB, false);
  const H = T + 20 + 2 * PH + GAP + 45;
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">minutes</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">Envoy memory under the soak: ${r.requests.toLocaleString("en")} requests in ${(r.seconds / 60).toFixed(1)} min, --concurrency 2, four plugins chained</text>
${parts.join("\n")}
</svg>
`;
}

/** Writes the markdown report to `mdPath` and the chart beside it (.svg). */
export function writeReport(r: SoakResult, mdPath: string): { md: string; svgPath: string } {
  const svgPath = mdPath.replace(/\.md$/, "") + ".svg";
  mkdirSync(dirname(mdPath), { recursive: true });
  const md = report(r, basename(svgPath));
  writeFileSync(mdPath, md);
  writeFileSync(svgPath, chart(r));
  return { md, svgPath };
}

// ---------------------------------------------------------------------------------------------------
// Command line

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { numberOption, option, wasmDir } = await import("./options.ts");
  const out = resolve(REPO_ROOT, option("out", "docs/soak.md"));
  const seed = option("seed", "");
  const result = await runSoak({
    minutes: numberOption("minutes", 10), everySeconds: numberOption("every", 10), connections: numberOption("connections", 8),
    maxGrowthMiB: numberOption("max-growth", 4), seed: seed ? Number(seed) : undefined, wasmDir,
  });
  const { md, svgPath } = writeReport(result, out);
  console.log(md);
  process.stderr.write(`wrote ${out} and ${svgPath}\n`);
  process.exitCode = result.passed ? 0 : 1;
}
