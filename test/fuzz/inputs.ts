// Generators of the request parts several plugins read: W3C baggage and the other baggage formats,
// cookies, query strings, paths, hosts, client addresses. All return byte strings.
import type { Rng } from "./rng.ts";
import { alnum, b64url, ESCAPES, long, mutate, PUNCT, RAW, text, token } from "./bytes.ts";

const b64 = (s: string) => Buffer.from(s, "latin1").toString("base64");

/** A baggage value: token, percent-encoded, or hostile. */
function baggageValue(r: Rng, hits: readonly string[]): string {
  switch (r.int(8)) {
    case 0: case 1: return r.pick(hits);
    case 2: return token(r, r.length(20));
    case 3: return encodeURIComponent(Buffer.from(text(r, 20), "latin1").toString("utf8")).replace(/%EF%BF%BD/g, r.pick(ESCAPES));
    case 4: return mutate(r, r.pick(hits));
    case 5: return r.pick(["gray%0d%0ax: y", "gr%00ay", "%C0%80", "%ff", "gray%20", "%67%72%61%79", "\"gray\"", "gray;", "", " ", "%", "gray\t"]);
    default: return text(r, 30);
  }
}

/** One list member, well formed or not. */
export function baggageMember(r: Rng, keys: readonly string[], hits: readonly string[]): string {
  const ows = () => r.pick(["", "", "", " ", "\t", "  ", " \t"]);
  switch (r.weighted([[50, 0], [12, 1], [12, 2], [8, 3], [8, 4], [10, 5]] as const)) {
    case 0: { // key=value;properties, the key often one the plugin reads
      const key = r.chance(0.5) ? r.pick(keys) : r.chance(0.7) ? token(r, 1 + r.length(12)) : text(r, 10);
      let m = `${ows()}${key}${ows()}=${ows()}${baggageValue(r, hits)}${ows()}`;
      for (let p = r.chance(0.3) ? 1 + r.int(3) : 0; p > 0; p--) m += `;${ows()}${r.pick(["p", "prop", "x-mse-tag", token(r, 5)])}${r.chance(0.5) ? `${ows()}=${ows()}${baggageValue(r, hits)}` : ""}${ows()}`;
      return m;
    }
    case 1: return r.pick(["", " ", "=", "==", "=v", "k", "k=", "k==v", "k=v=w", ";", ";p", "=;", "k;=v", "k =", "\t"]);
    case 2: return `${r.pick(keys)}${r.pick(["", " ", "=="])}${r.pick(RAW)}${r.pick(hits)}`;
    case 3: return text(r, 40);
    case 4: return mutate(r, `${r.pick(keys)}=${r.pick(hits)};p=1`);
    default: return `${r.pick(keys)}=${r.pick(ESCAPES)}${r.pick(hits)}${r.pick(ESCAPES)}`;
  }
}

/** Big shapes stop growing here: Envoy's 60 KiB header limit cuts anything longer anyway. */
export const BIG = 62 * 1024;

/** A whole baggage list of `n` members (byte string), at most about BIG bytes. */
export function baggageList(r: Rng, keys: readonly string[], hits: readonly string[], n: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < BIG; i++) {
    const m = r.chance(0.9) ? baggageMember(r, keys, hits) : `k${i}=v${i}`;
    parts.push(m);
    size += m.length + 1;
  }
  return parts.join(r.chance(0.8) ? "," : r.pick([", ", " ,", ",,", ",\t"]));
}

