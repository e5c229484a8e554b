// The configuration tables of plugins/<name>/README.md, rendered from plugins/<name>/schema.json.
// A table sits between `<!-- config-table: <id> -->` and `<!-- /config-table -->`; TABLES says which
// schema object it lists and with which columns. Cells come from the schema:
//   field    `<property name>`
//   type     the property's x-doc-type, else derived (bool, string, integer a–b, ...)
//   default  the property's x-doc-default, else "required" (listed in the object's required), else
//            the JSON `default` in backticks, else empty
//   meaning  the property's description
// x-doc-type / x-doc-default hold the README wording where a schema keyword cannot say it ("one of
// `jwks`, `remote_jwks`", "`true` without `_rules_`, ..."). Every property of the object is a row,
// in schema order, except the ones a table omits on purpose (documented in prose nearby).
//
//   npm run tables           rewrite the tables in the READMEs
//   (test/build/config-tables.test.ts fails when a README table differs from its rendering)
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export type Column = "field" | "type" | "default" | "meaning";
export interface Table {
  plugin: string;
  id: string;
  /** JSON pointer to the schema object whose properties are the rows. */
  pointer: string;
  columns: Column[];
  /** Properties left out, and why. */
  omit?: Record<string, string>;
  /** Column headings other than the column names. */
  headings?: Partial<Record<Column, string>>;
}

const ALL: Column[] = ["field", "type", "default", "meaning"];

export const TABLES: Table[] = [
  { plugin: "jwt-auth", id: "top-level", pointer: "/$defs/config", columns: ALL },
  { plugin: "jwt-auth", id: "consumer", pointer: "/$defs/consumer", columns: ALL },
  {
    plugin: "jwt-auth", id: "remote_jwks", pointer: "/$defs/remote_jwks", columns: ["field", "default", "meaning"],
    omit: {
      service_name: "Higress spelling, described in the paragraph below the table",
      service_port: "Higress spelling, described in the paragraph below the table",
      service_host: "Higress spelling, described in the paragraph below the table",
      jwks_cache_duration: "Higress spelling, described in the paragraph below the table",
    },
  },
  { plugin: "tenant-gray", id: "top-level", pointer: "/$defs/config/oneOf/0", columns: ALL },
  { plugin: "tenant-gray", id: "lane", pointer: "/$defs/lane", columns: ["field", "type", "meaning"] },
  { plugin: "baggage-tag", id: "rule", pointer: "/$defs/rule", columns: ALL, headings: { field: "field (per rule)" } },
  { plugin: "local-rate-limit", id: "top-level", pointer: "/$defs/config/oneOf/0", columns: ALL },
  { plugin: "local-rate-limit", id: "rule", pointer: "/$defs/rule", columns: ALL },
  {
    plugin: "local-rate-limit", id: "limit", pointer: "/$defs/limit", columns: ALL,
    omit: {
      query_per_second: "Higress key-rate-limit form, in \"Higress key-rate-limit configuration\"",
      query_per_minute: "Higress key-rate-limit form, in \"Higress key-rate-limit configuration\"",
      query_per_hour: "Higress key-rate-limit form, in \"Higress key-rate-limit configuration\"",
      query_per_day: "Higress key-rate-limit form, in \"Higress key-rate-limit configuration\"",
    },
  },
  { plugin: "global-rate-limit", id: "top-level", pointer: "/$defs/config/oneOf/0", columns: ALL },
  { plugin: "global-rate-limit", id: "rule", pointer: "/$defs/rule", columns: ALL },
  { plugin: "global-rate-limit", id: "entry", pointer: "/$defs/entry", columns: ["field", "type", "meaning"], headings: { field: "field (per entry)" } },
  { plugin: "global-rate-limit", id: "limit", pointer: "/$defs/limit", columns: ALL },
  { plugin: "global-rate-limit", id: "lease", pointer: "/$defs/lease", columns: ALL },
  { plugin: "global-rate-limit", id: "cluster-key-rate-limit", pointer: "/$defs/config/oneOf/1", columns: ALL },
  { plugin: "global-rate-limit", id: "rule_items", pointer: "/$defs/ruleItem", columns: ["field", "type", "meaning"], headings: { field: "field (per item)" } },
  { plugin: "global-rate-limit", id: "limit_keys", pointer: "/$defs/limitKey", columns: ALL, headings: { field: "field (per key)" } },
];

