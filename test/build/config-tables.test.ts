// The configuration tables of the READMEs are rendered from the schemas (scripts/config-tables.ts):
// a README table that differs from its schema (a field added, renamed, removed, reordered, or its
// default or wording changed on one side only) fails here; `npm run tables` rewrites the tables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TABLES, PLUGINS_WITH_TABLES, ROOT, renderReadme, loadSchema, pointer } from "../../scripts/config-tables.ts";

for (const p of PLUGINS_WITH_TABLES) {
  test(`plugins/${p}/README.md: configuration tables match schema.json (npm run tables)`, () => {
    const text = readFileSync(join(ROOT, "plugins", p, "README.md"), "utf8");
    const want = renderReadme(p, text).split("\n");
    const have = text.split("\n");
    const diff = have.map((l, i) => (l === want[i] ? null : `line ${i + 1}:\n  README: ${l}\n  schema: ${want[i]}`)).filter(Boolean);
    assert.equal(have.length, want.length, "a table has a different number of rows than its schema object has properties");
    assert.deepEqual(diff, [], `README table drifted from schema.json (run npm run tables, or fix the schema):\n${diff.slice(0, 5).join("\n")}`);
  });
}

test("every listed property has a description, and omitted properties exist", () => {
  for (const t of TABLES) {
    const obj = pointer(loadSchema(t.plugin), t.pointer);
    for (const name of Object.keys(t.omit ?? {})) assert.ok(name in obj.properties, `${t.plugin} ${t.id}: omits ${name}, which the schema does not have`);
    // Two jwt-auth consumer fields have no meaning text in the README (the type and default say it).
    const missing = Object.entries<any>(obj.properties)
      .filter(([n, s]) => !n.startsWith("_") && !t.omit?.[n] && !s.description && !(t.plugin === "jwt-auth" && ["from_params", "from_cookies"].includes(n)));
    assert.deepEqual(missing.map(([n]) => n), [], `${t.plugin} ${t.id}: properties without description`);
  }
});