/** Baggage headers: usually one, sometimes repeated (Envoy hands every instance over). */
export function baggageHeaders(r: Rng, keys: readonly string[], hits: readonly string[], opts: { big?: boolean } = {}): [string, string][] {
  const n = opts.big ? r.pick([1000, 4000]) : r.chance(0.02) ? 1000 : r.chance(0.05) ? 64 + r.int(10) : r.length(12);
  let list = baggageList(r, keys, hits, n);
  if (opts.big || r.chance(0.01)) list = r.chance(0.5) ? list + "," + long(r, 10240) : long(r, 10240) + "," + list;
  const copies = opts.big ? 1 + r.int(3) : r.chance(0.15) ? 2 + r.int(4) : 1;
  if (copies === 1) return [["baggage", list]];
  const members = list.split(",");
  const out: [string, string][] = [];
  const per = Math.ceil(members.length / copies);
  for (let i = 0; i < members.length; i += per) out.push(["baggage", members.slice(i, i + per).join(",")]);
  return out;
}

/** SkyWalking sw8-correlation: base64(key):base64(value) pairs, some broken. */
export function sw8(r: Rng, keys: readonly string[], hits: readonly string[], big = false): string {
  const n = big ? 2000 : r.length(8);
  const pairs: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < BIG; i++, size += pairs[pairs.length - 1].length + 1) {
    const k = r.chance(0.6) ? r.pick(keys) : token(r, 1 + r.int(8));
    const v = r.chance(0.6) ? r.pick(hits) : r.chance(0.5) ? r.pick(["gray\r\n", "\x00", "a b", "\xff\xfe", "gr\x7fay", "", "x".repeat(5000)]) : text(r, 20);
    switch (r.int(6)) {
      case 0: pairs.push(`${b64(k)}:${b64(v)}`); break;
      case 1: pairs.push(`${b64(k)}:${b64(v)}`.replace(/=/g, "")); break;
      case 2: pairs.push(`${b64(k)}${r.pick(["", "::", ":=", ": "])}${b64(v)}`); break;
      case 3: pairs.push(mutate(r, `${b64(k)}:${b64(v)}`)); break;
      case 4: pairs.push(`${b64url(r, r.int(12))}:${b64url(r, r.int(12))}`); break;
      default: pairs.push(`${b64(k)}:${b64(v)}`);
    }
  }
  return pairs.join(r.chance(0.9) ? "," : ", ");
}

/** A Cookie header: name=value pairs with quotes, spaces, repeats, junk; sometimes hundreds. */
export function cookieHeader(r: Rng, names: readonly string[], hits: readonly string[], big = false): string {
  const n = big ? 1500 + r.int(1000) : r.chance(0.02) ? 300 : r.length(8);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < BIG; i++, size += parts[parts.length - 1].length + 2) {
    const name = r.chance(0.5) ? r.pick(names) : r.chance(0.7) ? token(r, 1 + r.int(8)) : text(r, 8);
    const value = r.chance(0.4) ? r.pick(hits) : r.chance(0.5) ? `"${r.pick(hits)}"` : r.chance(0.5) ? text(r, 20) : r.pick(["", "\"", "\"\"", "=", "a=b", ";", " x ", "%41", "\xff"]);
    parts.push(r.chance(0.9) ? `${name}${r.pick(["=", "=", "=", " = ", " =", "== "])}${value}` : r.pick(["", "=", name, ";", " "]));
  }
  let s = parts.join(r.chance(0.8) ? "; " : r.pick([";", ";;", " ; ", ";\t"]));
  if (big || r.chance(0.005)) s += "; " + r.pick(names) + "=" + long(r, 10240);
  return s;
}

