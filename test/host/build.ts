// Build an AssemblyScript entry to wasm in-process with the project's asconfig.json, with a content-hash
// cache so repeated test runs stay fast.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BuildOptions {
  /** also write the binary here */
  outFile?: string;
  /** asconfig to use (default the project's asconfig.json) */
  config?: string;
  /** extra asc arguments, e.g. ["--optimizeLevel", "0"] */
  args?: string[];
  /** directories whose .ts files make up the cache key (default: the entry's directory and assembly/) */
  sources?: string[];
  /** skip the cache */
  noCache?: boolean;
}

function collectTs(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) collectTs(p, out);
    else if (name.endsWith(".ts") || name.endsWith(".json")) out.push(p);
  }
}

export async function buildAssemblyScript(entry: string, options: BuildOptions = {}): Promise<Uint8Array> {
  const entryAbs = resolve(PROJECT_ROOT, entry);
  const config = resolve(PROJECT_ROOT, options.config ?? "asconfig.json");
  const args = options.args ?? [];
  const sourceDirs = options.sources ?? [dirname(entryAbs), join(PROJECT_ROOT, "assembly")];
  const files: string[] = [];
  for (const d of sourceDirs) collectTs(resolve(PROJECT_ROOT, d), files);
  files.sort();
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ entry: relative(PROJECT_ROOT, entryAbs), args, v: 1 }));
  hash.update(readFileSync(config));
  for (const f of [...new Set(files)]) {
    hash.update(f);
    hash.update(readFileSync(f));
  }
  const ascPkg = join(PROJECT_ROOT, "node_modules", "assemblyscript", "package.json");
  if (existsSync(ascPkg)) hash.update(readFileSync(ascPkg));
  const key = hash.digest("hex").slice(0, 24);
  const cacheDir = join(PROJECT_ROOT, "node_modules", ".cache", "wasm-host-build");
  const cached = join(cacheDir, `${key}.wasm`);

  let binary: Uint8Array | null = null;
  if (!options.noCache && existsSync(cached)) binary = new Uint8Array(readFileSync(cached));
  if (!binary) {
    const { default: asc } = await import("assemblyscript/asc");
    let captured: Uint8Array | null = null;
    const stderr = asc.createMemoryStream();
    const result = await asc.main(
      [relative(PROJECT_ROOT, entryAbs), "--config", relative(PROJECT_ROOT, config), "--outFile", "out.wasm", ...args],
      {
        stderr,
        stdout: asc.createMemoryStream(),
        readFile: (name, baseDir) => {
          const p = resolve(PROJECT_ROOT, baseDir, name);
          return existsSync(p) ? readFileSync(p, "utf8") : null;
        },
        writeFile: (name, contents) => {
          if (name.endsWith(".wasm") && contents instanceof Uint8Array) captured = contents;
        },
        listFiles: (dirName, baseDir) => {
          const p = resolve(PROJECT_ROOT, baseDir, dirName);
          return existsSync(p) ? readdirSync(p).filter((f) => f.endsWith(".ts")) : null;
        },
      },
    );
    if (result.error || !captured) {
      throw new Error(`asc failed for ${entry}: ${result.error?.message ?? "no output"}\n${stderr.toString()}`);
    }
    binary = captured;
    if (!options.noCache) {
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(cached, binary);
    }
  }
  if (options.outFile) {
    mkdirSync(dirname(resolve(options.outFile)), { recursive: true });
    writeFileSync(options.outFile, binary);
  }
  return binary;
}
