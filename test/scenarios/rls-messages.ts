// Rate Limit Service messages for tests: reads the RateLimitRequest a plugin sends and writes the
// RateLimitResponse an emulated RLS answers (field numbers: plugins/global-rate-limit/rls-proto.ts).
// A small wire-format codec of the tests' own, independent of the plugin's.

export interface RlsEntry { key: string; value: string }
export interface RlsDescriptor { entries: RlsEntry[]; limit?: { requestsPerUnit: number; unit: number }; hitsAddend?: number }
export interface RlsRequest { domain: string; descriptors: RlsDescriptor[]; hitsAddend: number }

export const Code = { UNKNOWN: 0, OK: 1, OVER_LIMIT: 2 } as const;
export const Unit = { SECOND: 1, MINUTE: 2, HOUR: 3, DAY: 4 } as const;

export interface RlsStatus {
  code: number;
  limit?: { requestsPerUnit: number; unit: number; name?: string };
  remaining?: number;
  resetSeconds?: number;
}
export interface RlsResponse {
  code: number;
  statuses?: RlsStatus[];
  responseHeaders?: [string, string][];
  requestHeaders?: [string, string][];
}

// ---- wire format ----------------------------------------------------------------------------------

function varint(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n; }
  out.push(Number(n));
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
export const vfield = (field: number, v: number | bigint): number[] => [...tag(field, 0), ...varint(v)];
export function lfield(field: number, bytes: number[] | Uint8Array | string): number[] {
  const b = typeof bytes === "string" ? [...Buffer.from(bytes, "utf8")] : [...bytes];
  return [...tag(field, 2), ...varint(b.length), ...b];
}

interface Field { field: number; wire: number; value: bigint; bytes: Uint8Array }

