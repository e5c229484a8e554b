// plugins/<name>/spec.yaml for the Higress console and plugin server, generated from
// plugins/<name>/schema.json (npm run spec; test/build/console-spec.test.ts fails when a committed
// file differs from what this script generates).
//
// Layout: Higress's WasmPluginMeta (hgctl's pkg/cmd/hgctl/plugin/types/meta.go, the wasm image spec):
//   apiVersion: 1.0.0
//   info: {category, name, title, x-title-i18n, description, x-description-i18n, iconUrl, version, contact}
//   spec: {phase, priority, configSchema: {openAPIV3Schema: {...schema..., example: <config>}}}
// The example lives in openAPIV3Schema.example, where hgctl writes and reads it.
//
// The schema is JSON Schema 2020-12; openAPIV3Schema is OpenAPI 3.0 / Kubernetes JSONSchemaProps,
// which knows fewer keywords. toOpenApiSchema converts:
//   $ref/$defs          inlined (a $ref with sibling keywords: merged when they do not overlap, else allOf)
//   const               enum with one value
//   type: [a, b]        anyOf [{type: a}, {type: b}] ("null" becomes nullable: true)
//   if/then/else        anyOf [allOf [if, then], allOf [not if, else]] (the same meaning)
//   true / false schema {} / {not: {}}
//   propertyNames {pattern} patternProperties {pattern: {}} + additionalProperties false (on an
//                       object without properties/patternProperties/additionalProperties)
//   dropped, so the converted schema is looser there: unevaluatedProperties (rejecting unknown
//   top-level keys next to _rules_), other propertyNames (the header-name rules for the keys of
//   local-rate-limit `headers`), deprecated; and the annotations $schema, $comment, x-doc-type,
//   x-doc-default.
// The YAML is block style with JSON scalars (so it is also what test/scenarios/yaml-subset.ts
// parses); a string holding `"` is written as a literal block scalar. The script checks that the
// text parses back to the same value.
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parseYamlSubset } from "../test/scenarios/yaml-subset.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export const PHASES = ["AUTHN", "AUTHZ", "STATS", "UNSPECIFIED_PHASE"] as const;
type Phase = (typeof PHASES)[number];

interface Meta {
  category: string;
  title: string;
  titleZh: string;
  description: string;
  descriptionZh: string;
  phase: Phase;
  priority: number;
}

// hgctl's category icons (Category2IconUrl in meta.go).
const ICONS: Record<string, string> = {
  auth: "https://img.alicdn.com/imgextra/i4/O1CN01BPFGlT1pGZ2VDLgaH_!!6000000005333-2-tps-42-42.png",
  "flow-control": "https://img.alicdn.com/imgextra/i3/O1CN01bAFa9k1t1gdQcVTH0_!!6000000005842-2-tps-42-42.png",
  custom: "https://img.alicdn.com/imgextra/i1/O1CN018iKKih1iVx287RltL_!!6000000004419-2-tps-42-42.png",
};

