// Every plugin configuration a README shows is one the plugin accepts: each ```json block of
// plugins/<name>/README.md (for that plugin) and of the top README (baggage-tag, whose examples
// it uses), and each JSON `value: '...'` of a wasm filter in a ```yaml block (for the filter's
// root_id). A block that is not a whole configuration has no place in a README: this test
// fails on it too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "../emulator/plugin-wasm.ts";
import { REPO_ROOT } from "../envoy/envoy.ts";

interface Shown { where: string; plugin: string; config: string }

function blocks(text: string, lang: string): Array<{ line: number; body: string }> {
  const out: Array<{ line: number; body: string }> = [];
  const re = new RegExp("^([ \\t]*)```" + lang + "\\n([\\s\\S]*?)^\\1```", "gm");
  for (const m of text.matchAll(re)) {
    const indent = m[1].length;
    const body = m[2].split("\n").map((l) => l.slice(indent)).join("\n");
    out.push({ line: text.slice(0, m.index).split("\n").length, body });
  }
  return out;
}

function shownConfigs(file: string, plugin: string): Shown[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const shown: Shown[] = [];
  for (const b of blocks(text, "json")) shown.push({ where: `${file}:${b.line}`, plugin, config: b.body });
  for (const b of blocks(text, "yaml")) {
    // value: '<json>' under a wasm filter whose root_id names the plugin.
    const root = /root_id:\s*([\w-]+)/.exec(b.body)?.[1];
    for (const m of b.body.matchAll(/value:\s*'((?:[^']|'')*)'/g)) {
      shown.push({ where: `${file}:${b.line}`, plugin: root ?? plugin, config: m[1].replace(/''/g, "'") });
    }
  }
  return shown;
}

const PLUGINS = readdirSync(join(REPO_ROOT, "plugins")).filter((p) => existsSync(join(REPO_ROOT, "plugins", p, "README.md")));
const SHOWN = [
  ...shownConfigs("README.md", "baggage-tag"),
  ...PLUGINS.flatMap((p) => shownConfigs(`plugins/${p}/README.md`, p)),
];

describe("configurations shown in READMEs", () => {
  test("there are some for every plugin", () => {
    for (const p of PLUGINS) assert.ok(SHOWN.some((s) => s.plugin === p), `plugins/${p}/README.md shows no configuration`);
  });
  for (const s of SHOWN) {
    test(`${s.where} (${s.plugin})`, () => {
      assert.doesNotThrow(() => JSON.parse(s.config), `${s.where}: not a whole JSON configuration`);
      const h = new ProxyWasmHost({ wasm: pluginWasm(s.plugin), pluginConfig: s.config, workers: 1, rootId: s.plugin });
      const r = h.start();
      const why = r.logs.map((l) => l.message).filter((m) => /invalid configuration/.test(m)).join("\n");
      assert.equal(r.ok, true, `${s.where}: ${s.plugin} refuses it: ${why}`);
    });
  }
});
