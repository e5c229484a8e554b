// global-rate-limit: descriptors from every entry source (headers, query parameters, cookies, the
// consumer, the client address, the path, constants), limit overrides, hits_addend, lease mode on
// several workers; and what the Rate Limit Service answers to each call (answerGrpc): a counting fake
// RLS (test/scenarios/rls-messages.ts FakeRls, fixed windows on the host's clock), valid answers with
// random codes, statuses, limits, names and hostile headers, damaged or random bytes, failures with any
// status and message, timeouts, and the client going away while the call is pending.
//
// Oracles (check): a local reply is the configured rejection (status, body, details
// request_rate_limited, the configured headers, x-envoy-ratelimited: true, retry-after a positive
// integer) or, only with failure_mode_deny, status_on_error with details rate_limiter_error; an
// answer the plugin can read decides (OK passes, OVER_LIMIT rejects, anything else is an error);
// x-ratelimit-* are well-formed; request headers RLS did not add reach the upstream byte for byte;
// and the requests admitted on a FakeRls answer (or on a lease token) never exceed a descriptor's
// limit in its window.
import { exampleConfig } from "../../envoy/example-config.ts";
import { CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER, CLUSTER_KEY_RATE_LIMIT_BY_COOKIE, CLUSTER_KEY_RATE_LIMIT_BY_HEADER, CLUSTER_KEY_RATE_LIMIT_BY_IP, CLUSTER_KEY_RATE_LIMIT_BY_PARAM, CLUSTER_KEY_RATE_LIMIT_GLOBAL, withRls } from "../../scenarios/higress-examples.ts";
import { Code, FakeRls, decodeRequest, lfield, vfield, type RlsEntry } from "../../scenarios/rls-messages.ts";
import type { PendingGrpcCall, ProxyWasmHost } from "../../host/index.ts";
import { addedResponseValues, untouchedProblem, type CheckContext, type GrpcAnswerContext, type GrpcResolution, type HostSpec, type PluginFuzzer, type RequestCase } from "../engine.ts";
import { grpcFault } from "../grpc.ts";
import { long, mutate, RAW, text, token, type RawHeader } from "../bytes.ts";
import { clientAddress, cookieHeader, pathOf, queryString, routeProperties } from "../inputs.ts";
import type { Rng } from "../rng.ts";

const EXAMPLE = "envoy-examples/global-rate-limit/envoy.yaml";
const MINUTE = 2, SECOND = 1, HOUR = 3, DAY = 4;
type Limit = { requestsPerUnit: number; unit: number; name?: string };

// ----- hosts ------------------------------------------------------------------------------------------

/** Every entry source, overrides in both forms, hits_addend, custom rejection, x-ratelimit-* headers; fails open. */
const EVERY_SOURCE = {
  cluster: "rls", domain: "gateway", timeout_ms: 100, hits_addend: 2, rate_limit_headers: true,
  status: 503, body: "over quota", headers: { "x-limited-by": "gateway", "x-empty": "" }, failure_mode_deny: false,
  rules: [
    { name: "by-header", match: { path_prefix: "/api" }, descriptor: [{ key: "api_key", header: "x-api-key" }], limit: { requests: 20, per: "minute" } },
    { name: "by-param", descriptor: [{ key: "tenant", param: "tenant" }], limit: { query_per_minute: 15 } },
    { name: "by-cookie", match: { methods: ["GET", "POST"] }, descriptor: [{ key: "sid", cookie: "sid" }] },
    { name: "by-consumer", match: { headers: [{ name: "x-mse-consumer" }] }, descriptor: [{ key: "consumer", consumer: true }, { key: "route", value: "all" }], limit: { requests: 10, per: "second" } },
    { name: "by-ip", descriptor: [{ key: "remote_address", client_ip: true }], limit: { query_per_hour: 400 } },
    { name: "by-path", match: { path_prefix: "/p" }, descriptor: [{ key: "path", path: true }], limit: { requests: 5, per: "day" } },
    { name: "all", descriptor: [{ key: "generic_key", value: "gateway" }] },
    { name: "combo", match: { headers: [{ name: "x-star", value: "1" }] }, descriptor: [{ key: "api_key", header: "x-api-key" }, { key: "sid", cookie: "sid" }, { key: "tenant", param: "tenant" }], limit: { requests: 2, per: "minute" } },
  ],
};

/** Fails closed, defaults otherwise (429 global_rate_limited, no x-ratelimit-*), one worker. */
const DENY = {
  cluster: "rls", domain: "strict", timeout_ms: 1000, failure_mode_deny: true, status_on_error: 500,
  rules: [
    { name: "per-key", descriptor: [{ key: "api_key", header: "x-api-key" }] },
    { name: "login", match: { path_prefix: "/login", methods: ["POST"] }, descriptor: [{ key: "generic_key", value: "login" }], limit: { requests: 3, per: "minute" } },
  ],
};