// The gateway chain: authentication first, then the lane decision, then the limiters (global, then local).
// Higress/Istio order: AUTHN < AUTHZ < STATS < UNSPECIFIED_PHASE (just before the router); within a
// phase a higher priority runs first. The envoy-examples/<name>/higress-wasmplugin.yaml manifests
// carry the same phase and priority (checked by test/build/console-spec.test.ts).
export const META: Record<string, Meta> = {
  "jwt-auth": {
    category: "auth", phase: "AUTHN", priority: 340, // Higress jwt-auth: AUTHN/340
    title: "JWT Auth", titleZh: "JWT 认证",
    description: "Verifies a JWT (local or remote JWKS) and names the consumer in x-mse-consumer; client-sent identity headers are removed.",
    descriptionZh: "校验 JWT（本地或远程 JWKS），将调用方名称写入 x-mse-consumer；客户端自带的身份请求头会被移除。",
  },
  "tenant-gray": {
    category: "custom", phase: "UNSPECIFIED_PHASE", priority: 450, // Higress frontend-gray: 450, before traffic-tag 400
    title: "Tenant Gray", titleZh: "租户灰度",
    description: "Finds the tenant of a request and sends gray-listed tenants, or a sticky share of tenants, into a lane: sets the tag header (x-mse-tag) and writes it into W3C baggage.",
    descriptionZh: "识别请求所属租户，将灰度名单中的租户（或按比例粘滞选出的租户）引入泳道：设置标签请求头（x-mse-tag）并写入 W3C baggage。",
  },
  "baggage-tag": {
    category: "custom", phase: "UNSPECIFIED_PHASE", priority: 400, // Higress traffic-tag: 400
    title: "Baggage Tag", titleZh: "Baggage 标签",
    description: "Reads a traffic tag (by default x-mse-tag) from tracing baggage and sets it as a request header, so the gateway routes the request into its lane.",
    descriptionZh: "从链路追踪 baggage 中读取流量标签（默认 x-mse-tag）并设置为请求头，使网关将请求路由到对应泳道。",
  },
  "local-rate-limit": {
    category: "flow-control", phase: "UNSPECIFIED_PHASE", priority: 10, // Higress key-rate-limit: 10
    title: "Local Rate Limit", titleZh: "本地限流",
    description: "Token-bucket rate limiting per gateway process, by header, query parameter, cookie, consumer, client IP or path; accepts Higress key-rate-limit configurations.",
    descriptionZh: "按网关进程的令牌桶限流，可按请求头、查询参数、Cookie、调用方、客户端 IP 或路径区分；兼容 Higress key-rate-limit 配置。",
  },
  "global-rate-limit": {
    category: "flow-control", phase: "UNSPECIFIED_PHASE", priority: 20, // Higress cluster-key-rate-limit: 20, before key-rate-limit 10
    title: "Global Rate Limit", titleZh: "全局限流",
    description: "One rate limit across all gateway replicas: each request's descriptors go to the Envoy Rate Limit Service (envoyproxy/ratelimit) over gRPC, with optional token leases; accepts Higress cluster-key-rate-limit configurations.",
    descriptionZh: "跨所有网关副本的统一限流：每个请求的描述符通过 gRPC 发送给 Envoy Rate Limit Service（envoyproxy/ratelimit），可选令牌租约；兼容 Higress cluster-key-rate-limit 配置。",
  },
};

export const PLUGINS = Object.keys(META);

/** Where a plugin runs in the chain: smaller runs first. */
export function chainRank(phase: string, priority: number): [number, number] {
  const p = PHASES.indexOf(phase as Phase);
  if (p < 0) throw new Error(`unknown phase ${phase}`);
  return [p, -priority];
}

// ---------------------------------------------------------------------------------------------
// JSON Schema 2020-12 -> OpenAPI 3.0 schema object

const DROP = new Set(["$schema", "$id", "$defs", "$comment", "unevaluatedProperties", "propertyNames", "deprecated", "x-doc-type", "x-doc-default"]);
const SCHEMA_MAP = ["properties", "patternProperties"];
const SCHEMA_ONE = ["additionalProperties", "items", "not"];
const SCHEMA_LIST = ["allOf", "anyOf", "oneOf"];
/** Keywords of hgctl's JSONSchemaProps (OpenAPI 3.0 subset), plus its i18n annotations. */
export const OPENAPI_KEYWORDS = new Set([
  "type", "format", "title", "x-title-i18n", "description", "x-description-i18n", "default", "minimum",
  "exclusiveMinimum", "maximum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "maxItems",
  "minItems", "uniqueItems", "multipleOf", "enum", "minProperties", "maxProperties", "required", "items",
  "allOf", "oneOf", "anyOf", "not", "properties", "additionalProperties", "patternProperties", "example",
  "nullable", "scope",
]);

function lookup(root: any, ref: string): any {
  if (!ref.startsWith("#/")) throw new Error(`only local $ref: ${ref}`);
  let node = root;
  for (const part of ref.slice(2).split("/")) node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node;
}

const ANNOTATIONS = new Set(["description", "title", "default", "example"]);

