// Mutated plugin configurations: start from a valid configuration and drop, duplicate, retype,
// rename or randomize fields, nest deeply, grow arrays, or damage the text itself. The JSON is held
// as a tree that keeps object members as a list, so a member can appear twice (JSON.stringify
// cannot write that).
import type { Rng } from "./rng.ts";
import { CONTROLS, RAW, text } from "./bytes.ts";

type Node =
  | { t: "obj"; m: [string, Node][] }
  | { t: "arr"; a: Node[] }
  | { t: "lit"; s: string } // a scalar, as JSON text
  | { t: "deep"; depth: number; key: string | null; inner: Node }; // `inner` wrapped in `depth` arrays (key null) or objects {key: ...}

/** Configuration text is capped (Envoy would take more, but nothing is learned from 50 MB of keys). */
export const MAX_CONFIG_BYTES = 512 * 1024;

export function toNode(v: unknown): Node {
  if (Array.isArray(v)) return { t: "arr", a: v.map(toNode) };
  if (v !== null && typeof v === "object") return { t: "obj", m: Object.entries(v).map(([k, x]) => [k, toNode(x)]) };
  return { t: "lit", s: JSON.stringify(v) ?? "null" };
}

export function serialize(n: Node, out: string[] = []): string[] {
  switch (n.t) {
    case "lit": out.push(n.s); break;
    case "deep":
      out.push((n.key === null ? "[" : `{${JSON.stringify(n.key)}:`).repeat(n.depth));
      serialize(n.inner, out);
      out.push((n.key === null ? "]" : "}").repeat(n.depth));
      break;
    case "arr":
      out.push("[");
      n.a.forEach((x, i) => { if (i) out.push(","); serialize(x, out); });
      out.push("]");
      break;
    default:
      out.push("{");
      n.m.forEach(([k, x], i) => { if (i) out.push(","); out.push(JSON.stringify(k), ":"); serialize(x, out); });
      out.push("}");
  }
  return out;
}
const textOf = (n: Node) => serialize(n).join("");

function clone(n: Node): Node {
  if (n.t === "lit") return { t: "lit", s: n.s };
  if (n.t === "deep") return { ...n };
  if (n.t === "arr") return { t: "arr", a: n.a.map(clone) };
  return { t: "obj", m: n.m.map(([k, x]) => [k, clone(x)]) };
}

/** Every container in the tree, with a path for messages. */
function containers(n: Node, out: Node[] = []): Node[] {
  if (n.t === "lit" || n.t === "deep") return out;
  out.push(n);
  if (n.t === "arr") for (const x of n.a) containers(x, out);
  else for (const [, x] of n.m) containers(x, out);
  return out;
}

/** A JSON string literal with hostile content (controls, raw bytes as \u00XX, lone surrogates). */
function hostileString(r: Rng): string {
  switch (r.int(8)) {
    case 0: return JSON.stringify("");
    case 1: return JSON.stringify(r.pick(CONTROLS) + "x");
    case 2: return JSON.stringify(text(r, 40));
    case 3: return '"\\ud800"';
    case 4: return JSON.stringify("x".repeat(r.pick([65, 129, 4097, 70000])));
    case 5: return JSON.stringify(Buffer.from(r.pick(RAW), "latin1").toString("utf8"));
    case 6: return JSON.stringify(r.pick(["regexp:(", "regexp:a{3,2}", "regexp:" + "(a|aa)*".repeat(40) + "b", "::/0", "0.0.0.0/0", "1.2.3.4/33", "*", "*.", "week", "Strict", "None", "RS256", "none"]));
    default: return JSON.stringify(r.pick(["x-mse-tag", "baggage", "cookie", ":path", "host", "X-Upper", "a b", "x\u0000y", "gray", "base", "tenant"]));
  }
}

