// plugins/<name>/spec.yaml (Higress console / plugin server metadata) is generated from the schema
// by scripts/console-spec.ts: the committed file must be what the script writes now; it parses
// (test/scenarios/yaml-subset.ts); its openAPIV3Schema uses only OpenAPI 3.0 keywords, compiles
// with ajv in draft-07 mode and accepts the example; the phases and priorities order the chain
// jwt-auth → tenant-gray → baggage-tag → global-rate-limit → local-rate-limit, as the Higress
// manifests do (Higress runs cluster-key-rate-limit, priority 20, before key-rate-limit, 10).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { consoleSpec, PLUGINS, PHASES, chainRank, foreignKeywords, ROOT } from "../../scripts/console-spec.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";
import { SHOWN } from "./readme-shown.ts";

const CHAIN = ["jwt-auth", "tenant-gray", "baggage-tag", "global-rate-limit", "local-rate-limit"];
const committed = (p: string) => readFileSync(join(ROOT, "plugins", p, "spec.yaml"), "utf8");

describe("console spec.yaml", () => {
  test("one per plugin", () => {
    const dirs = readdirSync(join(ROOT, "plugins")).filter((p) => existsSync(join(ROOT, "plugins", p, "schema.json")));
    assert.deepEqual([...PLUGINS].sort(), dirs.sort());
  });
  for (const p of PLUGINS) {
    test(`${p}: committed spec.yaml is up to date (npm run spec)`, () => {
      assert.equal(committed(p), consoleSpec(p).text, `plugins/${p}/spec.yaml drifted from schema.json/README: run npm run spec`);
    });
    test(`${p}: layout, OpenAPI keywords only, example valid (ajv draft-07)`, () => {
      const doc = parseYamlSubset(committed(p));
      assert.equal(doc.apiVersion, "1.0.0");
      for (const k of ["category", "name", "title", "x-title-i18n", "description", "x-description-i18n", "iconUrl", "version", "contact"]) assert.ok(doc.info[k], `info.${k}`);
      assert.equal(doc.info.name, p);
      assert.ok(PHASES.includes(doc.spec.phase), doc.spec.phase);
      assert.ok(Number.isInteger(doc.spec.priority));
      const { example, ...schema } = doc.spec.configSchema.openAPIV3Schema;
      assert.deepEqual(foreignKeywords(doc.spec.configSchema.openAPIV3Schema), [], "keywords OpenAPI 3.0 does not have");
      const ajv = new Ajv({ allErrors: true, strictTypes: false });
      ajv.addVocabulary(["example", "x-title-i18n", "x-description-i18n", "scope"]);
      const validate = ajv.compile(schema);
      assert.ok(example && typeof example === "object", "no example");
      assert.ok(validate(example), `example: ${ajv.errorsText(validate.errors)}`);
      // The converted schema is at most looser: every README configuration still validates.
      for (const s of SHOWN.filter((x) => x.plugin === p)) assert.ok(validate(JSON.parse(s.config)), `${s.where}: ${ajv.errorsText(validate.errors)}`);
    });
  }
  test(`chain order: ${CHAIN.join(", ")}`, () => {
    const rank = (p: string) => { const d = parseYamlSubset(committed(p)); return chainRank(d.spec.phase, d.spec.priority); };
    for (let i = 1; i < CHAIN.length; i++) {
      const [a, b] = [rank(CHAIN[i - 1]!), rank(CHAIN[i]!)];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `${CHAIN[i - 1]} must run before ${CHAIN[i]}`);
    }
  });
  test("every Higress manifest has its plugin's phase and priority", () => {
    let n = 0;
    for (const dir of readdirSync(join(ROOT, "envoy-examples"))) {
      const file = join(ROOT, "envoy-examples", dir, "higress-wasmplugin.yaml");
      if (!existsSync(file)) continue;
      for (const text of readFileSync(file, "utf8").split(/^---\s*$/m).filter((d) => /\bkind:/.test(d))) {
        const m = parseYamlSubset(text);
        const plugin = /\/([\w-]+):[\w.-]+$/.exec(m.spec.url)?.[1] ?? dir;
        const spec = parseYamlSubset(committed(plugin)).spec;
        assert.deepEqual([m.spec.phase, m.spec.priority], [spec.phase, spec.priority], `envoy-examples/${dir} ${m.metadata.name}`);
        n++;
      }
    }
    assert.ok(n >= 4);
  });
});
