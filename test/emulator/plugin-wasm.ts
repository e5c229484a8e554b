// The shipped artifact dist/<plugin>.wasm (npm test builds it first); built on demand
// when a test file runs on its own.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function pluginWasm(name: string): string {
  const path = join(ROOT, "dist", `${name}.wasm`);
  if (!existsSync(path)) execFileSync(process.execPath, ["scripts/build.mjs", name], { cwd: ROOT, stdio: "inherit" });
  return path;
}