/** A value of any type, sometimes big or deep. */
function randomValue(r: Rng, depth = 0): Node {
  switch (r.int(depth > 2 ? 8 : 11)) {
    case 0: return { t: "lit", s: r.pick(["0", "-1", "1", "2", "64", "100", "101", "4096", "4097", "65536", "1000000001", "4294967296", "9007199254740993", "1e308", "-1e308", "1.5", "1e-7", "-0", "1E2", "0.0", "123456789012345678901234567890"]) };
    case 1: case 2: return { t: "lit", s: hostileString(r) };
    case 3: return { t: "lit", s: r.pick(["true", "false"]) };
    case 4: return { t: "lit", s: "null" };
    case 5: return { t: "arr", a: [] };
    case 6: return { t: "obj", m: [] };
    case 7: return { t: "lit", s: JSON.stringify(r.pick(["10", "-3", "1.0", "true", "[]", "0x10", " 5", "5 "])) };
    case 8: return { t: "arr", a: Array.from({ length: 1 + r.int(4) }, () => randomValue(r, depth + 1)) };
    case 9: return { t: "obj", m: Array.from({ length: 1 + r.int(3) }, () => [r.pick(FIELD_NAMES), randomValue(r, depth + 1)] as [string, Node]) };
    default: return { t: "lit", s: hostileString(r) };
  }
}

const FIELD_NAMES = [
  "rules", "_rules_", "_match_route_", "_match_domain_", "_match_service_", "_match_route_prefix_", "_disable_", "name", "key", "keys",
  "limit", "header", "param", "cookie", "requests", "per", "burst", "baggage_key", "tenants", "lanes", "tag", "consumers", "jwks",
  "issuer", "allow", "allow_missing", "unknown", "", "__proto__", "constructor", "Rules", "rules ", "x\u0000",
];

/** Wrap a node in `depth` arrays or objects (nesting again adds to the depth). */
function nest(r: Rng, n: Node, depth: number): Node {
  if (n.t === "deep") return { ...n, depth: n.depth + depth };
  return { t: "deep", depth, key: r.chance(0.5) ? null : r.pick(FIELD_NAMES), inner: n };
}

/** One structural mutation somewhere in the tree. */
function mutateTree(r: Rng, root: Node): void {
  const all = containers(root);
  const c = r.pick(all);
  const items: Node[] = c.t === "arr" ? c.a : c.t === "obj" ? c.m.map(([, x]) => x) : [];
  const setAt = (i: number, v: Node) => { if (c.t === "arr") c.a[i] = v; else if (c.t === "obj") c.m[i][1] = v; };
  const i = items.length ? r.int(items.length) : -1;
  switch (r.int(13)) {
    case 12: // one more retype (huge arrays below are rarer)
      if (i >= 0) setAt(i, randomValue(r));
      break;
    case 0: // drop
      if (i >= 0) { if (c.t === "arr") c.a.splice(i, 1); else if (c.t === "obj") c.m.splice(i, 1); }
      break;
    case 1: // duplicate (an object member twice, or an array element)
      if (i >= 0) {
        if (c.t === "arr") c.a.splice(i, 0, clone(c.a[i]));
        else if (c.t === "obj") c.m.splice(r.int(c.m.length + 1), 0, [c.m[i][0], r.chance(0.5) ? clone(c.m[i][1]) : randomValue(r)]);
      }
      break;
    case 2: case 3: case 4: // retype / random value
      if (i >= 0) setAt(i, randomValue(r));
      break;
    case 5: // same type, another value
      if (i >= 0) {
        const x = items[i];
        if (x.t === "lit" && x.s.startsWith('"')) setAt(i, { t: "lit", s: hostileString(r) });
        else if (x.t === "lit") setAt(i, randomValue(r));
        else if (x.t === "arr") x.a.push(x.a.length ? clone(r.pick(x.a)) : randomValue(r));
        else if (x.t === "obj") x.m.push([r.pick(FIELD_NAMES), randomValue(r)]);
        else setAt(i, randomValue(r));
      }
      break;
    case 6: // deep nesting
      if (i >= 0) setAt(i, nest(r, items[i], r.pick([2, 8, 63, 64, 65, 100, 1000, 5000])));
      break;
    case 7: { // huge array
      if (r.chance(0.5)) { if (i >= 0) setAt(i, randomValue(r)); break; }
      const n = r.weighted([[5, 100], [3, 1000], [2, 2000], [1, 10000], [1, 50000]] as const);
      const unit = i >= 0 && items[i].t === "arr" && (items[i] as { a: Node[] }).a.length ? (items[i] as { a: Node[] }).a[0] : randomValue(r);
      const size = textOf(unit).length + 1;
      const count = Math.max(1, Math.min(n, Math.floor(MAX_CONFIG_BYTES / 2 / size)));
      const varied = r.chance(0.5) && unit.t === "lit" && unit.s.startsWith('"');
      const arr: Node = { t: "arr", a: Array.from({ length: count }, (_, k) => (varied ? { t: "lit", s: JSON.stringify(JSON.parse((unit as { s: string }).s) + k) } : clone(unit))) };
      if (i >= 0) setAt(i, arr);
      break;
    }
    case 8: // unknown field / rename
      if (c.t === "obj") {
        if (i >= 0 && r.chance(0.5)) c.m[i][0] = r.pick([c.m[i][0].toUpperCase(), c.m[i][0] + "_", " " + c.m[i][0], c.m[i][0].slice(1), r.pick(FIELD_NAMES)]);
        else c.m.splice(r.int(c.m.length + 1), 0, [r.pick(FIELD_NAMES), randomValue(r)]);
      }
      break;
    case 9: // a member moved into a sibling container
      if (i >= 0 && all.length > 1) {
        const target = r.pick(all);
        const moved = clone(items[i]);
        if (target.t === "arr") target.a.push(moved);
        else if (target.t === "obj") target.m.push([c.t === "obj" ? c.m[i][0] : r.pick(FIELD_NAMES), moved]);
      }
      break;
    case 10: // empty the container
      if (c.t === "arr") c.a.length = 0; else if (c.t === "obj") c.m.length = 0;
      break;
    default: // swap two values
      if (items.length >= 2) { const j = r.int(items.length); const x = items[i]; setAt(i, items[j]); setAt(j, x); }
  }
}

