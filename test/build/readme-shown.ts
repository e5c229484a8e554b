// Plugin configurations shown in the READMEs: each ```json block of plugins/<name>/README.md (for
// that plugin) and of the top README (baggage-tag, whose examples it uses), and each JSON
// `value: '...'` of a wasm filter in a ```yaml block (for the filter's root_id), and the
// configuration a WasmPlugin manifest in a ```yaml block gives its plugin (Higress: defaultConfig
// + matchRules as _rules_; Istio: pluginConfig). Shared by readme-configs.test.ts (the plugin
// accepts them) and schemas.test.ts (the schema does).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../envoy/envoy.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";

export interface Shown { where: string; plugin: string; config: string; manifest?: any }

export function blocks(text: string, lang: string): Array<{ line: number; body: string }> {
  const out: Array<{ line: number; body: string }> = [];
  const re = new RegExp("^([ \\t]*)```" + lang + "\\n([\\s\\S]*?)^\\1```", "gm");
  for (const m of text.matchAll(re)) {
    const indent = m[1].length;
    const body = m[2].split("\n").map((l) => l.slice(indent)).join("\n");
    out.push({ line: text.slice(0, m.index).split("\n").length, body });
  }
  return out;
}

export function shownConfigs(file: string, plugin: string): Shown[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const shown: Shown[] = [];
  for (const b of blocks(text, "json")) shown.push({ where: `${file}:${b.line}`, plugin, config: b.body });
  for (const b of blocks(text, "yaml")) {
    if (/^kind:\s*WasmPlugin\s*$/m.test(b.body)) {
      const manifest = parseYamlSubset(b.body);
      shown.push({ where: `${file}:${b.line}`, plugin: manifest?.metadata?.name, config: JSON.stringify(wasmPluginConfig(manifest)), manifest });
      continue;
    }
    // value: '<json>' under a wasm filter whose root_id names the plugin.
    const root = /root_id:\s*([\w-]+)/.exec(b.body)?.[1];
    for (const m of b.body.matchAll(/value:\s*'((?:[^']|'')*)'/g)) {
      shown.push({ where: `${file}:${b.line}`, plugin: root ?? plugin, config: m[1].replace(/''/g, "'") });
    }
  }
  return shown;
}

/** What a WasmPlugin manifest configures: Higress converts matchRules into _rules_ entries (each rule's config flattened, with its match keys). */
export function wasmPluginConfig(m: any): unknown {
  const spec = m?.spec ?? {};
  if (m?.apiVersion !== "extensions.higress.io/v1alpha1") return spec.pluginConfig;
  const rules = (spec.matchRules ?? []).map((r: any) => ({
    ...r.config,
    ...(r.ingress ? { _match_route_: r.ingress } : {}),
    ...(r.domain ? { _match_domain_: r.domain } : {}),
    ...(r.service ? { _match_service_: r.service } : {}),
  }));
  return rules.length > 0 ? { ...spec.defaultConfig, _rules_: rules } : spec.defaultConfig;
}

export const PLUGINS = readdirSync(join(REPO_ROOT, "plugins")).filter((p) => existsSync(join(REPO_ROOT, "plugins", p, "README.md")));
export const SHOWN = [
  ...shownConfigs("README.md", "baggage-tag"),
  ...PLUGINS.flatMap((p) => shownConfigs(`plugins/${p}/README.md`, p)),
];

