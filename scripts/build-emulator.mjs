// Bundles the host emulator (test/host/) into emulator/index.js for the npm package, so plugin
// authors run it with plain Node (no TypeScript loader). Runs on `npm pack` / `npm publish` (prepack).
// buildAssemblyScript stays out: it builds against this repository's layout; authors use proxy-wasm-build.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const hostDir = join(root, "test", "host");
const index = readFileSync(join(hostDir, "index.ts"), "utf8").split("\n").filter((l) => !l.includes("./build.ts")).join("\n");
await build({
  stdin: { contents: index, resolveDir: hostDir, loader: "ts", sourcefile: "index.ts" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outfile: join(root, "emulator", "index.js"),
  banner: { js: "// proxy-wasm ABI 0.2.1 host emulator (bundled from test/host/ by scripts/build-emulator.mjs)" },
  logLevel: "warning",
});
console.log("✓ emulator/index.js");