/** Damage the text: cut, insert bytes, swap quotes, break escapes. */
function mutateText(r: Rng, s: string): string {
  const at = r.int(s.length + 1);
  switch (r.int(7)) {
    case 0: return s.slice(0, at);
    case 1: return s.slice(0, at) + s.slice(at + 1 + r.int(8));
    case 2: return s.slice(0, at) + r.pick([",", "{", "}", "[", "]", ":", '"', "\\", "\\u", "\\ud800", "\u0000", "\u00ff", " ", "\t\n", "/*", "NaN", "-", "1e999", "\"\":"]) + s.slice(at);
    case 3: return s + r.pick(["", " ", "\n", "x", "{}", "\u0000"]);
    case 4: return r.pick(["\ufeff", " ", "\n", "\u0000", "{}", "[]"]) + s;
    case 5: return s.replace(/"/g, r.chance(0.5) ? "'" : "\"\"");
    default: return s.slice(0, at) + String.fromCharCode(r.int(256)) + s.slice(at + 1);
  }
}

/** A mutated configuration from a valid one (an object or its JSON text): text, or bytes when
 *  bytes that are not UTF-8 were spliced in. */
export function mutateConfig(r: Rng, base: unknown): string | Uint8Array {
  const tree = toNode(typeof base === "string" ? JSON.parse(base) : base);
  const structural = 1 + r.length(3);
  for (let k = 0; k < structural; k++) mutateTree(r, tree);
  let s = textOf(tree);
  if (s.length > MAX_CONFIG_BYTES) s = s.slice(0, MAX_CONFIG_BYTES);
  if (r.chance(0.15)) s = mutateText(r, s);
  if (r.chance(0.04)) {
    const bytes = Buffer.from(s, "utf8").toString("latin1");
    const at = r.int(bytes.length + 1);
    return new Uint8Array(Buffer.from(bytes.slice(0, at) + r.pick(RAW) + bytes.slice(at), "latin1"));
  }
  return s;
}

/** Every string in a configuration text (keys and values): a superset of the baggage keys a mutated
 *  configuration can own. Unparsable text owns nothing. */
export function configStrings(config: string | Uint8Array): Set<string> {
  const out = new Set<string>();
  if (typeof config !== "string") config = Buffer.from(config).toString("utf8");
  try {
    const walk = (v: unknown) => {
      if (typeof v === "string") out.add(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.add(k); walk(x); }
    };
    walk(JSON.parse(config as string));
  } catch { /* not JSON */ }
  return out;
}