/** Lease mode on 3 workers, answered by the fake RLS or failing (never damaged): the admitted count is checked. */
const LEASED = {
  cluster: "rls", domain: "leased", rate_limit_headers: true, headers: { "x-lease": "1" },
  rules: [
    { name: "all", descriptor: [{ key: "generic_key", value: "gw" }], limit: { requests: 100, per: "minute" }, lease: { tokens: 5, replicas: 2 } },
    { name: "per-consumer", descriptor: [{ key: "consumer", consumer: true }, { key: "plan", value: "basic" }], limit: { requests: 12, per: "minute" }, lease: { tokens: 3, replicas: 1 } },
    { name: "per-key", match: { path_prefix: "/api" }, descriptor: [{ key: "api_key", header: "x-api-key" }], limit: { requests: 10, per: "minute" } },
  ],
};

/** Lease mode answered with anything, failing closed, with a request-level hits_addend. */
const LEASED_HOSTILE = {
  cluster: "rls", domain: "leased", failure_mode_deny: true, status_on_error: 503, hits_addend: 3, rate_limit_headers: true, status: 429, body: "",
  rules: [
    { name: "all", descriptor: [{ key: "generic_key", value: "gw" }], lease: { tokens: 10, replicas: 1 } },
    { name: "per-consumer", descriptor: [{ key: "consumer", consumer: true }], limit: { requests: 30, per: "second" }, lease: { tokens: 2, replicas: 3 } },
  ],
};

/** Higress-style: per-route configurations (`_rules_`) of their own, the global one elsewhere. */
const HIGRESS_RULES = {
  cluster: "rls", domain: "gateway", rules: [{ name: "global", descriptor: [{ key: "generic_key", value: "global" }] }],
  _rules_: [
    { _match_route_: ["orders"], cluster: "rls", domain: "orders", rate_limit_headers: true,
      rules: [{ name: "per-user", descriptor: [{ key: "user", param: "user" }], limit: { query_per_second: 2 } }] },
    { _match_route_prefix_: ["route-"], _disable_: true },
  ],
};

/** What a host's configuration says a rejection and an error look like, and how its calls are answered. */
interface Mode {
  config: string;
  domain: string;
  status: number;
  body: string;
  statusOnError: number;
  deny: boolean;
  rateLimitHeaders: boolean;
  headers: [string, string][];
  /** the fake RLS's own limits, by descriptor keys joined with "." */
  rlsLimits: Record<string, Limit>;
  /** answered only by the fake RLS or failures (no damaged, random or made-up answers): lease tokens are counted */
  counted?: boolean;
  /** lease rules whose descriptor the oracle works out from the request (no match; constants and the consumer) */
  leaseRules?: { name: string; entries: ({ key: string; value: string } | { key: string; consumer: true })[]; limit: Limit }[];
  /** leases: a rejection without a call (the descriptor is over for the rest of RLS's window) is the plugin's */
  leases?: boolean;
  /** bounded consumers (an authentication plugin sets x-mse-consumer): leases keep one entry per consumer */
  consumers?: string[];
}

const EXAMPLE_RLS: Record<string, Limit> = {
  api_key: { requestsPerUnit: 10, unit: MINUTE, name: "per-api-key" }, path: { requestsPerUnit: 5, unit: MINUTE }, generic_key: { requestsPerUnit: 20, unit: MINUTE, name: "orders" },
};
const CONSUMERS = ["alice", "bob", "carol", "dave", "\u00e9ve", "m\xc3\xa9lo", "bad\xff", "x".repeat(100)];

function modes(): Record<string, Mode> {
  const base = { status: 429, body: "global_rate_limited", statusOnError: 503, deny: false, rateLimitHeaders: false, headers: [] as [string, string][] };
  return {
    example: { ...base, config: exampleConfig(EXAMPLE, "global-rate-limit"), domain: "gateway", rateLimitHeaders: true, rlsLimits: EXAMPLE_RLS, leases: true },
    "every-source": { ...base, config: JSON.stringify(EVERY_SOURCE), domain: "gateway", status: 503, body: "over quota", rateLimitHeaders: true, headers: [["x-limited-by", "gateway"], ["x-empty", ""]],
      rlsLimits: { sid: { requestsPerUnit: 6, unit: MINUTE, name: "per-session" }, generic_key: { requestsPerUnit: 300, unit: MINUTE } } },
    deny: { ...base, config: JSON.stringify(DENY), domain: "strict", deny: true, statusOnError: 500, rlsLimits: { api_key: { requestsPerUnit: 8, unit: MINUTE, name: "per-key" } } },
    leased: { ...base, config: JSON.stringify(LEASED), domain: "leased", rateLimitHeaders: true, headers: [["x-lease", "1"]], rlsLimits: {}, counted: true, leases: true, consumers: CONSUMERS,
      leaseRules: [
        { name: "all", entries: [{ key: "generic_key", value: "gw" }], limit: { requestsPerUnit: 100, unit: MINUTE } },
        { name: "per-consumer", entries: [{ key: "consumer", consumer: true }, { key: "plan", value: "basic" }], limit: { requestsPerUnit: 12, unit: MINUTE } },
      ] },
    "leased-hostile": { ...base, config: JSON.stringify(LEASED_HOSTILE), domain: "leased", deny: true, body: "", rateLimitHeaders: true, rlsLimits: { generic_key: { requestsPerUnit: 100, unit: MINUTE } }, leases: true, consumers: CONSUMERS },
    "higress-rules": { ...base, config: JSON.stringify(HIGRESS_RULES), domain: "gateway", rlsLimits: { generic_key: { requestsPerUnit: 200, unit: MINUTE } } },
    // Higress cluster-key-rate-limit examples (their limits go to RLS as overrides): a JSON rejection with status 200
    "higress-cookie": { ...base, config: JSON.stringify(withRls(CLUSTER_KEY_RATE_LIMIT_BY_COOKIE)), domain: "gateway", status: 200, body: '{"code":-1,"msg":"Too many requests"}', rateLimitHeaders: true, rlsLimits: {} },
    "higress-header": { ...base, config: JSON.stringify({ ...withRls(CLUSTER_KEY_RATE_LIMIT_BY_HEADER), failure_mode_deny: true }), domain: "gateway", body: "Too many requests", deny: true, rateLimitHeaders: true, rlsLimits: {} },
    "higress-ip": { ...base, config: JSON.stringify(withRls(CLUSTER_KEY_RATE_LIMIT_BY_IP)), domain: "gateway", body: "Too many requests", rateLimitHeaders: true, rlsLimits: {} },
  };
}
let MODES: Record<string, Mode> | null = null;
const modeOf = (spec: HostSpec | null): Mode | null => (spec ? (MODES ??= modes())[spec.name] ?? null : null);

