// Header values are bytes: raw byte sequences that are not UTF-8, for the fuzz tests (emulator) and
// the raw-socket regression tests (Envoy), and a byte-level view of W3C baggage members.

/** Not UTF-8: overlong forms, stray continuation bytes, bytes never used, truncated sequences,
 *  encoded surrogates, code points above U+10FFFF, a lead byte followed by ASCII; and, to compare,
 *  three valid sequences. */
export const RAW_SEQUENCES: readonly Uint8Array[] = [
  [0xc0, 0x9c], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf],
  [0x80], [0xbf], [0x9c, 0x9c], [0xff], [0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe4, 0xb8], [0xf0, 0x9f, 0x98], [0xc3], [0xc3, 0x58], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80], [0xc3, 0xa9], [0xe4, 0xb8, 0xad], [0xf0, 0x9f, 0x98, 0x80],
].map((b) => Uint8Array.from(b));

/** Bytes Envoy's HTTP/1 codec answers 400 for in a request header value (measured on 1.40), so
 *  no filter ever receives them: NUL, C0 controls except HTAB, DEL. */
const CODEC_REFUSED = /[\x00-\x08\x0a-\x1f\x7f]/g;

/** `text` as UTF-8 without the bytes a client cannot send. */
export function clientText(text: string): string {
  return text.replace(CODEC_REFUSED, "");
}

/** Byte string (one char per byte) of UTF-8 text or bytes. */
export function bin(v: string | Uint8Array): string {
  return Buffer.from(typeof v === "string" ? Buffer.from(v, "utf8") : v).toString("latin1");
}

/** Bytes of a byte string. */
export function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "latin1"));
}

/** Client text with raw sequences spliced in at `count` positions chosen by `pick(n)` (0 <= pick(n) < n). */
export function withRawBytes(text: string, count: number, pick: (n: number) => number): Uint8Array {
  let s = bin(clientText(text));
  for (let i = 0; i < count; i++) {
    const at = pick(s.length + 1);
    s = s.slice(0, at) + bin(RAW_SEQUENCES[pick(RAW_SEQUENCES.length)]) + s.slice(at);
  }
  return bytesOf(s);
}

/** The non-empty members of a baggage list (byte string), each trimmed of SP/HTAB, as byte strings. */
export function baggageMembers(list: string | Uint8Array | undefined): string[] {
  if (list === undefined) return [];
  const s = typeof list === "string" ? list : bin(list);
  return s.split(",").map((m) => m.replace(/^[ \t]+|[ \t]+$/g, "")).filter((m) => m.length > 0);
}

/** The member's key is `key` (up to '=', ';', SP, HTAB or its end), however malformed the rest. */
export function memberHasKey(member: string, key: string): boolean {
  return member.startsWith(key) && (member.length === key.length || "=; \t".includes(member[key.length]));
}

/**
 * Bytes that make Envoy 1.40's router refuse a request header value a filter wrote (measured with
 * test/fixtures/sdk-probe mode "raw", see test/envoy/header-bytes.test.ts): NUL, C0 controls but
 * HTAB, DEL. Everything else passes, 0x80-0xFF included, whether the value is UTF-8 or not.
 */
export function routerRefuses(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09) || byte === 0x7f;
}

/** Envoy's answer when it does: status, body and response code details. */
export function routerRefusal(name: string) {
  return { status: 503, body: `invalid header value for: ${name}`, details: `filter_removed_required_request_headers{invalid_header_value_for:_${name}}` };
}