const HEADINGS: Record<Column, string> = { field: "field", type: "type", default: "default", meaning: "meaning" };

export function loadSchema(plugin: string): any {
  return JSON.parse(readFileSync(join(ROOT, "plugins", plugin, "schema.json"), "utf8"));
}

export function pointer(root: any, ptr: string): any {
  let node = root;
  for (const part of ptr.split("/").slice(1)) {
    node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (node === undefined) throw new Error(`no ${ptr} in the schema`);
  }
  return node;
}

/** A property's own schema with a local $ref followed (for type and default only). */
function deref(root: any, s: any): any {
  if (s && typeof s === "object" && typeof s.$ref === "string" && s.$ref.startsWith("#")) {
    const { $ref, ...rest } = s;
    return { ...deref(root, pointer(root, $ref.slice(1))), ...rest };
  }
  return s;
}

/** JSON with a space after `,` and `:`, as the READMEs write it. */
export function spacedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spacedJson).join(", ")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spacedJson(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

export function derivedType(root: any, prop: any): string {
  const s = deref(root, prop);
  const range = (lo?: number, hi?: number) => (lo !== undefined && hi !== undefined ? ` ${lo}–${hi}` : lo !== undefined ? ` ≥ ${lo}` : hi !== undefined ? ` ≤ ${hi}` : "");
  if (Array.isArray(s.enum)) return s.enum.map((e: unknown) => `\`${typeof e === "string" ? e : JSON.stringify(e)}\``).join(" \\| ");
  switch (s.type) {
    case "boolean": return "bool";
    case "integer": return "integer" + range(s.minimum, s.maximum);
    case "number": return "number" + range(s.minimum, s.maximum);
    case "string": return "string";
    case "object": return "object";
    case "array": return "list";
    default: return "";
  }
}

export function derivedDefault(root: any, obj: any, name: string, prop: any): string {
  if ((obj.required ?? []).includes(name)) return "required";
  const s = deref(root, prop);
  if (s.default === undefined) return "";
  return `\`${typeof s.default === "string" ? s.default : spacedJson(s.default)}\``;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function renderTable(t: Table, schema = loadSchema(t.plugin)): string {
  const obj = pointer(schema, t.pointer);
  const rows = [
    `| ${t.columns.map((c) => t.headings?.[c] ?? HEADINGS[c]).join(" | ")} |`,
    `| ${t.columns.map(() => "---").join(" | ")} |`,
  ];
  for (const [name, prop] of Object.entries<any>(obj.properties ?? {})) {
    if (name.startsWith("_") || t.omit?.[name]) continue;
    const cells = t.columns.map((c) => {
      switch (c) {
        case "field": return `\`${name}\``;
        case "type": return prop["x-doc-type"] ?? derivedType(schema, prop);
        case "default": return prop["x-doc-default"] ?? derivedDefault(schema, obj, name, prop);
        case "meaning": return prop.description ?? "";
      }
    });
    rows.push(`| ${cells.map(cell).join(" | ")} |`.replace(/ {2,}\|/g, " |"));
  }
  return rows.join("\n");
}

const OPEN = (id: string) => `<!-- config-table: ${id} -->`;
const CLOSE = "<!-- /config-table -->";

/** The README with every config-table rendered; throws when a table's markers are missing. */
export function renderReadme(plugin: string, text: string): string {
  for (const t of TABLES.filter((x) => x.plugin === plugin)) {
    const start = text.indexOf(OPEN(t.id));
    const end = start < 0 ? -1 : text.indexOf(CLOSE, start);
    if (start < 0 || end < 0) throw new Error(`plugins/${plugin}/README.md: no ${OPEN(t.id)} … ${CLOSE}`);
    text = text.slice(0, start) + OPEN(t.id) + "\n" + renderTable(t) + "\n" + text.slice(end);
  }
  return text;
}

export const PLUGINS_WITH_TABLES = [...new Set(TABLES.map((t) => t.plugin))];

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const p of PLUGINS_WITH_TABLES) {
    const file = join(ROOT, "plugins", p, "README.md");
    const before = readFileSync(file, "utf8");
    const after = renderReadme(p, before);
    if (after !== before) writeFileSync(file, after);
    console.log(`${after === before ? "unchanged" : "updated  "} plugins/${p}/README.md`);
  }
}
