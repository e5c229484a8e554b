// The README's "Writing a plugin" example builds as printed and does what it says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../host/index.ts";
import { buildAssemblyScript, PROJECT_ROOT } from "../host/build.ts";

test("README 'Writing a plugin' example builds and runs", async () => {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const section = readme.split("### Writing a plugin")[1];
  assert.ok(section, "README has a 'Writing a plugin' section");
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, "the section has a ts code block");
  // Two levels below the repository root, like plugins/<name>/index.ts, so its imports resolve.
  const dir = join(PROJECT_ROOT, "test", ".readme-example");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.ts"), code);
  const wasm = await buildAssemblyScript("test/.readme-example/index.ts", { noCache: true });
  const h = ProxyWasmHost.create({ wasm, pluginConfig: {} });
  assert.equal(h.request({ headers: { ":path": "/api/x" } }).requestHeader("x-hello"), "api");
  assert.equal(h.request({ headers: { ":path": "/" } }).requestHeader("x-hello"), "world");
  assert.equal(ProxyWasmHost.create({ wasm, pluginConfig: { header: "x-other" } }).request({}).requestHeader("x-other"), "world");
  assert.equal(new ProxyWasmHost({ wasm, pluginConfig: { nope: 1 } }).start().ok, false, "unknown fields are rejected");
});