export function toOpenApiSchema(root: any): any {
  const conv = (s: any, refs: string[]): any => {
    if (s === true) return {};
    if (s === false) return { not: {} };
    if (!s || typeof s !== "object" || Array.isArray(s)) throw new Error(`not a schema: ${JSON.stringify(s)}`);
    let out: any = {};
    let target: any = null;
    for (const [k, v] of Object.entries<any>(s)) {
      if (DROP.has(k) || k === "if" || k === "then" || k === "else") continue;
      if (k === "$ref") {
        if (refs.includes(v)) throw new Error(`recursive $ref ${v}: cannot be inlined`);
        target = conv(lookup(root, v), [...refs, v]);
      } else if (k === "const") out.enum = [v];
      else if (k === "type" && Array.isArray(v)) {
        const types = v.filter((t: string) => t !== "null");
        if (types.length !== v.length) out.nullable = true;
        if (types.length === 1) out.type = types[0];
        else out.__anyTypes = types.map((t: string) => ({ type: t }));
      } else if (SCHEMA_MAP.includes(k)) out[k] = Object.fromEntries(Object.entries(v).map(([n, x]) => [n, conv(x, refs)]));
      else if (SCHEMA_ONE.includes(k)) out[k] = typeof v === "boolean" && k === "additionalProperties" ? v : conv(v, refs);
      else if (SCHEMA_LIST.includes(k)) out[k] = v.map((x: any) => conv(x, refs));
      else if (k === "dependentSchemas" || k === "prefixItems" || k === "contains" || k === "dependentRequired") throw new Error(`${k}: no conversion written yet`);
      else out[k] = v;
    }
    // propertyNames {pattern} on an object without other property keywords: the same as
    // patternProperties {pattern: {}} with additionalProperties false. Other propertyNames are dropped.
    const pn = s.propertyNames;
    if (pn && Object.keys(pn).length === 1 && typeof pn.pattern === "string" && !s.properties && !s.patternProperties && s.additionalProperties === undefined) {
      out.patternProperties = { [pn.pattern]: {} };
      out.additionalProperties = false;
    }
    const extraAnyOf: any[][] = [];
    if (out.__anyTypes) { extraAnyOf.push(out.__anyTypes); delete out.__anyTypes; }
    if ("if" in s) {
      const cond = conv(s.if, refs);
      const then = "then" in s ? conv(s.then, refs) : {};
      const otherwise = "else" in s ? conv(s.else, refs) : {};
      extraAnyOf.push([{ allOf: [cond, then] }, { allOf: [{ not: cond }, otherwise] }]);
    }
    for (const alt of extraAnyOf) {
      if (!out.anyOf) out.anyOf = alt;
      else out.allOf = [...(out.allOf ?? []), { anyOf: alt }];
    }
    if (target) {
      // Sibling properties next to a $ref'd object: one object when that changes nothing (same type,
      // disjoint properties, each allowed by the target's patternProperties if it is closed).
      const patterns = Object.keys(target.patternProperties ?? {}).map((p) => new RegExp(p, "u"));
      if (out.properties && target.properties && (out.type ?? target.type) === (target.type ?? out.type)
        && Object.keys(out).every((k) => ANNOTATIONS.has(k) || ["type", "properties", "required"].includes(k) || !(k in target))
        && Object.keys(out.properties).every((n) => !(n in target.properties) && (target.additionalProperties !== false || patterns.some((r) => r.test(n))))) {
        out = { ...target, ...out, properties: { ...target.properties, ...out.properties }, ...(out.required || target.required ? { required: [...(target.required ?? []), ...(out.required ?? [])] } : {}) };
        target = null;
      }
    }
    if (target) {
      const overlap = Object.keys(out).some((k) => k in target && !ANNOTATIONS.has(k));
      if (overlap) out = { ...Object.fromEntries(Object.entries(out).filter(([k]) => ANNOTATIONS.has(k))), allOf: [target, Object.fromEntries(Object.entries(out).filter(([k]) => !ANNOTATIONS.has(k)))] };
      else out = { ...target, ...out };
    }
    return out;
  };
  return conv(root, []);
}