// ----- the Rate Limit Service ---------------------------------------------------------------------------

interface HostState {
  rls: FakeRls;
  /** requests admitted per counter (FakeRls key: domain, entries, limit, window) */
  admitted: Map<string, number>;
  /** lease rule + the request's raw entry values -> the entries its calls carried (values as sent, escaped) */
  leaseEntries: Map<string, RlsEntry[]>;
}
const states = new WeakMap<ProxyWasmHost, HostState>();
function stateOf(host: ProxyWasmHost, mode: Mode | null): HostState {
  let st = states.get(host);
  if (!st) {
    const rls = new FakeRls(mode?.rlsLimits ?? { api_key: { requestsPerUnit: 5, unit: MINUTE }, generic_key: { requestsPerUnit: 50, unit: MINUTE } }, 30, () => host.now);
    rls.keepRequests = false;
    st = { rls, admitted: new Map(), leaseEntries: new Map() };
    states.set(host, st);
  }
  return st;
}

/** What the fuzzer knows about an answer it made (handed back to check in the resolution's note). */
interface AnswerNote {
  /** made by the counting fake: its count per descriptor */
  fake?: FakeRls["lastCounted"];
  /** what a plugin that reads the answer must do with it */
  expect: "ok" | "over" | "error";
  /** a descriptor of the call is OVER_LIMIT in the statuses the plugin reads: the rejection has retry-after */
  retryAfter: boolean;
  /** names of the request headers the answer asks for (lower-cased as Envoy does): the upstream may see them */
  requestHeaderNames: string[];
}

const bytes = (s: string): number[] => [...Buffer.from(s, "latin1")];

/** Header names RLS may send: its own (RateLimit-*), ones the plugin or Envoy set, pseudo headers, not tokens. */
const RLS_NAMES = [
  "x-rls", "X-RLS-Upper", "RateLimit-Limit", "ratelimit-remaining", "RateLimit-Reset", "x-ratelimit-limit", "x-ratelimit-remaining",
  "x-ratelimit-reset", "retry-after", "Retry-After", "x-envoy-ratelimited", "x-limited-by", "content-length", "content-type", "set-cookie",
  "transfer-encoding", "connection", ":status", ":path", ":authority", ":method", "host", "x-api-key", "x-mse-consumer", "cookie",
  "a b", "x\r\ninjected: 1", "x\ny", "x:y", "x\x00y", "x\ty", "\xc3\xa9", "\xff", "(x)", "x@y", "x-" + "a".repeat(300), "X-Quota", "",
];
const RLS_VALUES = ["1", "0", "true", "false", "-1", "", " ", " padded ", "gold", "10, 10;w=60", "a\r\nb", "a\nx-injected: 1", "\x00", "\x7f", "\t", "a\x01b", "\"", "\\", ...RAW];

function rlsHeaderName(r: Rng): string {
  return r.chance(0.7) ? r.pick(RLS_NAMES) : r.chance(0.5) ? token(r, 1 + r.int(20)) : text(r, 20);
}
function rlsHeaderValue(r: Rng): string {
  return r.chance(0.4) ? r.pick(RLS_VALUES) : r.chance(0.03) ? long(r, MAX_VALUE) : text(r, 40);
}

