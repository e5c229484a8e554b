// Byte-level building blocks of hostile requests. Values are built as byte strings (one char per
// byte, 0..255, see bin()/bytesOf() in test/scenarios/header-bytes.ts) so invalid UTF-8 is exact.
import { RAW_SEQUENCES, bin } from "../scenarios/header-bytes.ts";
import type { Rng } from "./rng.ts";

export { bin };

/** Envoy's defaults for a request's headers: max_request_headers_kb 60, max_headers_count 100.
 *  A bigger request is answered 431 by the codec and never reaches a filter. */
export const MAX_HEADER_BYTES = 60 * 1024;
export const MAX_HEADER_COUNT = 100;

const b = (...bytes: number[]) => String.fromCharCode(...bytes);

/** Not UTF-8 (from header-bytes.ts: overlong, stray continuation, truncated, surrogates...), and
 *  "NUL/CR/LF-like" sequences that decoders may turn into those bytes: overlong NUL, CR, LF, and of
 *  the list separators; NEL, LINE/PARAGRAPH SEPARATOR, BOM, zero-width space, fullwidth comma. */
export const RAW: readonly string[] = [
  ...RAW_SEQUENCES.map((s) => bin(s)),
  b(0xc0, 0x80), b(0xc0, 0x8a), b(0xc0, 0x8d), b(0xe0, 0x80, 0x8a), b(0xe0, 0x80, 0x8d), b(0xf0, 0x80, 0x80, 0x8a),
  b(0xc0, 0xac), b(0xc0, 0xbb), b(0xc0, 0xbd), b(0xc0, 0xa0),
  b(0xc2, 0x85), b(0xe2, 0x80, 0xa8), b(0xe2, 0x80, 0xa9), b(0xef, 0xbb, 0xbf), b(0xe2, 0x80, 0x8b), b(0xef, 0xbc, 0x8c),
  b(0xc2, 0xa0), b(0xc2, 0x80), b(0xc2, 0x9f), b(0xf4, 0x8f, 0xbf, 0xbf), b(0xef, 0xbf, 0xbf),
];

/** Percent escapes that decode to controls, separators, invalid UTF-8, or do not decode. */
export const ESCAPES: readonly string[] = [
  "%00", "%0a", "%0D", "%0d%0a", "%09", "%1f", "%7f", "%7F", "%80", "%c0%80", "%C0%8A", "%ff", "%FE", "%25", "%2C", "%2c",
  "%3B", "%3D", "%20", "%22", "%5C", "%2F", "%ed%a0%80", "%e4%b8", "%e4%b8%ad", "%", "%%", "%Z", "%0", "%g0", "%+", "+",
];

/** Characters with a meaning in some header grammar. */
export const PUNCT: readonly string[] = [
  ",", ";", "=", '"', "\\", " ", "\t", "  ", "&", "?", "#", "/", ":", "[", "]", "{", "}", "(", ")", "<", ">", "@", "'",
  "*", ".", "..", "+", "-", "_", "~", "!", "$", "|", "^", "`", "%",
];

