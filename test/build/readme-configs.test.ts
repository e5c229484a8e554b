// Every plugin configuration a README shows is one the plugin accepts: each ```json block of
// plugins/<name>/README.md (for that plugin) and of the top README (baggage-tag, whose examples
// it uses), and each JSON `value: '...'` of a wasm filter in a ```yaml block (for the filter's
// root_id). A block that is not a whole configuration has no place in a README: this test
// fails on it too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "../emulator/plugin-wasm.ts";
import { PLUGINS, SHOWN } from "./readme-shown.ts";

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