/** A HeaderValue (field 3: response headers, 4: request headers) in any of its forms; returns its bytes and its name. */
function headerValue(r: Rng, field: number): { bytes: number[]; name: string } {
  const name = rlsHeaderName(r);
  const value = rlsHeaderValue(r);
  let inner: number[];
  switch (r.int(8)) {
    case 0: inner = [...lfield(1, bytes(name)), ...lfield(3, bytes(value))]; break; // raw_value
    case 1: inner = [...lfield(1, bytes(name)), ...lfield(2, bytes(rlsHeaderValue(r))), ...lfield(3, bytes(value))]; break; // both
    case 2: inner = [...lfield(2, bytes(value)), ...lfield(1, bytes(name))]; break; // value first
    case 3: inner = [...lfield(1, bytes(rlsHeaderName(r))), ...lfield(1, bytes(name)), ...lfield(2, bytes(value))]; break; // key twice: the last wins
    default: inner = [...lfield(1, bytes(name)), ...lfield(2, bytes(value))];
  }
  return { bytes: lfield(field, inner), name };
}

/** Hostile headers to add to an answer; returns their bytes and the request header names. */
function hostileHeaders(r: Rng): { bytes: number[]; requestNames: string[] } {
  const out: number[] = [];
  const requestNames: string[] = [];
  const count = () => r.chance(0.05) ? MAX_HEADERS : r.int(4);
  for (let n = count(); n > 0; n--) out.push(...headerValue(r, 3).bytes);
  for (let n = r.chance(0.5) ? count() : 0; n > 0; n--) { const h = headerValue(r, 4); out.push(...h.bytes); requestNames.push(h.name); }
  return { bytes: out, requestNames };
}

/**
 * The biggest answers made up here (an RLS answers in a few hundred bytes; a broken one may say more): up
 * to 500 statuses, limit names of 300 bytes, 40 request and 40 response headers with 1 KiB values. The
 * plugin takes answers up to MAX_ANSWER bytes (bigger ones are errors); the warm-up's "answer" shape sends
 * the biggest it takes (bigAnswer), so memory is measured after them.
 */
const MAX_STATUSES = 500, MAX_NAME = 300, MAX_HEADERS = 40, MAX_VALUE = 1024;
/** plugins/global-rate-limit/rls-proto.ts MAX_ANSWER_BYTES */
const MAX_ANSWER = 65536;

/** The biggest answer the plugin reads: OK, 64 statuses with long names and no window (leases do not settle, so
 *  every request calls), then headers with 1 KiB values up to MAX_ANSWER bytes. */
function bigAnswer(r: Rng): Uint8Array {
  const out: number[] = [...vfield(1, 1)];
  for (let i = 0; i < 64; i++) {
    out.push(...lfield(2, [...vfield(1, 1), ...lfield(2, [...vfield(1, 4294967295), ...vfield(2, 2), ...lfield(3, bytes("n".repeat(MAX_NAME)))]), ...vfield(3, 4294967295)]));
  }
  for (let i = 0; ; i++) {
    const h = lfield(3 + (i & 1), [...lfield(1, bytes(`x-rls-${i >> 1}`)), ...lfield(2, bytes(long(r, MAX_VALUE)))]);
    if (out.length + h.length > MAX_ANSWER) break;
    out.push(...h);
  }
  return Uint8Array.from(out);
}

/** bigAnswer, made once (the warm-up sends it over a thousand times) */
let BIGGEST: Uint8Array | null = null;

const U64_MAX = 2n ** 64n - 1n;
/** A DescriptorStatus with random fields (numbers past uint32, negative durations, odd units, hostile names). */
function randomStatus(r: Rng): { bytes: number[]; code: number } {
  const code = r.weighted([[45, 1], [40, 2], [15, r.pick([0, 3, 7, 0xffffffff])]] as const);
  const st: number[] = [...vfield(1, code)];
  if (r.chance(0.7)) {
    // mostly short windows (a long one keeps a leased descriptor over for its whole length)
    const unit = r.chance(0.7) ? r.pick([1, 2]) : r.pick<number | bigint>([0, 3, 4, 5, 6, 7, 8, 100, 2 ** 32, U64_MAX]);
    const limit = [...vfield(1, r.pick<number | bigint>([0, 1, 5, 10, 100, 4294967295, 2 ** 32, U64_MAX])), ...vfield(2, unit)];
    if (r.chance(0.4)) limit.push(...lfield(3, bytes(r.chance(0.5) ? r.pick(["per-api-key", "orders", "a\"b", "a\\b", "a\r\nb", "\x00", "\xc3\xa9", "\xff", " ", ""]) : r.chance(0.1) ? long(r, MAX_NAME) : text(r, 30))));
    st.push(...lfield(2, limit));
  }
  if (r.chance(0.7)) st.push(...vfield(3, r.pick<number | bigint>([0, 1, 9, 4294967295, 2 ** 32 + 3, U64_MAX])));
  if (r.chance(0.8)) {
    const d = [...vfield(1, r.chance(0.8) ? r.int(61) : r.pick<number | bigint>([3600, 86400, 86400 * 365, 2 ** 31, 2n ** 54n, 2n ** 63n - 1n, U64_MAX, 2n ** 63n, U64_MAX - 5n]))];
    if (r.chance(0.2)) d.push(...vfield(2, r.pick<number | bigint>([0, 999_999_999, U64_MAX])));
    st.push(...lfield(4, d));
  }
  if (r.chance(0.05)) st.push(...vfield(9, 1), ...lfield(10, [1, 2, 3])); // fields RLS may add one day
  return { bytes: lfield(2, st), code };
}

