#!/usr/bin/env node
// Builds a proxy-wasm plugin written with this SDK: proxy-wasm-build <entry.ts> [-o <out.wasm>] [asc options...]
// Uses the SDK's asconfig.json options (minimal runtime, _initialize, -O3) on top of
// @assemblyscript/wasi-shim (abort, Date, Math.random through WASI, which Envoy provides), then checks
// that the module exports exactly the stream callbacks its filter overrides.
import asc from "assemblyscript/asc";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { callbackExportProblems } from "../scripts/callback-exports.mjs";

const sdkRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === "-h" || args[0] === "--help" || args[0].startsWith("-")) {
  console.error("usage: proxy-wasm-build <entry.ts> [-o <out.wasm>] [asc options...]");
  process.exit(2);
}
const entry = args.shift();
let out = "plugin.wasm";
const o = args.findIndex((a) => a === "-o" || a === "--outFile");
if (o >= 0) out = args.splice(o, 2)[1];

// The SDK's own asconfig extends the shim through ./node_modules; an installed SDK finds the shim
// wherever npm put it and passes the merged options as arguments (asc joins a `lib` path to the
// working directory, so it is given relative to it).
const shimConfig = createRequire(import.meta.url).resolve("@assemblyscript/wasi-shim/asconfig.json");
const shim = JSON.parse(readFileSync(shimConfig, "utf8")).options;
const { options } = JSON.parse(readFileSync(join(sdkRoot, "asconfig.json"), "utf8"));
const lib = relative(process.cwd(), resolve(dirname(shimConfig), shim.lib)) || ".";
mkdirSync(dirname(resolve(out)), { recursive: true });
const { error, stderr } = await asc.main([
  entry, ...asc.configToArguments({ ...shim, ...options, lib: [lib] }), "--outFile", out, ...args,
]);
if (error) {
  console.error(`✗ ${entry}: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
const problems = callbackExportProblems(dirname(resolve(entry)), readFileSync(out));
if (problems.length > 0) {
  console.error(`✗ ${entry}: ${problems.join("; ")}`);
  process.exit(1);
}
console.log(`✓ ${out}`);