/** Control bytes a client cannot send in a header value (Envoy's codec answers 400): NUL, C0 but HTAB, DEL. */
export const CODEC_REFUSED = /[\x00-\x08\x0a-\x1f\x7f]/g;
export const CONTROLS: readonly string[] = ["\x00", "\r", "\n", "\r\n", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"];

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function fromAlphabet(r: Rng, alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}
export const token = (r: Rng, n: number) => fromAlphabet(r, TCHAR, n);
export const alnum = (r: Rng, n: number) => fromAlphabet(r, ALNUM, n);
export const b64url = (r: Rng, n: number) => fromAlphabet(r, B64URL, n);

/** A piece of hostile text: printable ASCII mostly, then raw bytes, escapes, punctuation, controls. */
export function piece(r: Rng): string {
  switch (r.weighted([[60, 0], [10, 1], [10, 2], [12, 3], [3, 4], [5, 5]] as const)) {
    case 0: return String.fromCharCode(0x20 + r.int(0x5f));
    case 1: return r.pick(RAW);
    case 2: return r.pick(ESCAPES);
    case 3: return r.pick(PUNCT);
    case 4: return r.pick(CONTROLS);
    default: return String.fromCharCode(0x80 + r.int(0x80));
  }
}

/** Hostile text of at most about `max` bytes (lengths skewed to short). */
export function text(r: Rng, max: number): string {
  const n = r.length(max);
  let s = "";
  while (s.length < n) s += piece(r);
  return s;
}

/** A long run: one piece repeated, or random text, of exactly `n` bytes. */
export function long(r: Rng, n: number): string {
  const unit = r.chance(0.5) ? r.pick(["a", "%", "=", ",", ";", "%41", " ", "\t", "x=", "&", ".", "\xff", "\xc0\x80", "%0d%0a"]) : text(r, 40) || "z";
  let s = unit.repeat(Math.ceil(n / unit.length));
  if (r.chance(0.5)) s = s.slice(0, n);
  return s.slice(0, n);
}

/** Byte-level mutation of a byte string: insert, delete, truncate, duplicate, flip a byte, splice hostile bytes. */
export function mutate(r: Rng, s: string, ops = 1 + r.int(3)): string {
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(8)) {
      case 0: s = s.slice(0, at) + piece(r) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + r.int(4)); break;
      case 2: s = s.slice(0, at); break;
      case 3: s = s.length < 4096 ? s + r.pick([",", ";", "&", ""]) + s : s; break;
      case 4: s = s.slice(0, at) + String.fromCharCode(r.int(256)) + s.slice(at + 1); break;
      case 5: s = s.slice(0, at) + r.pick(RAW) + s.slice(at); break;
      case 6: s = s.slice(0, at) + r.pick(ESCAPES) + s.slice(at); break;
      default: s = s.slice(0, at) + s.slice(at).replace(/[a-z]+/g, (m) => m.toUpperCase());
    }
  }
  return s;
}

/** What a client can actually send as a header value: without the bytes Envoy's codec refuses. */
export function sendable(s: string): string {
  return s.replace(CODEC_REFUSED, "");
}

/** :authority as Envoy lets it through (nghttp2_check_authority / HeaderUtility::authorityIsValid). */
export function sendableAuthority(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@\[\]%]/g, "");
}

/** :path as a codec lets it through: visible ASCII and bytes >= 0x80 (no SP, no controls). */
export function sendablePath(s: string): string {
  const out = s.replace(/[\x00-\x20\x7f]/g, "");
  return out.startsWith("/") ? out : "/" + out;
}

export type RawHeader = [string, string];

/** Header values as the emulator takes them: text when ASCII, bytes otherwise. */
export function toInit(headers: readonly RawHeader[]): [string, string | Uint8Array][] {
  return headers.map(([k, v]) => {
    if (/^[\x00-\x7f]*$/.test(v)) return [k, v];
    if (/[^\x00-\xff]/.test(v)) throw new Error(`fuzzer bug: header ${k} is not a byte string: ${JSON.stringify(v.slice(0, 80))}`);
    return [k, new Uint8Array(Buffer.from(v, "latin1"))];
  });
}

/**
 * Make a request one Envoy would hand to a filter: refused bytes removed, at most 100 headers and
 * 60 KiB (the biggest values are cut first).
 */
export function envoyAdmissible(headers: RawHeader[]): RawHeader[] {
  let out: RawHeader[] = headers.map(([k, v]) => {
    if (k === ":authority") return [k, sendableAuthority(v)];
    if (k === ":path") return [k, sendablePath(v)];
    return [k, sendable(v)];
  });
  if (out.length > MAX_HEADER_COUNT) {
    const pseudo = out.filter(([k]) => k.startsWith(":"));
    out = [...pseudo, ...out.filter(([k]) => !k.startsWith(":")).slice(0, MAX_HEADER_COUNT - pseudo.length)];
  }
  const size = () => out.reduce((n, [k, v]) => n + k.length + v.length, 0);
  let total = size();
  while (total > MAX_HEADER_BYTES) {
    let big = 0;
    for (let i = 1; i < out.length; i++) if (out[i][1].length > out[big][1].length) big = i;
    const excess = total - MAX_HEADER_BYTES;
    const [k, v] = out[big];
    out[big] = [k, v.slice(0, Math.max(0, v.length - excess - 16))];
    total = size();
  }
  return out;
}