/** A query string (without '?'): the parameters a plugin reads, junk, repeats, escapes; sometimes huge. */
export function queryString(r: Rng, names: readonly string[], hits: readonly string[], big = false): string {
  const n = big ? 3000 : r.chance(0.02) ? 500 : r.length(8);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < BIG; i++, size += parts[parts.length - 1].length + 1) {
    const name = r.chance(0.5) ? r.pick(names) : r.chance(0.6) ? alnum(r, 1 + r.int(6)) : text(r, 8);
    const value = r.chance(0.4) ? r.pick(hits) : r.chance(0.3) ? encodeURIComponent(r.pick(hits)).replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`) : text(r, 20);
    parts.push(r.chance(0.85) ? `${name}=${value}` : r.pick(["", "=", name, "&", "==", `${name}==`, `=${value}`]));
  }
  let s = parts.join(r.chance(0.9) ? "&" : r.pick(["&&", ";", "&amp;"]));
  if (big || r.chance(0.005)) s += `&${r.pick(names)}=` + long(r, 10240);
  if (r.chance(0.05)) s += "#" + text(r, 10);
  return s;
}

/** A path: segments with escapes, dots, slashes, raw bytes. */
export function pathOf(r: Rng, segments: readonly string[], big = false): string {
  const n = big ? 2000 : r.length(6);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < BIG; i++, size += parts[parts.length - 1].length + 1) {
    parts.push(r.chance(0.5) ? r.pick(segments) : r.chance(0.5) ? alnum(r, r.int(10)) : r.pick([".", "..", "", "%2F", "%2f", "%00", "%0d%0a", "%", "%zz", ";a=b", "\xff", "\xc0\xae", ...PUNCT.filter((p) => p !== " " && p !== "\t")]));
  }
  return "/" + parts.join("/");
}

/** Envoy's source.address: IPv4/IPv6 with port, mapped forms, garbage. */
export function clientAddress(r: Rng): string {
  switch (r.int(8)) {
    case 0: case 1: return `${r.pick(["10", "127", "192", "172", "8", "255", "0"])}.${r.int(256)}.${r.int(256)}.${r.int(256)}:${r.int(65536)}`;
    case 2: return `10.${r.int(256)}.${r.int(256)}.${r.int(256)}:${r.int(65536)}`;
    case 3: return `[${r.pick(["2001:db8::", "::ffff:10.0.0.", "fe80::", "::", "2001:db8:0:0:0:0:0:"])}${r.int(65536).toString(16)}]:${r.int(65536)}`;
    case 4: return r.pick(["127.0.0.2:5", "[::1]:80", "[::ffff:10.0.0.1]:1", "1.2.3.4", "[::1", "::1:80", "300.1.1.1:2", "1.2.3:4", "[::ffff:1.2.3.4.5]:1", "[1::2::3]:4", "", ":", "[]:1", "1.2.3.4:99999", "01.02.03.04:1", "unix:/tmp/sock", "envoy://internal"]);
    case 5: return text(r, 50);
    case 6: return `[${Array.from({ length: 8 }, () => r.int(65536).toString(16)).join(":")}]:${r.int(65536)}`;
    default: return `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}:${r.int(65536)}`;
  }
}

/** :authority: names with labels, ports, IPs, junk (Envoy keeps only valid authority characters). */
export function authority(r: Rng, labels: readonly string[], suffixes: readonly string[]): string {
  switch (r.int(6)) {
    case 0: case 1: return `${r.pick(labels)}${r.pick(suffixes)}${r.chance(0.3) ? `:${r.int(70000)}` : ""}`;
    case 2: return r.pick(["[::1]:80", "10.0.0.1", "10.0.0.1:8080", "1.2.3.4.example.com", "a..b", ".", "..", ":80", "[::1", "localhost", "LOCALHOST", "x.", "-a.b", "a_b.c", "%41.example.com", "acme.TENANTS.example.com"]);
    case 3: return mutate(r, `${r.pick(labels)}${r.pick(suffixes)}`);
    case 4: return `${long(r, r.pick([64, 255, 300, 3000]))}${r.pick(suffixes)}`;
    default: return `${alnum(r, 1 + r.int(10))}.${alnum(r, 1 + r.int(10))}${r.pick(suffixes)}`;
  }
}

/** The route name as Envoy gives it (xds.route_name), as older Higress does (route_name), or none. */
export function routeProperties(r: Rng, route: string): Record<string, string> {
  const k = r.int(10);
  return k < 8 ? { "xds.route_name": route } : k === 8 ? { route_name: route } : {};
}