export function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const t = Number(readVarint());
    const field = t >> 3, wire = t & 7;
    if (wire === 0) out.push({ field, wire, value: readVarint(), bytes: new Uint8Array() });
    else if (wire === 2) {
      const n = Number(readVarint());
      if (i + n > buf.length) throw new Error("truncated bytes");
      out.push({ field, wire, value: 0n, bytes: buf.subarray(i, i + n) });
      i += n;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

// ---- messages ---------------------------------------------------------------------------------------

/** The RateLimitRequest in `buf`; strings as UTF-8 text, or as byte strings (one char per byte) with "latin1". */
export function decodeRequest(buf: Uint8Array, encoding: "utf8" | "latin1" = "utf8"): RlsRequest {
  const text = (b: Uint8Array) => Buffer.from(b).toString(encoding);
  const req: RlsRequest = { domain: "", descriptors: [], hitsAddend: 0 };
  for (const f of fields(buf)) {
    if (f.field === 1) req.domain = text(f.bytes);
    else if (f.field === 3) req.hitsAddend = Number(f.value);
    else if (f.field === 2) {
      const d: RlsDescriptor = { entries: [] };
      for (const g of fields(f.bytes)) {
        if (g.field === 1) {
          const e: RlsEntry = { key: "", value: "" };
          for (const h of fields(g.bytes)) {
            if (h.field === 1) e.key = text(h.bytes);
            else if (h.field === 2) e.value = text(h.bytes);
          }
          d.entries.push(e);
        } else if (g.field === 2) {
          const l = { requestsPerUnit: 0, unit: 0 };
          for (const h of fields(g.bytes)) {
            if (h.field === 1) l.requestsPerUnit = Number(h.value);
            else if (h.field === 2) l.unit = Number(h.value);
          }
          d.limit = l;
        } else if (g.field === 3) {
          d.hitsAddend = 0;
          for (const h of fields(g.bytes)) if (h.field === 1) d.hitsAddend = Number(h.value);
        }
      }
      req.descriptors.push(d);
    }
  }
  return req;
}

export function encodeResponse(r: RlsResponse): Uint8Array {
  const out: number[] = [...vfield(1, r.code)];
  for (const s of r.statuses ?? []) {
    const st: number[] = [...vfield(1, s.code)];
    if (s.limit) st.push(...lfield(2, [...vfield(1, s.limit.requestsPerUnit), ...vfield(2, s.limit.unit), ...(s.limit.name ? lfield(3, s.limit.name) : [])]));
    if (s.remaining) st.push(...vfield(3, s.remaining));
    if (s.resetSeconds !== undefined) st.push(...lfield(4, vfield(1, s.resetSeconds)));
    out.push(...lfield(2, st));
  }
  for (const [k, v] of r.responseHeaders ?? []) out.push(...lfield(3, [...lfield(1, k), ...lfield(2, v)]));
  for (const [k, v] of r.requestHeaders ?? []) out.push(...lfield(4, [...lfield(1, k), ...lfield(2, v)]));
  return Uint8Array.from(out);
}

/** Seconds of RateLimitUnit 1..4 (second, minute, hour, day). */
export const UNIT_SECONDS: Record<number, number> = { 1: 1, 2: 60, 3: 3600, 4: 86400 };

/** What the fake counted for one descriptor of an answer. */
export interface Counted {
  /** the counter: domain, entries (byte strings), limit and window */
  key: string;
  limit: { requestsPerUnit: number; unit: number };
  hits: number;
  /** the counter after this call */
  count: number;
  over: boolean;
}

/**
 * A fixed-window counter per (domain, descriptor, limit) with the limits given per descriptor key
 * (or the request's override), as envoyproxy/ratelimit counts: every hit is counted, also rejected ones.
 * Without `clock` the window never ends and every answer says `resetSeconds`; with it (wall clock, ms)
 * windows are aligned to the Unix clock as RLS's are (a minute window starts at :00) and the answer
 * says the seconds to the window's end (docs/ratelimit-service.md, "d. windows"). Entry values are
 * counted as their bytes.
 */
export class FakeRls {
  counts = new Map<string, number>();
  /** every request answered, in order (unless keepRequests is off) */
  requests: RlsRequest[] = [];
  keepRequests = true;
  /** the last request answered */
  last: RlsRequest | undefined;
  /** per descriptor of the last answer: what was counted (undefined: no limit, nothing counted) */
  lastCounted: (Counted | undefined)[] = [];
  constructor(public limits: Record<string, { requestsPerUnit: number; unit: number; name?: string }> = {}, public resetSeconds = 30, public clock?: () => number) {}

  /** The counter of `entries` (byte strings) under `limit` at wall-clock `nowMs` (without a clock: the one window). */
  keyOf(domain: string, entries: RlsEntry[], limit: { requestsPerUnit: number; unit: number }, nowMs?: number): string {
    const unit = UNIT_SECONDS[limit.unit];
    const window = this.clock && unit ? Math.floor(Math.floor((nowMs ?? this.clock()) / 1000) / unit) : 0;
    return JSON.stringify([domain, entries.map((e) => [e.key, e.value]), limit.requestsPerUnit, limit.unit, window]);
  }

  /** The limit of a descriptor: its override, else the fake's own for its keys (joined with "."). */
  limitOf(d: RlsDescriptor): { requestsPerUnit: number; unit: number } | undefined {
    return d.limit ?? this.limits[d.entries.map((e) => e.key).join(".")];
  }

  /** window ends (wall ms) of the counters, with a clock: ended windows are forgotten once there are many */
  private ends = new Map<string, number>();

  answer(message: Uint8Array): Uint8Array {
    if (this.clock && this.counts.size > 100_000) {
      const now = this.clock();
      for (const [k, end] of this.ends) if (end <= now) { this.ends.delete(k); this.counts.delete(k); }
    }
    const req = decodeRequest(message, "latin1");
    if (this.keepRequests) this.requests.push(req);
    this.last = req;
    let code: number = Code.OK;
    this.lastCounted = [];
    const now = this.clock?.();
    const statuses: RlsStatus[] = req.descriptors.map((d) => {
      const limit = this.limitOf(d);
      if (!limit) { this.lastCounted.push(undefined); return { code: Code.OK }; }
      const key = this.keyOf(req.domain, d.entries, limit, now);
      const hits = d.hitsAddend ?? (req.hitsAddend || 1);
      const n = (this.counts.get(key) ?? 0) + hits;
      this.counts.set(key, n);
      const unit = UNIT_SECONDS[limit.unit];
      const nowS = now === undefined ? 0 : Math.floor(now / 1000);
      if (now !== undefined && unit) this.ends.set(key, (Math.floor(nowS / unit) + 1) * unit * 1000);
      const over = n > limit.requestsPerUnit;
      if (over) code = Code.OVER_LIMIT;
      this.lastCounted.push({ key, limit, hits, count: n, over });
      const resetSeconds = now !== undefined && unit ? unit - (nowS % unit) : this.resetSeconds;
      return { code: over ? Code.OVER_LIMIT : Code.OK, limit, remaining: over ? 0 : limit.requestsPerUnit - n, resetSeconds };
    });
    return encodeResponse({ code, statuses });
  }
}
