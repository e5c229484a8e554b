// The SDK as a package: `npm pack` of this repository, installed into a scratch project outside it
// (os.tmpdir()), builds the README's "Writing a plugin" example with the package's
// `proxy-wasm-build` and runs it on the emulator the package exports (`<name>/emulator`, plain JS).
// Needs the npm registry or cache for the install (--prefer-offline); about 10 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "../envoy/envoy.ts";

// The npm that ships with this node. Not the one running the test: `npm test` runs `npm run
// test:package`, and under `npm run` node_modules/.bin comes first in PATH and holds npm 6.14
// (@as-pect/cli -> glob-promise -> npm-install-peers brings it), which has no --pack-destination.
const BUNDLED_NPM = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
const NPM_CLI = existsSync(BUNDLED_NPM) ? BUNDLED_NPM : null;
function npm(args: string[], options: Parameters<typeof execFileSync>[2]): string {
  const [cmd, argv] = NPM_CLI ? [process.execPath, [NPM_CLI, ...args]] : ["npm", args];
  return String(execFileSync(cmd, argv, options));
}
/** The environment without npm's own variables: under `npm run`, npm_config_local_prefix etc. would
 * point the nested npm commands at this repository instead of the scratch project. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

test("npm pack -> install in a new project -> build the README plugin -> run it on the packaged emulator", () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const tmp = mkdtempSync(join(tmpdir(), "sdk-pack-"));
  try {
    const packed = npm(["pack", "--silent", "--pack-destination", tmp], { cwd: REPO_ROOT, encoding: "utf8", env: cleanEnv() }).trim().split("\n").pop()!;
    const tarball = join(tmp, packed);
    assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
    const listing = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const f of ["package/assembly/plugin.ts", "package/emulator/index.js", "package/bin/proxy-wasm-build.mjs", "package/asconfig.json"]) {
      assert.ok(listing.includes(f), `package contains ${f}`);
    }
    for (const f of listing) assert.doesNotMatch(f, /^package\/(plugins|dist|envoy-examples|test\/(emulator|envoy|unit))\/|\.test\.ts$/, `package leaves out ${f}`);

    const proj = join(tmp, "hello");
    mkdirSync(proj);
    writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "hello", private: true, type: "module" }));
    // Command 1: install (assemblyscript comes as the peer dependency).
    npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--silent", tarball], { cwd: proj, stdio: "pipe", env: cleanEnv() });

    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8").split("### Writing a plugin")[1]!;
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    // The README example imports the SDK relative to plugins/<name>/; a project imports the package.
    writeFileSync(join(proj, "index.ts"), code.replaceAll('"../../assembly/', `"${pkg.name}/assembly/`));
    // Command 2: build.
    npm(["exec", "--offline", "--", "proxy-wasm-build", "index.ts", "-o", "build/hello.wasm"], { cwd: proj, stdio: "pipe", env: cleanEnv() });

    writeFileSync(join(proj, "run.mjs"), `
      import { readFileSync } from "node:fs";
      import { ProxyWasmHost } from "${pkg.name}/emulator";
      const wasm = readFileSync("build/hello.wasm");
      const h = ProxyWasmHost.create({ wasm, pluginConfig: {} });
      const out = {
        api: h.request({ headers: { ":path": "/api/x" } }).requestHeader("x-hello"),
        root: h.request({ headers: { ":path": "/" } }).requestHeader("x-hello"),
        other: ProxyWasmHost.create({ wasm, pluginConfig: { header: "x-other" } }).request({}).requestHeader("x-other"),
        rejected: new ProxyWasmHost({ wasm, pluginConfig: { nope: 1 } }).start().ok === false,
      };
      console.log(JSON.stringify(out));`);
    // Plain Node, no TypeScript loader: the emulator is shipped as JavaScript.
    const out = JSON.parse(execFileSync(process.execPath, ["run.mjs"], { cwd: proj, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } }));
    assert.deepEqual(out, { api: "api", root: "world", other: "world", rejected: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