/** Keywords of a converted schema outside OPENAPI_KEYWORDS, as paths. */
export function foreignKeywords(s: any, path = ""): string[] {
  const bad: string[] = [];
  for (const [k, v] of Object.entries<any>(s)) {
    if (!OPENAPI_KEYWORDS.has(k)) bad.push(`${path}/${k}`);
    if (SCHEMA_MAP.includes(k)) for (const [n, x] of Object.entries(v)) bad.push(...foreignKeywords(x, `${path}/${k}/${n}`));
    else if (SCHEMA_ONE.includes(k) && typeof v === "object") bad.push(...foreignKeywords(v, `${path}/${k}`));
    else if (SCHEMA_LIST.includes(k)) v.forEach((x: any, i: number) => bad.push(...foreignKeywords(x, `${path}/${k}/${i}`)));
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// YAML: block maps and sequences, JSON scalars

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const YAML11_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;
const bareKey = (k: string) => BARE_KEY.test(k) && !YAML11_WORDS.test(k);
function key(k: string): string {
  if (bareKey(k)) return k;
  if (k.includes('"')) throw new Error(`key with a quote: ${k}`);
  return JSON.stringify(k);
}
const isBlock = (v: unknown) => v !== null && typeof v === "object" && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
function scalar(v: unknown): string {
  if (typeof v === "string" && v.includes('"')) throw new Error("quoted");
  return JSON.stringify(v);
}
/** A flow (one-line JSON) value, when no string in it holds a quote. */
const flowable = (v: unknown): boolean => (typeof v === "string" ? !v.includes('"') : v === null || typeof v !== "object" || Object.values(v).every(flowable) && Object.keys(v).every((k) => !k.includes('"')));

export function toYaml(v: unknown, indent = 0): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item && typeof item === "object" && !Array.isArray(item) && Object.keys(item).length > 0) {
        // The subset parser takes "- key: ..." as a map only with a bare first key.
        const keys = Object.keys(item);
        const first = keys.find(bareKey);
        if (first) {
          const ordered = Object.fromEntries([first, ...keys.filter((k) => k !== first)].map((k) => [k, (item as any)[k]]));
          const lines = toYaml(ordered, indent + 2);
          out.push(pad + "- " + lines[0]!.slice(indent + 2), ...lines.slice(1));
          continue;
        }
      }
      if (isBlock(item) || (typeof item === "string" && item.includes('"'))) {
        if (!flowable(item)) throw new Error(`cannot write this sequence item: ${JSON.stringify(item)}`);
      }
      out.push(pad + "- " + JSON.stringify(item));
    }
    return out;
  }
  for (const [k, x] of Object.entries<any>(v as object)) {
    if (isBlock(x)) {
      out.push(`${pad}${key(k)}:`);
      out.push(...toYaml(x, indent + 2));
    } else if (typeof x === "string" && x.includes('"')) {
      if (x.includes("\n") || /^\s|\s$/.test(x) || /\s#/.test(x)) throw new Error(`cannot write string ${JSON.stringify(x)}`);
      out.push(`${pad}${key(k)}: |-`, `${pad}  ${x}`);
    } else out.push(`${pad}${key(k)}: ${scalar(x)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The plugin's main configuration: the first ```json block under "## Configuration" of its README. */
export function readmeExample(plugin: string): unknown {
  const text = readFileSync(join(ROOT, "plugins", plugin, "README.md"), "utf8");
  const section = text.slice(text.indexOf("\n## Configuration"));
  const m = /^```json\n([\s\S]*?)^```/m.exec(section);
  if (!m) throw new Error(`plugins/${plugin}/README.md: no json block under ## Configuration`);
  return JSON.parse(m[1]!);
}

export function consoleSpec(plugin: string): { doc: any; text: string } {
  const meta = META[plugin];
  if (!meta) throw new Error(`no console metadata for ${plugin}`);
  const schema = JSON.parse(readFileSync(join(ROOT, "plugins", plugin, "schema.json"), "utf8"));
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  const openApi = toOpenApiSchema(schema);
  const doc = {
    apiVersion: "1.0.0",
    info: {
      category: meta.category,
      name: plugin,
      title: meta.title,
      "x-title-i18n": { "zh-CN": meta.titleZh, "en-US": meta.title },
      description: meta.description,
      "x-description-i18n": { "zh-CN": meta.descriptionZh, "en-US": meta.description },
      iconUrl: ICONS[meta.category],
      version,
      contact: { name: "mse-proxy-wasm-as" },
    },
    spec: {
      phase: meta.phase,
      priority: meta.priority,
      configSchema: { openAPIV3Schema: { ...openApi, example: readmeExample(plugin) } },
    },
  };
  const text = [
    `# Generated from plugins/${plugin}/schema.json by scripts/console-spec.ts (npm run spec); do not edit.`,
    "# Higress console / plugin server plugin metadata (hgctl WasmPluginMeta).",
    ...toYaml(doc),
    "",
  ].join("\n");
  const back = parseYamlSubset(text);
  if (!isDeepStrictEqual(back, JSON.parse(JSON.stringify(doc)))) throw new Error(`plugins/${plugin}/spec.yaml: the YAML does not parse back to the same value`);
  return { doc, text };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const p of PLUGINS) {
    const file = join(ROOT, "plugins", p, "spec.yaml");
    const { text } = consoleSpec(p);
    let before = "";
    try { before = readFileSync(file, "utf8"); } catch { /* new */ }
    if (before !== text) writeFileSync(file, text);
    console.log(`${before === text ? "unchanged" : "written  "} plugins/${p}/spec.yaml`);
  }
}