/** A RateLimitResponse that parses, with random codes, statuses and headers; `descriptors`: how many the call sent. */
function randomAnswer(r: Rng, descriptors: number): { message: Uint8Array; note: AnswerNote } {
  const code = r.weighted([[45, 1], [45, 2], [10, r.pick([0, 3, 7, 0xffffffff])]] as const);
  const out: number[] = [...vfield(1, code)];
  const n = r.weighted([[70, descriptors], [15, r.int(descriptors + 3)], [10, 0], [5, r.pick([65, 70, MAX_STATUSES])]] as const);
  let retryAfter = false;
  for (let i = 0; i < n; i++) {
    const s = randomStatus(r);
    out.push(...s.bytes);
    if (i < descriptors && s.code === 2) retryAfter = true;
  }
  const h = hostileHeaders(r);
  out.push(...h.bytes);
  if (r.chance(0.3)) { // the overall code again, last one wins (a protobuf parser keeps the last)
    const again = r.pick([1, 2]);
    out.push(...vfield(1, again));
    return { message: Uint8Array.from(out), note: { expect: again === 1 ? "ok" : "over", retryAfter, requestHeaderNames: h.requestNames } };
  }
  return { message: Uint8Array.from(out), note: { expect: code === 1 ? "ok" : code === 2 ? "over" : "error", retryAfter, requestHeaderNames: h.requestNames } };
}

/** An answer bigger than the plugin reads is an error (and what the fake counted admits nobody). */
function tooBig(a: { message: Uint8Array; note: AnswerNote }): AnswerNote {
  return a.message.length > MAX_ANSWER ? { expect: "error", retryAfter: false, requestHeaderNames: [] } : a.note;
}

function answerGrpc(r: Rng, call: PendingGrpcCall, ctx: GrpcAnswerContext & { spec: HostSpec | null }): GrpcResolution {
  const mode = modeOf(ctx.spec);
  const st = stateOf(ctx.host, mode);
  const descriptors = decodeRequest(call.message, "latin1").descriptors.length;
  if (ctx.shape === "answer") return { kind: "respond", message: (BIGGEST ??= bigAnswer(r)), source: "biggest" };
  /** the fake's answer, counted; sometimes with hostile headers added (they do not change what it counted) */
  const fake = (): { message: Uint8Array; note: AnswerNote } => {
    const m = st.rls.answer(call.message);
    const fakeCode = st.rls.lastCounted.some((c) => c?.over) ? Code.OVER_LIMIT : Code.OK;
    const note: AnswerNote = { fake: st.rls.lastCounted, expect: fakeCode === Code.OK ? "ok" : "over", retryAfter: fakeCode === Code.OVER_LIMIT, requestHeaderNames: [] };
    if (!r.chance(0.15)) return { message: m, note };
    const h = hostileHeaders(r);
    note.requestHeaderNames = h.requestNames;
    return { message: Uint8Array.from([...m, ...h.bytes]), note };
  };
  switch (r.weighted([[55, 0], [mode?.counted ? 0 : 15, 1], [30, 2]] as const)) {
    case 0: { const a = fake(); return { kind: "respond", message: a.message, source: "fake RLS", note: tooBig(a) }; }
    case 1: { const a = randomAnswer(r, descriptors); return { kind: "respond", message: a.message, source: "made up", note: tooBig(a) }; }
    default: {
      const valid = mode?.counted || r.chance(0.5) ? fake().message : randomAnswer(r, descriptors).message;
      const g = grpcFault(r, valid, { mutate: !mode?.counted });
      // what the plugin must do: empty bytes and failures are errors; damaged or random bytes may read as anything
      if (g.kind === "respond" && g.source === "empty") g.note = { expect: "error", retryAfter: false, requestHeaderNames: [] } satisfies AnswerNote;
      return g;
    }
  }
}

// ----- oracles ----------------------------------------------------------------------------------------

/** RLS's longest unit (RateLimit.Unit YEAR), in seconds. */
const YEAR = 365 * 86400;
const INT = /^\d+$/;
const POSITIVE = /^[1-9]\d*$/;
/** x-ratelimit-limit: "N", or "N, N;w=S" with an optional name="..." of RLS's (a quoted string without DQUOTE, backslash or controls). */
const LIMIT = /^(\d+)(?:, (\d+);w=([1-9]\d*)(?:;name="[^"\\\x00-\x1f\x7f]*")?)?$/;
const RESERVED = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "x-envoy-ratelimited"];

