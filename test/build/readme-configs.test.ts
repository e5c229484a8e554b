// Every plugin configuration a README shows is one the plugin accepts: each ```json block of
// plugins/<name>/README.md (for that plugin) and of the top README (baggage-tag, whose examples
// it uses), and each JSON `value: '...'` of a wasm filter in a ```yaml block (for the filter's
// root_id). A ```yaml block that is a WasmPlugin manifest (Higress extensions.higress.io or Istio
// extensions.istio.io) is parsed and its fields checked, and the configuration it gives the plugin
// (Higress: defaultConfig + matchRules as _rules_; Istio: pluginConfig) is loaded too. A block that
// is not a whole configuration has no place in a README: this test fails on it too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "../emulator/plugin-wasm.ts";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../envoy/envoy.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";
import { blocks, PLUGINS, SHOWN } from "./readme-shown.ts";

/** A WasmPlugin manifest's fields (its configuration is loaded like every other one). */
function checkManifest(m: any, where: string): void {
  const spec = m?.spec ?? {};
  const plugin = m?.metadata?.name;
  assert.equal(m.kind, "WasmPlugin", where);
  assert.ok(existsSync(join(REPO_ROOT, "plugins", plugin, "index.ts")), `${where}: metadata.name ${plugin} is a plugin`);
  assert.match(spec.url, new RegExp(`^oci://[^/]+/.+/${plugin}:[\\w.-]+$`), `${where}: spec.url is an oci:// image of ${plugin}`);
  assert.ok(["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"].includes(spec.phase), `${where}: phase`);
  if (m.apiVersion === "extensions.higress.io/v1alpha1") {
    assert.ok(["FAIL_CLOSE", "FAIL_OPEN"].includes(spec.failStrategy), `${where}: Higress failStrategy (no FAIL_RELOAD)`);
    assert.equal(spec.pluginConfig, undefined, `${where}: pluginConfig would make Higress ignore defaultConfig/matchRules`);
    assert.ok(spec.defaultConfig, `${where}: defaultConfig`);
    for (const r of spec.matchRules ?? []) assert.ok(r.ingress || r.domain || r.service, `${where}: a matchRules entry needs ingress, domain or service`);
    return;
  }
  assert.equal(m.apiVersion, "extensions.istio.io/v1alpha1", `${where}: apiVersion`);
  assert.ok(["FAIL_CLOSE", "FAIL_OPEN"].includes(spec.failStrategy), `${where}: failStrategy`);
  assert.ok(spec.pluginConfig, `${where}: pluginConfig`);
}

describe("configurations shown in READMEs", () => {
  test("the top README shows a Higress and an Istio WasmPlugin", () => {
    const text = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const kinds = blocks(text, "yaml").filter((b) => /^kind:\s*WasmPlugin\s*$/m.test(b.body)).map((b) => parseYamlSubset(b.body).apiVersion);
    assert.deepEqual(kinds.sort(), ["extensions.higress.io/v1alpha1", "extensions.istio.io/v1alpha1"]);
  });
  test("there are some for every plugin", () => {
    for (const p of PLUGINS) assert.ok(SHOWN.some((s) => s.plugin === p), `plugins/${p}/README.md shows no configuration`);
  });
  for (const s of SHOWN) {
    test(`${s.where} (${s.plugin})`, () => {
      if (s.manifest) checkManifest(s.manifest, s.where);
      assert.doesNotThrow(() => JSON.parse(s.config), `${s.where}: not a whole JSON configuration`);
      const h = new ProxyWasmHost({ wasm: pluginWasm(s.plugin), pluginConfig: s.config, workers: 1, rootId: s.plugin });
      const r = h.start();
      const why = r.logs.map((l) => l.message).filter((m) => /invalid configuration/.test(m)).join("\n");
      assert.equal(r.ok, true, `${s.where}: ${s.plugin} refuses it: ${why}`);
    });
  }
});
