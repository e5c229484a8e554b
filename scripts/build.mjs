// Builds every plugins/<name>/index.ts into dist/<name>.wasm (optimized, asconfig.json)
// and prints each module's size. Usage: node scripts/build.mjs [name ...]
import asc from "assemblyscript/asc";
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { callbackExportProblems } from "./callback-exports.mjs";

const root = new URL("..", import.meta.url).pathname;
const pluginsDir = join(root, "plugins");
const wanted = process.argv.slice(2);
const names = readdirSync(pluginsDir)
  .filter((n) => existsSync(join(pluginsDir, n, "index.ts")))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
if (names.length === 0) {
  console.error(`no plugin to build (looked for plugins/<name>/index.ts${wanted.length ? " for " + wanted.join(", ") : ""})`);
  process.exit(1);
}
process.chdir(root);
mkdirSync(join(root, "dist"), { recursive: true });

let failed = false;
for (const name of names) {
  const outFile = join(root, "dist", `${name}.wasm`);
  const started = Date.now();
  // Paths relative to the repository root: asc resolves the wasi-shim `lib` folder
  // (from the extended asconfig) against the working directory.
  const { error, stderr } = await asc.main([
    `plugins/${name}/index.ts`,
    "--config", "asconfig.json",
    "--outFile", `dist/${name}.wasm`,
  ]);
  if (error) {
    failed = true;
    console.error(`✗ ${name}: ${error.message}\n${stderr.toString()}`);
    continue;
  }
  const problems = callbackExportProblems(join(pluginsDir, name), readFileSync(outFile));
  if (problems.length > 0) {
    failed = true;
    console.error(`✗ ${name}: ${problems.join("; ")} (see assembly/exports.ts)`);
    continue;
  }
  const kib = (statSync(outFile).size / 1024).toFixed(1);
  console.log(`✓ dist/${name}.wasm  ${kib} KiB  (${Date.now() - started} ms)`);
}
process.exit(failed ? 1 : 0);