function limitHeaderProblem(values: string[], name: string): string | null {
  if (values.length > 1) return `${name} ${values.length} times: ${JSON.stringify(values.map((v) => v.slice(0, 80)))}`;
  const v = values[0];
  if (v === undefined) return null;
  if (name === "x-ratelimit-limit") {
    const m = LIMIT.exec(v);
    if (!m || (m[2] !== undefined && m[1] !== m[2])) return `${name}: ${JSON.stringify(v.slice(0, 200))}`;
  } else if (!INT.test(v)) return `${name}: ${JSON.stringify(v.slice(0, 200))}`;
  return null;
}

const isGrpcRequest = (sent: RawHeader[]) => (sent.find(([k]) => k === "content-type")?.[1] ?? "").startsWith("application/grpc");

/** The outcome a resolution asks for: "ok"/"over"/"error" when the plugin can only do one thing, null when it may do anything. */
function expected(g: GrpcResolution | undefined): AnswerNote | "error" | null {
  if (!g) return null;
  if (g.kind === "respond") return (g.note as AnswerNote | undefined) ?? null;
  if (g.kind === "client-gone") return null;
  return "error";
}

function limiterCheck(modeName: string) {
  return (ctx: CheckContext): string | null => {
    const mode = modeOf({ name: modeName } as HostSpec)!;
    const { s, c, sent, grpc } = ctx;
    if (grpc.length > 1) return `${grpc.length} calls for one request`;
    if (ctx.clientGone) return null;
    const lr = s.localResponse;
    const g = grpc[0]?.resolution;
    const want = expected(g);
    const note = want !== "error" ? want : null;
    const passed = !lr && s.requestForwarded;
    const how = g ? (g.kind === "respond" ? `answer (${g.source})` : g.kind) : "no call";
    // the Higress rules host: the route "orders" has its own configuration (x-ratelimit-* on), routes "route-*" none
    const route = String(c.properties?.["xds.route_name"] ?? c.properties?.route_name ?? "");
    const rateLimitHeaders = modeName === "higress-rules" ? route === "orders" : mode.rateLimitHeaders;
    if (lr) {
      if (lr.details === "request_rate_limited") {
        if (isGrpcRequest(sent) ? lr.grpcStatus !== 8 : lr.status !== mode.status || lr.bodyText !== mode.body) return `rejection ${lr.status} grpc-status ${lr.grpcStatus} ${JSON.stringify(lr.bodyText.slice(0, 100))}`;
        if (want === "error") return `rejected (${lr.status}) after ${how}: an error must ${mode.deny ? "answer status_on_error" : "let the request through"}`;
        if (note?.expect === "ok" || note?.expect === "error") return `rejected on an answer that says ${note.expect === "ok" ? "OK" : "neither OK nor OVER_LIMIT"} (${how})`;
        if (!g && !mode.leases) return "rejected without a call";
        const h = s.responseHeaderMap;
        const limited = h.getAll("x-envoy-ratelimited");
        if (limited.length !== 1 || limited[0] !== "true") return `rejection with x-envoy-ratelimited ${JSON.stringify(limited)} (${how})`;
        const retry = h.getAll("retry-after");
        if (retry.length > 1 || (retry.length === 1 && !POSITIVE.test(retry[0]))) return `rejection with retry-after ${JSON.stringify(retry.map((v) => v.slice(0, 80)))} (${how})`;
        if (retry.length === 0 && (note?.retryAfter || !g)) return `rejection without retry-after (${how})`;
        // a lease rejects locally until the end of RLS's window, no longer than the limit's unit (a year at most)
        const window = Number(/;w=(\d+)/.exec(h.get("x-ratelimit-limit") ?? "")?.[1] ?? YEAR);
        if (!g && Number(retry[0]) > window) return `rejected without a call for another ${retry[0]} s (retry-after), longer than the limit's window of ${window} s`;
        for (const [k, v] of mode.headers) if (!h.getAll(k).includes(v)) return `rejection without its configured header ${k}: ${JSON.stringify(v)} (${how})`;
        for (const name of RESERVED.slice(0, 3)) {
          const values = h.getAll(name);
          if (!rateLimitHeaders && values.length) return `${name} on a rejection without rate_limit_headers: ${JSON.stringify(values.map((v) => v.slice(0, 80)))} (${how})`;
          const p = limitHeaderProblem(values, name);
          if (p) return `rejection: ${p} (${how})`;
        }
      } else if (lr.details === "rate_limiter_error") {
        if (!mode.deny) return `rate_limiter_error without failure_mode_deny (${how})`;
        if (isGrpcRequest(sent) ? lr.grpcStatus !== 14 : lr.status !== mode.statusOnError) return `error reply ${lr.status} grpc-status ${lr.grpcStatus}`;
        if (note && note.expect !== "error") return `rate_limiter_error on an answer that says ${note.expect === "ok" ? "OK" : "OVER_LIMIT"} (${how})`;
        if (!g) return "rate_limiter_error without a call";
      } else return `local reply ${lr.status} ${lr.details} (${how})`;
    } else if (passed) {
      if (note?.expect === "over") return `let through on OVER_LIMIT (${how})`;
      if ((want === "error" || note?.expect === "error") && mode.deny) return `let through after ${how} with failure_mode_deny`;
      for (const name of RESERVED) {
        const values = addedResponseValues(s, c, name);
        if (name === "retry-after" || name === "x-envoy-ratelimited") {
          if (values.length) return `${name} ${JSON.stringify(values.map((v) => v.slice(0, 80)))} on a response the plugin let through (${how})`;
          continue;
        }
        if (!rateLimitHeaders && values.length) return `${name} on a response without rate_limit_headers: ${JSON.stringify(values.map((v) => v.slice(0, 80)))} (${how})`;
        const p = limitHeaderProblem(values, name);
        if (p) return `response: ${p} (${how})`;
      }
      // request headers RLS did not ask for reach the upstream byte for byte (unknown for damaged bytes)
      if (!g || want === "error" || note) {
        const owned = (note?.requestHeaderNames ?? []).map((n) => n.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
        const p = untouchedProblem(sent, s, owned);
        if (p) return `${p} (${how})`;
      }
    }
    return countProblem(ctx, mode, passed, note);
  };
}

/** The entries of a lease rule for this request (raw values), or null when it does not apply. */
function leaseSignature(rule: NonNullable<Mode["leaseRules"]>[number], sent: RawHeader[]): string | null {
  const values: string[] = [];
  for (const e of rule.entries) {
    if ("value" in e) { values.push(e.value); continue; }
    const v = sent.find(([k]) => k === "x-mse-consumer")?.[1];
    if (!v) return null;
    values.push(v);
  }
  return JSON.stringify([rule.name, values]);
}

/**
 * Requests admitted on the fake's word per counter (its key: domain, entries, limit, window) never
 * exceed the limit. Counted: the descriptors of a call the fake answered, and (counted lease hosts) the
 * lease rules that applied without a descriptor in the call: they took a leased token, counted by the
 * fake in the window it is spent in.
 */
function countProblem(ctx: CheckContext, mode: Mode, passed: boolean, note: AnswerNote | null): string | null {
  const st = stateOf(ctx.host, mode);
  const call = ctx.grpc[0]?.call;
  const descriptors = call ? decodeRequest(call.message, "latin1").descriptors : [];
  const sameEntries = (a: RlsEntry[], b: RlsEntry[]) => a.length === b.length && a.every((e, i) => e.key === b[i].key && e.value === b[i].value);
  // learn what a lease rule's entries look like on the wire (values not UTF-8 go as %XX)
  const leased: { rule: NonNullable<Mode["leaseRules"]>[number]; sig: string }[] = [];
  for (const rule of mode.counted ? mode.leaseRules ?? [] : []) {
    const sig = leaseSignature(rule, ctx.sent);
    if (sig === null) continue;
    const keys = rule.entries.map((e) => e.key);
    const d = descriptors.find((x) => x.entries.length === keys.length && x.entries.every((e, i) => e.key === keys[i] && (!("value" in rule.entries[i]) || e.value === (rule.entries[i] as { value: string }).value)));
    if (d) st.leaseEntries.set(sig, d.entries);
    else leased.push({ rule, sig });
  }
  if (!passed) return null;
  const admit = (key: string, limit: number, what: string): string | null => {
    const n = (st.admitted.get(key) ?? 0) + 1;
    st.admitted.set(key, n);
    return n > limit ? `admitted ${n} requests in one window where the limit is ${limit} (${what}: ${key.slice(0, 200)})` : null;
  };
  if (note?.fake) {
    for (const counted of note.fake) {
      if (!counted) continue;
      const p = admit(counted.key, counted.limit.requestsPerUnit, "on the fake RLS's answers");
      if (p) return p;
    }
  }
  for (const { rule, sig } of leased) {
    const entries = st.leaseEntries.get(sig);
    if (!entries) return `admitted with lease rule ${rule.name} applying and no descriptor for it in the call, but no call ever carried its descriptor (a token from nowhere): ${sig.slice(0, 120)}`;
    if (descriptors.some((d) => sameEntries(d.entries, entries))) continue;
    const p = admit(st.rls.keyOf(mode.domain, entries, rule.limit, ctx.at), rule.limit.requestsPerUnit, `lease ${rule.name}`);
    if (p) return p;
  }
  return null;
}

// ----- requests -----------------------------------------------------------------------------------------

const KEYS = ["k1", "k2", "k3", "vip", "gold-1", "a".repeat(30), "\xc3\xa9t\xc3\xa9", "k\xff", "9a342114-ba8a-11ec-b1bf-00163e1250b5", "",
  "102234", "308239", "a1", "b2", "value1", "value2", "consumer1", "consumer2"];
const ROUTES = ["default", "orders", "route-a", "other", ""];

export const globalRateLimit: PluginFuzzer = {
  name: "global-rate-limit",
  // "answer" first: later shapes may leave leases full or over, and then few requests call
  shapes: ["answer", "query", "cookie", "values", "headers", "path"],
  hosts(): HostSpec[] {
    const spec = (name: string, workers: number): HostSpec => ({ name, workers, config: modeOf({ name } as HostSpec)!.config, clusters: ["rls"], ownedBaggageKeys: null, check: limiterCheck(name) });
    return [spec("example", 2), spec("every-source", 2), spec("deny", 1), spec("leased", 3), spec("leased-hostile", 2), spec("higress-rules", 1),
      spec("higress-cookie", 1), spec("higress-header", 1), spec("higress-ip", 1)];
  },
  configSeeds() {
    return [
      { name: "example", config: JSON.parse(exampleConfig(EXAMPLE, "global-rate-limit")) },
      { name: "every-source", config: EVERY_SOURCE },
      { name: "deny", config: DENY },
      { name: "leased", config: LEASED },
      { name: "leased-hostile", config: LEASED_HOSTILE },
      { name: "higress-rules", config: HIGRESS_RULES },
      ...[CLUSTER_KEY_RATE_LIMIT_GLOBAL, CLUSTER_KEY_RATE_LIMIT_BY_PARAM, CLUSTER_KEY_RATE_LIMIT_BY_HEADER, CLUSTER_KEY_RATE_LIMIT_BY_IP, CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER, CLUSTER_KEY_RATE_LIMIT_BY_COOKIE]
        .map((c) => ({ name: `higress ${c.rule_name}`, config: withRls(c) })),
    ];
  },
  answerGrpc,
  request(r: Rng, { host, shape }): RequestCase {
    const consumers = host ? modeOf(host)?.consumers : undefined;
    const key = () => shape === "values" ? long(r, 10240)
      : r.weighted([[4, () => r.pick(KEYS)], [3, () => `k${r.int(r.chance(0.5) ? 30 : 1_000_000)}`], [2, () => mutate(r, r.pick(KEYS))], [1, () => text(r, 60)]] as const)();
    // the biggest answers: a request every host's configuration calls RLS for
    if (shape === "answer") {
      return { host: 0, properties: { "xds.route_name": "default", "source.address": "10.0.0.1:5000" }, headers: [[":path", "/api?apikey=9a342114-ba8a-11ec-b1bf-00163e1250b5&tenant=t1"], [":method", "GET"],
        ["x-api-key", "k1"], ["x-mse-consumer", "alice"], ["x-ca-key", "102234"], ["cookie", "key1=value1; sid=s1"], ["x-forwarded-for", "1.1.1.1"]] };
    }
    const prefix = r.pick(["/api", "/api/v1", "/login", "/orders", "/p/", "/p", "/", "/API", "/apix", "/login/../api", ""]);
    let path = shape === "path" ? pathOf(r, ["api", "p", "login"], true) : prefix + (r.chance(0.4) ? pathOf(r, ["items", "x", "1"]) : "");
    if (shape === "query" || r.chance(0.6)) path += "?" + queryString(r, ["tenant", "user", "apikey"], KEYS.concat(["t1", "t2"]), shape === "query");
    const h: RawHeader[] = [[":path", path], [":method", r.pick(["GET", "GET", "POST", "PUT", "get", "X"])]];
    if (shape === "values" || r.chance(0.7)) h.push(["x-api-key", key()]);
    if (r.chance(0.5)) h.push(["x-mse-consumer", consumers ? r.pick(consumers) : key()]);
    if (shape === "cookie" || r.chance(0.4)) h.push(["cookie", cookieHeader(r, ["sid", "user", "key1"], KEYS, shape === "cookie")]);
    if (shape === "values" || r.chance(0.3)) h.push(["x-ca-key", key()]);
    if (r.chance(0.2)) h.push(["x-forwarded-for", r.chance(0.7) ? [clientAddress(r), "1.1.1.1", "1.1.1.7", " 10.0.0.1"].slice(0, 1 + r.int(3)).join(r.pick([",", ", "])).replace(/:\d+$/, "") : text(r, 40)]);
    if (r.chance(0.1)) h.push(["content-type", r.pick(["application/grpc", "application/grpc+proto", "application/json"])]);
    if (r.chance(0.1)) h.push(["x-star", r.pick(["1", "0", ""])]);
    if (r.chance(0.05)) h.push(["baggage", `x-mse-tag=gray,${text(r, 30)}`]);
    if (shape === "headers" || r.chance(0.02)) {
      const name = r.pick(["x-api-key", "cookie", "x-star", ...(consumers ? [] : ["x-mse-consumer"])]);
      for (let i = 0; i < (shape ? 95 : 20 + r.int(70)); i++) h.push([name, name === "cookie" ? cookieHeader(r, ["sid"], KEYS) : key()]);
    }
    const advanceMs = r.chance(0.001) ? r.int(86_400_000) : r.chance(0.3) ? r.int(3000) : 0;
    return { host: 0, headers: h, advanceMs, properties: { ...routeProperties(r, r.pick(ROUTES)), "source.address": clientAddress(r) } };
  },
  statusOk(status, { s }) {
    const d = s.localResponse?.details;
    return d ? d === "request_rate_limited" || d === "rate_limiter_error" : status === 200;
  },
};
