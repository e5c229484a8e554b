// Every plugin configuration a README shows is one the plugin accepts: each ```json block of
// plugins/<name>/README.md (for that plugin) and of the top README (baggage-tag, whose examples
// it uses), and each JSON `value: '...'` of a wasm filter in a ```yaml block (for the filter's
// root_id). A ```yaml block that is a WasmPlugin manifest (Higress extensions.higress.io or Istio
// extensions.istio.io) is parsed and its fields checked, and the configuration it gives the plugin
// (Higress: defaultConfig + matchRules as _rules_; Istio: pluginConfig) is loaded too. A block that
// is not a whole configuration has no place in a README: this test fails on it too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../host/index.ts";
import { pluginWasm } from "../emulator/plugin-wasm.ts";
import { REPO_ROOT } from "../envoy/envoy.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";

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

/** Checks a WasmPlugin manifest's fields; returns the plugin (metadata.name) and the configuration it gets. */
function wasmPluginConfig(m: any, where: string): { plugin: string; config: unknown } {
  const spec = m?.spec ?? {};
  const plugin = m?.metadata?.name;
  assert.equal(m.kind, "WasmPlugin", where);
  assert.ok(existsSync(join(REPO_ROOT, "plugins", plugin, "index.ts")), `${where}: metadata.name ${plugin} is a plugin`);
  assert.match(spec.url, new RegExp(`^oci://[^/]+/.+/${plugin}:[\\w.-]+$`), `${where}: spec.url is an oci:// image of ${plugin}`);
  if (m.apiVersion === "extensions.higress.io/v1alpha1") {
    assert.ok(["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"].includes(spec.phase), `${where}: phase`);
    assert.ok(["FAIL_CLOSE", "FAIL_OPEN"].includes(spec.failStrategy), `${where}: Higress failStrategy (no FAIL_RELOAD)`);
    assert.equal(spec.pluginConfig, undefined, `${where}: pluginConfig would make Higress ignore defaultConfig/matchRules`);
    assert.ok(spec.defaultConfig, `${where}: defaultConfig`);
    // Higress's conversion (convertIstioWasmPlugin): each rule's config flattened, with match keys.
    const rules = (spec.matchRules ?? []).map((r: any) => {
      assert.ok(r.ingress || r.domain || r.service, `${where}: a matchRules entry needs ingress, domain or service`);
      return { ...r.config, ...(r.ingress ? { _match_route_: r.ingress } : {}), ...(r.domain ? { _match_domain_: r.domain } : {}), ...(r.service ? { _match_service_: r.service } : {}) };
    });
    return { plugin, config: rules.length > 0 ? { ...spec.defaultConfig, _rules_: rules } : spec.defaultConfig };
  }
  assert.equal(m.apiVersion, "extensions.istio.io/v1alpha1", `${where}: apiVersion`);
  assert.ok(["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"].includes(spec.phase), `${where}: phase`);
  assert.ok(["FAIL_CLOSE", "FAIL_OPEN"].includes(spec.failStrategy), `${where}: failStrategy`);
  assert.ok(spec.pluginConfig, `${where}: pluginConfig`);
  return { plugin, config: spec.pluginConfig };
}

function shownConfigs(file: string, plugin: string): Shown[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const shown: Shown[] = [];
  for (const b of blocks(text, "json")) shown.push({ where: `${file}:${b.line}`, plugin, config: b.body });
  for (const b of blocks(text, "yaml")) {
    // value: '<json>' under a wasm filter whose root_id names the plugin.
    if (/^kind:\s*WasmPlugin\s*$/m.test(b.body)) {
      const config = wasmPluginConfig(parseYamlSubset(b.body), `${file}:${b.line}`);
      shown.push({ where: `${file}:${b.line}`, plugin: config.plugin, config: JSON.stringify(config.config) });
      continue;
    }
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
      assert.doesNotThrow(() => JSON.parse(s.config), `${s.where}: not a whole JSON configuration`);
      const h = new ProxyWasmHost({ wasm: pluginWasm(s.plugin), pluginConfig: s.config, workers: 1, rootId: s.plugin });
      const r = h.start();
      const why = r.logs.map((l) => l.message).filter((m) => /invalid configuration/.test(m)).join("\n");
      assert.equal(r.ok, true, `${s.where}: ${s.plugin} refuses it: ${why}`);
    });
  }
});
