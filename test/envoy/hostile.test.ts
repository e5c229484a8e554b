// Hostile input for each plugin on a real Envoy (--concurrency 2), each started from its example:
// one 59 KiB header value, 100 `baggage` lines, bytes that are not UTF-8, percent-encoding abuse,
// 10 KiB tenants and keys, 100,000 distinct rate-limit keys (HOSTILE_KEYS, see below), huge and
// deeply nested tokens. After each: the VM still serves (a normal request gets the normal answer),
// no request got a 5xx, Envoy's log has no Wasm failure and no VM was reloaded.
//
// Envoy refuses some inputs before any filter sees them, which is fine and asserted as such:
//   * a header block over max_request_headers_kb (60 KiB by default): 431;
//   * more than max_headers_count header lines (100 by default): 431 — so "100 baggage lines" is
//     sent twice: to the example as is (431 from Envoy) and with max_headers_count raised to 200
//     (reaches the plugin);
//   * NUL, C0 controls (but HTAB) and DEL in a header value: 400 from the HTTP/1 codec;
//   * any byte >= 0x80 in the request target (path, query) or in the host: 400 (in other header
//     values such bytes pass, and reach the plugins).
// Where a plugin's own bound would stop an input before the code under test, the example is run
// with the bound raised (jwt-auth: max_token_bytes 65536, so 59 KiB and deeply nested tokens reach
// the decoder; its 8 KiB default is checked on the example's second listener).
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  REPO_ROOT, dumpEnvoyLog, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Replacement,
} from "./envoy.ts";
import { KeepAliveConnection, httpRequest, runKeepAlive } from "./keepalive.ts";
import { startJwks } from "./jwks-server.mjs";
import { RAW_SEQUENCES } from "../scenarios/header-bytes.ts";
import { mint, ordersClaims, partnerClaims, PRIVATE_JWKS } from "../scenarios/jwt-auth.ts";

type Bytes = string | Uint8Array;
const KIB = 1024;
const cat = (...parts: Bytes[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const now = () => Math.floor(Date.now() / 1000);
/** HOSTILE_KEYS: distinct local-rate-limit keys to send (default 100,000). */
const KEYS = Number(process.env.HOSTILE_KEYS ?? 100_000);

/** A line of Envoy's log that means a Wasm VM failed (a trap, a failed callback, a dead VM). */
const WASM_FAILURE = /\[(error|critical)\]\[wasm\]|Function: \S+ failed|Wasm VM failed|wasm_fail_stream|\[critical\]/;

interface Setup {
  example: string;
  upstreams: Record<string, string>;
  listeners?: Record<number, number>;
  extra?: Replacement[];
  jwks?: boolean;
  componentLogLevel?: string;
}

/** One Envoy per describe(): its example, echo upstreams, and a scan of its whole log for Wasm failures. */
function hostileEnvoy(setup: Setup) {
  const s = {
    envoy: undefined as unknown as Envoy,
    echos: [] as Echo[],
    failures: [] as string[],
    vmsCreated: 0,
    jwks: undefined as undefined | Awaited<ReturnType<typeof startJwks>>,
  };
  before(async () => {
    const upstreams: Record<string, number> = {};
    for (const [compose, name] of Object.entries(setup.upstreams)) {
      const echo = await startEcho({ name, port: 0 });
      s.echos.push(echo);
      upstreams[compose] = echo.port;
    }
    if (setup.jwks) {
      s.jwks = await startJwks({ body: readFileSync(join(REPO_ROOT, "envoy-examples/jwt-auth/jwks.json"), "utf8") });
      upstreams.jwks = s.jwks.port;
    }
    s.envoy = await startEnvoy({
      configPath: setup.example, concurrency: 2, componentLogLevel: setup.componentLogLevel ?? "wasm:info",
      replacements: [...standardReplacements({ listeners: setup.listeners, upstreams }), ...(setup.extra ?? [])],
    });
    for (const line of s.envoy.log().split("\n")) if (WASM_FAILURE.test(line)) s.failures.push(line);
    const scan = (c: Buffer) => { for (const line of c.toString("utf8").split("\n")) if (WASM_FAILURE.test(line)) s.failures.push(line.slice(0, 400)); };
    s.envoy.proc.stdout!.on("data", scan);
    s.envoy.proc.stderr!.on("data", scan);
    s.vmsCreated = await s.envoy.stat("wasm.envoy.wasm.runtime.v8.created");
  });
  after(async () => {
    await s.envoy?.stop();
    for (const e of s.echos) await e.close();
    await s.jwks?.close();
  });
  afterEach((t) => { if (!t.passed && s.envoy) dumpEnvoyLog(s.envoy, t.name, 100); });
  return s;
}

/** The VM serves, nothing failed: the normal request's check, no Wasm failure logged, no VM reloaded. */
async function stillServes(s: ReturnType<typeof hostileEnvoy>, normal: () => Promise<void>) {
  await normal();
  assert.deepEqual(s.failures, [], "no Wasm failure in Envoy's log");
  const stats = await s.envoy.stats("^wasm\\.");
  const reloads = [...stats].filter(([k, v]) => /vm_reload($|_success|_failure)/.test(k) && v > 0);
  assert.deepEqual(reloads, [], "no VM reload");
  assert.equal(stats.get("wasm.envoy.wasm.runtime.v8.created"), s.vmsCreated, "no VM created since start-up");
}

interface Answer {
  status: number;
  body: Buffer;
  header(name: string): string | undefined;
  json<T = any>(): T;
}

/** One request as bytes, on its own connection, read by length (envoy.ts's rawRequest waits for
 *  the close, which Envoy delays by 1 s after a local reply). */
async function raw(port: number, path: Bytes, headers: Array<[string, Bytes]>): Promise<Answer> {
  const conn = await KeepAliveConnection.open(port);
  try {
    const r = await conn.send(httpRequest("GET", path, headers));
    return { ...r, json: () => JSON.parse(r.body.toString("utf8")) };
  } finally {
    conn.close();
  }
}

/** raw(), asserting the answer is not a 5xx. */
async function send(port: number, path: Bytes, headers: Array<[string, Bytes]>, what: string): Promise<Answer> {
  const r = await raw(port, path, headers);
  assert.ok(r.status > 0 && r.status < 500, `${what}: status ${r.status} ${r.body.toString("latin1").slice(0, 200)}`);
  return r;
}
/** What the echo upstream saw (undefined for a local reply). */
const seen = (r: Answer) => (r.header("x-echo-upstream") ? r.json<{ upstream: string; path: string; headers: Record<string, string | string[]> }>() : undefined);

// The bytes that are not UTF-8 (and three that are, to compare), each alone and inside text.
const RAW = RAW_SEQUENCES;
// Percent-encoding abuse: truncated, not hex, NUL, bytes that are not UTF-8 once decoded, overlong
// forms of '/' and '.', double encoding, a long run.
const PERCENT = ["%", "%2", "%zz", "%%", "%%%", "%00", "%ff%fe", "%C0%AF", "%E0%80%AE", "%2525", "%u0067", "%0D%0A", "%80", "%F4%90%80%80", "%25%32%35", "%".repeat(1000), "%41".repeat(3000)];
/** tenant-gray's sticky bucket of a tenant's bytes: uint64_be(SHA-256[0..8]) mod 100 (README). */
const bucketOf = (t: Uint8Array) => Number(createHash("sha256").update(t).digest().readBigUInt64BE(0) % 100n);
const raiseHeaderCount = (statPrefix: string): Replacement =>
  [`stat_prefix: ${statPrefix}\n`, `stat_prefix: ${statPrefix}\n          common_http_protocol_options: { max_headers_count: 200 }\n`];

// ---------------------------------------------------------------------------------------------------

describe("hostile input: baggage-tag (envoy-examples/baggage-tag, --concurrency 2)", () => {
  const s = hostileEnvoy({ example: "envoy-examples/baggage-tag/envoy.yaml", upstreams: { "echo-base": "base", "echo-gray": "gray" }, listeners: { 10001: 0 } });
  const normal = async () => {
    const r = await send(s.envoy.port, "/", [["baggage", "x-mse-tag=gray"]], "normal request");
    assert.equal(seen(r)?.upstream, "gray", "a normal request is still tagged");
  };

  test("one 59 KiB header value: read within the 8 KiB baggage bound; over 60 KiB of headers Envoy answers 431", async () => {
    const big = "b".repeat(59 * KIB);
    assert.equal(seen(await send(s.envoy.port, "/", [["baggage", `x-mse-tag=gray,big=${big}`]], "tag first"))?.upstream, "gray");
    assert.equal(seen(await send(s.envoy.port, "/", [["baggage", `big=${big},x-mse-tag=gray`]], "tag after 59 KiB"))?.upstream, "base", "a member beyond 8192 bytes is not read");
    assert.equal(seen(await send(s.envoy.port, "/", [["uberctx-x-mse-tag", big]], "59 KiB Jaeger value"))?.upstream, "base");
    assert.equal(seen(await send(s.envoy.port, "/", [["sw8-correlation", `${Buffer.from("x-mse-tag").toString("base64")}:${Buffer.from(big).toString("base64").slice(0, 59 * KIB)}`]], "59 KiB sw8"))?.upstream, "base");
    assert.equal((await raw(s.envoy.port, "/", [["baggage", "b".repeat(61 * KIB)]])).status, 431, "Envoy: headers over 60 KiB");
    await stillServes(s, normal);
  });

  test("100 baggage lines: Envoy answers 431 (over max_headers_count 100) before the plugin", async () => {
    const lines = Array.from({ length: 100 }, (_, i): [string, string] => ["baggage", i === 0 ? "x-mse-tag=gray" : `k${i}=v${i}`]);
    assert.equal((await raw(s.envoy.port, "/", lines)).status, 431);
    await stillServes(s, normal);
  });

  test("invalid UTF-8 in every baggage source: no 5xx, never tagged from the bad value", async () => {
    for (const control of [0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f]) {
      assert.equal((await raw(s.envoy.port, "/", [["baggage", cat("x-mse-tag=gr", Uint8Array.of(control), "ay")]])).status, 400, `Envoy refuses byte ${control}`);
    }
    for (const seq of RAW) {
      for (const headers of [
        [["baggage", cat("x-mse-tag=", seq)]],
        [["baggage", cat(seq, "=gray,x-mse-tag=gr", seq, "ay")]],
        [["baggage", cat("a=", seq, ";", seq, "=", seq, ",x-mse-tag=gray")]],
        [["uberctx-x-mse-tag", cat(seq)]],
        [["ot-baggage-x-mse-tag", cat("gray", seq)]],
        [["sw8-correlation", cat(Buffer.from("x-mse-tag").toString("base64"), ":", Buffer.from(seq).toString("base64"))]],
        [["sw8-correlation", cat(seq, ":", seq)]],
      ] as Array<Array<[string, Bytes]>>) {
        const r = await send(s.envoy.port, "/", headers, `${headers[0]![0]} with ${Buffer.from(seq).toString("hex")}`);
        const tagged = seen(r)?.upstream === "gray";
        // Only the third shape carries a well-formed x-mse-tag=gray member.
        assert.equal(tagged, headers[0]![1].toString().endsWith(",x-mse-tag=gray"), `${headers[0]![0]} ${Buffer.from(seq).toString("hex")}`);
      }
    }
    await stillServes(s, normal);
  });

  test("percent-encoding abuse: only a well-formed encoding of an allowed value tags", async () => {
    assert.equal(seen(await send(s.envoy.port, "/", [["baggage", "x-mse-tag=%67%72%61%79"]], "encoded gray"))?.upstream, "gray");
    assert.equal(seen(await send(s.envoy.port, "/", [["uberctx-x-mse-tag", "%67ray"]], "Jaeger encoded gray"))?.upstream, "gray");
    for (const p of PERCENT) {
      for (const headers of [[["baggage", `x-mse-tag=${p}`]], [["baggage", `x-mse-tag=gr${p}ay`]], [["baggage", `${p}=gray`]], [["uberctx-x-mse-tag", `gray${p}`]], [["baggage", `tenant=${p}`]]] as Array<Array<[string, string]>>) {
        const r = await send(s.envoy.port, "/", headers, `${headers[0]![0]}: ${headers[0]![1].slice(0, 40)}`);
        assert.equal(seen(r)?.upstream, "base", `${headers[0]![0]}: ${headers[0]![1].slice(0, 40)}`);
      }
    }
    await stillServes(s, normal);
  });

  test("10 KiB tenant and tag values are rejected by max_length; the request goes on", async () => {
    const ten = "t".repeat(10 * KIB);
    // (The tag first: members beyond the first 8192 bytes are not read, see the 59 KiB test.)
    const r = await send(s.envoy.port, "/", [["baggage", `x-mse-tag=gray,tenant=${ten}`]], "10 KiB tenant");
    assert.equal(seen(r)?.upstream, "gray");
    assert.equal(seen(r)?.headers["x-tenant"], undefined, "longer than max_length 16: no x-tenant");
    assert.equal(seen(await send(s.envoy.port, "/", [["baggage", `x-mse-tag=${"g".repeat(10 * KIB)}`]], "10 KiB tag"))?.upstream, "base");
    assert.equal(seen(await send(s.envoy.port, "/", [["uberctx-tenant", ten], ["ot-baggage-tenant", ten]], "10 KiB tenants elsewhere"))?.headers["x-tenant"], undefined);
    await stillServes(s, normal);
  });
});

describe("hostile input: baggage-tag with max_headers_count 200", () => {
  const s = hostileEnvoy({
    example: "envoy-examples/baggage-tag/envoy.yaml", upstreams: { "echo-base": "base", "echo-gray": "gray" }, listeners: { 10001: 0 },
    extra: [raiseHeaderCount("lanes")],
  });
  test("100 baggage lines reach the plugin: the first 64 members are read, the rest are not", async () => {
    const lines = (tagAt: number) => Array.from({ length: 100 }, (_, i): [string, string] => ["baggage", i === tagAt ? "x-mse-tag=gray" : `k${i}=v${i}`]);
    assert.equal(seen(await send(s.envoy.port, "/", lines(10), "tag in line 11"))?.upstream, "gray");
    assert.equal(seen(await send(s.envoy.port, "/", lines(99), "tag in line 100"))?.upstream, "base", "member 100 is beyond the 64 members read");
    await stillServes(s, async () => assert.equal(seen(await send(s.envoy.port, "/", [["baggage", "x-mse-tag=gray"]], "normal"))?.upstream, "gray"));
  });
});

// ---------------------------------------------------------------------------------------------------

describe("hostile input: tenant-gray (envoy-examples/tenant-gray, --concurrency 2)", () => {
  const s = hostileEnvoy({
    example: "envoy-examples/tenant-gray/envoy.yaml", upstreams: { "echo-base": "base", "echo-gray": "gray" }, listeners: { 10001: 0 },
    extra: [raiseHeaderCount("saas")],
  });
  const lane = async (path: Bytes, headers: Array<[string, Bytes]>, what: string) => seen(await send(s.envoy.port, path, headers, what))?.upstream;
  const normal = async () => assert.equal(await lane("/", [["x-tenant-id", "acme"]], "normal"), "gray", "a normal request still gets its lane");

  test("one 59 KiB tenant (header, cookie, query, baggage): too long, skipped, the next source decides", async () => {
    const big = "a".repeat(59 * KIB);
    assert.equal(await lane("/", [["x-tenant-id", big]], "59 KiB header"), "base");
    assert.equal(await lane("/", [["x-tenant-id", big], ["cookie", "tenant=acme"]], "59 KiB header, then cookie"), "gray");
    assert.equal(await lane("/", [["cookie", `tenant=${big.slice(0, 58 * KIB)}; x=1`]], "58 KiB cookie"), "base");
    assert.equal(await lane(`/?tenant=${big.slice(0, 58 * KIB)}`, [], "58 KiB query"), "base");
    assert.equal(await lane(`/t/${big.slice(0, 58 * KIB)}/x`, [], "58 KiB path segment"), "base");
    const r = await send(s.envoy.port, "/", [["x-tenant-id", "acme"], ["baggage", `big=${big}`]], "59 KiB baggage rewritten");
    const baggage = String(seen(r)?.headers.baggage ?? "");
    assert.equal(seen(r)?.upstream, "gray");
    assert.ok(Buffer.byteLength(baggage) <= 8192 && baggage.includes("x-mse-tag=gray"), `baggage within 8192 bytes with the tag (${Buffer.byteLength(baggage)} bytes)`);
    await stillServes(s, normal);
  });

  test("100 baggage lines (max_headers_count 200): cut to 64 members; the tag goes into the header, not into a full baggage", async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i): [string, string] => ["baggage", `k${i}=${"v".repeat(100)}`]);
    const fits = seen(await send(s.envoy.port, "/", [["x-tenant-id", "acme"], ...lines(30)], "30 lines"))!;
    assert.equal(fits.upstream, "gray");
    assert.deepEqual(String(fits.headers.baggage).split(","), [...lines(30).map(([, v]) => v), "x-mse-tag=gray"], "30 lines joined, the tag appended");
    const full = seen(await send(s.envoy.port, "/", [["x-tenant-id", "acme"], ...lines(100)], "100 lines"))!;
    assert.equal(full.upstream, "gray");
    assert.equal(full.headers["x-mse-tag"], "gray");
    // README: a longer baggage is cut after its last member within 64 members / 8192 bytes, and
    // when the tag does not fit the baggage goes on without it.
    assert.deepEqual(String(full.headers.baggage).split(","), lines(64).map(([, v]) => v));
    await stillServes(s, normal);
  });

  test("invalid UTF-8 tenants: tenants like any other (their bytes hashed for the sticky 10%); Envoy refuses them in the path", async () => {
    // The sticky percentage of the global configuration (10%) hashes the tenant's bytes as they came.
    const expected = (t: Uint8Array) => (bucketOf(t) < 10 ? "gray" : "base");
    for (const seq of RAW) {
      const hex = Buffer.from(seq).toString("hex");
      assert.equal(await lane("/", [["x-tenant-id", cat("acme", seq)]], `header ${hex}`), expected(cat("acme", seq)), `header ${hex}`);
      assert.equal(await lane("/", [["cookie", cat("tenant=", seq, "acme")]], `cookie ${hex}`), expected(cat(seq, "acme")), `cookie ${hex}`);
      assert.equal((await raw(s.envoy.port, cat("/t/", seq, "/x"), [])).status, 400, `Envoy refuses byte ${hex} in the path`);
      assert.equal((await raw(s.envoy.port, "/", [["host", cat(seq, ".tenants.example.com")]])).status, 400, `Envoy refuses byte ${hex} in the host`);
      assert.equal(await lane("/", [["x-tenant-id", "acme"], ["baggage", cat("k=", seq, ",x-mse-tag=", seq)]], `baggage ${hex}`), "gray");
    }
    await stillServes(s, normal);
  });

  test("percent-encoding abuse in query and path: only well-formed encodings decode", async () => {
    assert.equal(await lane("/?tenant=%61cme", [], "encoded acme"), "gray");
    assert.equal(await lane("/t/%61cme/x", [], "encoded path acme"), "gray");
    for (const p of PERCENT) {
      assert.equal(await lane(`/?tenant=${p}`, [], `query ${p.slice(0, 20)}`), "base");
      assert.equal(await lane(`/?tenant=ac${p}me`, [], `query ac${p.slice(0, 20)}me`), "base");
      assert.equal(await lane(`/t/${p}/x`, [], `path ${p.slice(0, 20)}`), "base");
      assert.equal(await lane(`/t/a${p}cme/x`, [], `path a${p.slice(0, 20)}cme`), "base");
    }
    await stillServes(s, normal);
  });

  test("10 KiB tenants: longer than max_tenant_length, skipped; a 10 KiB host label is refused or ignored", async () => {
    const ten = "acme" + "x".repeat(10 * KIB);
    assert.equal(await lane("/", [["x-tenant-id", ten]], "10 KiB header"), "base");
    assert.equal(await lane("/", [["cookie", `tenant=${ten}`]], "10 KiB cookie"), "base");
    assert.equal(await lane(`/?tenant=${ten}`, [], "10 KiB query"), "base");
    assert.equal(await lane(`/t/${ten}/x`, [], "10 KiB path"), "base");
    assert.equal(await lane("/", [["host", `${ten}.tenants.example.com`]], "10 KiB host label"), "base");
    assert.equal(await lane("/", [["x-tenant-id", "beta-" + "x".repeat(10 * KIB)]], "10 KiB prefixed tenant"), "base");
    await stillServes(s, normal);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("hostile input: local-rate-limit (envoy-examples/local-rate-limit, --concurrency 2)", () => {
  const s = hostileEnvoy({
    example: "envoy-examples/local-rate-limit/envoy.yaml", upstreams: { echo: "echo" }, listeners: { 10001: 0, 10002: 0 },
    extra: [raiseHeaderCount("limits")], componentLogLevel: "wasm:warning",
  });
  const limitOf = (r: Answer) => `${r.status} ${r.header("x-ratelimit-remaining")}/${r.header("x-ratelimit-limit")}`;
  const normal = async () => {
    const r = await send(s.envoy.port, "/api/items", [["x-api-key", "vip-1"]], "normal");
    assert.equal(r.status, 200);
    assert.equal(r.header("x-ratelimit-limit"), "100", "vip-1's own limit");
  };

  test("a 59 KiB key has its own bucket (stored as a digest); one byte more is another key", async () => {
    const key = "k".repeat(59 * KIB - 200);
    const got = [];
    for (let i = 0; i < 6; i++) got.push(limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", key]], `59 KiB key, request ${i}`)));
    assert.deepEqual(got, ["200 4/5", "200 3/5", "200 2/5", "200 1/5", "200 0/5", "429 0/5"]);
    assert.equal(limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", key + "!"]], "59 KiB key + 1 byte")), "200 4/5");
    assert.equal((await raw(s.envoy.port, "/api/items", [["x-api-key", "k".repeat(61 * KIB)]])).status, 431, "Envoy: headers over 60 KiB");
    await stillServes(s, normal);
  });

  test("100 cookie lines next to 90 baggage lines (max_headers_count 200): one session key", async () => {
    const cookies = Array.from({ length: 100 }, (_, i): [string, string] => ["cookie", `c${i}=${i}; sid=hostile-100`]);
    const baggage = Array.from({ length: 90 }, (_, i): [string, string] => ["baggage", `k${i}=v${i}`]);
    const got = [];
    for (let i = 0; i < 6; i++) got.push(limitOf(await send(s.envoy.port, "/cart", [...cookies, ...baggage], `request ${i}`)));
    assert.deepEqual(got, ["200 4/5", "200 3/5", "200 2/5", "200 1/5", "200 0/5", "429 0/5"], "4/hour + burst 1");
    await stillServes(s, normal);
  });

  test("invalid UTF-8 keys: each byte sequence is a key of its own", async () => {
    for (const seq of RAW) {
      const key = cat("bad-", seq);
      const a = limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", key]], `key ${Buffer.from(seq).toString("hex")}`));
      const b2 = limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", key]], `key ${Buffer.from(seq).toString("hex")} again`));
      assert.deepEqual([a, b2], ["200 4/5", "200 3/5"], Buffer.from(seq).toString("hex"));
      assert.equal((await raw(s.envoy.port, cat("/search?tenant=", seq), [])).status, 400, "Envoy refuses bytes >= 0x80 in the request target");
      assert.equal((await send(s.envoy.port, `/search?tenant=${[...seq].map((x) => `%${x.toString(16)}`).join("")}`, [], "percent-encoded")).status, 200);
      assert.equal((await send(s.envoy.port, "/cart", [["cookie", cat("sid=", seq)]], "raw cookie")).status, 200);
    }
    await stillServes(s, normal);
  });

  test("percent-encoding abuse: a decodable value is one key however it is encoded; an undecodable one is absent", async () => {
    // per-tenant: 3 a day, form-decoded: bar, b%61r and ba%72 are one key.
    const got = [];
    for (const v of ["bar", "b%61r", "ba%72", "%62%61%72"]) got.push((await send(s.envoy.port, `/search?tenant=${v}`, [], v)).status);
    assert.deepEqual(got, [200, 200, 200, 429]);
    for (const p of PERCENT) {
      // Undecodable: no key, and the rule has no limit_missing, so never limited.
      const r = await send(s.envoy.port, `/search?tenant=${p}`, [], `tenant=${p.slice(0, 20)}`);
      assert.equal(r.status, 200);
    }
    await stillServes(s, normal);
  });

  test("10 KiB keys in every source", async () => {
    const ten = (c: string) => c.repeat(10 * KIB);
    assert.equal(limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", ten("a")]], "header")), "200 4/5");
    assert.equal(limitOf(await send(s.envoy.port, `/search?tenant=${ten("b")}`, [], "query")), "200 2/3");
    assert.equal(limitOf(await send(s.envoy.port, "/cart", [["cookie", `sid=${ten("c")}`]], "cookie")), "200 4/5");
    // Values over 4096 characters never match a regexp (README): gold-<10 KiB> gets the default limit.
    assert.equal(limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", `gold-${ten("d")}`]], "regexp key")), "200 4/5");
    await stillServes(s, normal);
  });

  test(`${KEYS.toLocaleString("en")} distinct keys over keep-alive connections: each gets a bucket (evictions), an emptied key stays limited, never a failure`, { timeout: 600_000 }, async (t) => {
    // A key that used up its 5 a minute before the flood.
    const victim = [];
    const emptied = Date.now();
    for (let i = 0; i < 6; i++) victim.push(limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", "victim"]], "victim")));
    assert.deepEqual(victim, ["200 4/5", "200 3/5", "200 2/5", "200 1/5", "200 0/5", "429 0/5"]);
    const before = await s.envoy.stats("wasmcustom\\.local_rate_limit\\.per-key\\.");
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    let sent = 0;
    const started = Date.now();
    await runKeepAlive({
      port: s.envoy.port, connections: 16,
      next: () => (sent < KEYS ? { bytes: httpRequest("GET", "/api/items", [["x-api-key", `distinct-${sent++}`]]), tag: sent } : undefined),
      onResponse: (r) => statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1),
      onError: (e) => { if (errors.length < 5) errors.push(e.message); },
    });
    const seconds = (Date.now() - started) / 1000;
    const after = await s.envoy.stats("wasmcustom\\.local_rate_limit\\.per-key\\.");
    const delta = (n: string) => (after.get(`wasmcustom.local_rate_limit.per-key.${n}`) ?? 0) - (before.get(`wasmcustom.local_rate_limit.per-key.${n}`) ?? 0);
    t.diagnostic(`${KEYS} keys in ${seconds.toFixed(1)} s (${Math.round(KEYS / seconds)}/s): statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `allowed ${delta("allowed")}, limited ${delta("limited")}, overflow ${delta("overflow")}, contention ${delta("contention")}, error ${delta("error")}`);
    assert.deepEqual(errors, [], "every request answered");
    assert.deepEqual([...statuses.keys()].filter((st) => st !== 200 && st !== 429), [], "only 200 and 429");
    assert.equal(delta("allowed") + delta("limited"), KEYS, "every request counted");
    assert.equal(delta("error"), 0);
    // The key table has 10,000 slots (max_keys): past them each new key evicts the bucket nearest
    // to full (counted in `overflow`) and starts full, so every one of them is admitted; the
    // emptied key's bucket needs the longest to refill and is never the one evicted.
    assert.equal(statuses.get(200), KEYS, "every distinct key admitted once");
    assert.ok(delta("overflow") >= KEYS - 10_000, `evictions ${delta("overflow")}`);
    // Refill gives it one token per 12 s meanwhile; an eviction would have given it a full bucket.
    const t0 = Date.now();
    const victimAfter = limitOf(await send(s.envoy.port, "/api/items", [["x-api-key", "victim"]], "victim after the flood"));
    const refilled = [Math.floor((t0 - emptied - 500) / 12_000), Math.floor((Date.now() - emptied + 500) / 12_000)].map((n) => Math.min(5, Math.max(0, n)));
    const allowed = new Set(refilled.map((n) => (n === 0 ? "429 0/5" : `200 ${n - 1}/5`)));
    assert.ok(allowed.has(victimAfter), `victim after the flood: ${victimAfter}, refill allows ${[...allowed].join(" or ")}`);
    t.diagnostic(`the emptied key after the flood: ${victimAfter} (${((t0 - emptied) / 1000).toFixed(1)} s after it was emptied)`);
    await stillServes(s, normal);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("hostile input: jwt-auth (envoy-examples/jwt-auth, --concurrency 2)", () => {
  // The example refuses tokens over 8192 bytes before decoding them; a second listener-wide copy of
  // the configuration is not needed: max_token_bytes is raised to its maximum (65536) so that huge
  // tokens reach the decoder and the JSON parser (the example's own 8 KiB bound is tested too).
  const s = hostileEnvoy({
    example: "envoy-examples/jwt-auth/envoy.yaml", upstreams: { echo: "echo" }, listeners: { 10001: 0 }, jwks: true,
    extra: [raiseHeaderCount("api"), ['"global_auth": true,\n', '"global_auth": true, "max_token_bytes": 65536,\n']],
  });
  const orders = (extra: Record<string, unknown> = {}, alg: "ES256" | "EdDSA" | "RS256" = "ES256") => mint(alg, ordersClaims(now(), extra));
  const normal = async () => {
    const r = await send(s.envoy.port, "/orders", [["authorization", `Bearer ${await orders()}`]], "normal");
    assert.equal(r.status, 200);
    assert.equal(seen(r)?.headers["x-mse-consumer"], "orders-app");
  };
  const denied = async (headers: Array<[string, Bytes]>, what: string, path: Bytes = "/orders") => {
    const r = await send(s.envoy.port, path, headers, what);
    assert.equal(r.status, 401, `${what}: ${r.body.toString("latin1").slice(0, 200)}`);
    return JSON.parse(r.body.toString("utf8")).error as string;
  };
  const b64 = (x: Bytes) => Buffer.from(x).toString("base64url");
  const header = b64(JSON.stringify({ alg: "ES256", typ: "JWT", kid: "es256-test" }));

  test("a 59 KiB token reaches the decoder (max_token_bytes 65536) and is refused; over 60 KiB of headers Envoy answers 431", async () => {
    const good = await orders();
    const [h, , sig] = good.split(".");
    // A payload that is JSON, padded to 59 KiB, under the original signature.
    const padded = `${h}.${b64(JSON.stringify({ ...ordersClaims(now()), pad: "p".repeat(44 * KIB) }))}.${sig}`;
    assert.ok(padded.length > 59 * KIB && padded.length < 59.5 * KIB, `${padded.length}`);
    assert.equal(await denied([["authorization", `Bearer ${padded}`]], "59 KiB bearer"), "signature_invalid");
    assert.equal(await denied([["authorization", `Bearer ${h}.${"A".repeat(59 * KIB - 200)}.${sig}`]], "59 KiB of zero bytes"), "token_malformed");
    assert.equal(await denied([["authorization", `Bearer ${"x".repeat(59 * KIB)}`]], "59 KiB garbage"), "token_malformed");
    await denied([["x-partner-token", padded]], "59 KiB partner token");
    await denied([["cookie", `partner_token=${padded}`]], "59 KiB cookie");
    assert.equal((await raw(s.envoy.port, "/orders", [["authorization", `Bearer ${"x".repeat(61 * KIB)}`]])).status, 431);
    await stillServes(s, normal);
  });

  test("the example's own bound: tokens over 8192 bytes are refused unread (token_too_large)", async () => {
    // Listener 10001 (remote JWKS) runs without max_token_bytes: the default 8192.
    const port = s.envoy.listeners.get("api-remote")!;
    const r = await raw(port, "/", [["authorization", `Bearer ${"a".repeat(9000)}.b.c`]]);
    assert.equal(r.status, 401);
    assert.equal(r.json().error, "token_too_large");
    await stillServes(s, normal);
  });

  test("100 authorization lines, 100 access_token parameters, 100 cookie lines (max_headers_count 200): too many tokens", async () => {
    const token = await orders();
    const lines = Array.from({ length: 100 }, (): [string, string] => ["authorization", `Bearer ${token}`]);
    const r = await send(s.envoy.port, "/orders", lines, "100 authorization lines");
    assert.ok(r.status === 200 || r.status === 401, `status ${r.status}`);
    assert.equal(await denied([], "100 access_token", `/orders?${Array.from({ length: 100 }, () => `access_token=${token}`).join("&")}`), "too_many_tokens");
    // Envoy joins the lines with ",", which separates cookie pairs too: 100 tokens, too many.
    await denied(Array.from({ length: 100 }, (): [string, string] => ["cookie", `partner_token=x${Math.random()}`]), "100 cookies");
    assert.equal(await denied(Array.from({ length: 100 }, (_, i): [string, string] => ["baggage", `k${i}=v`]), "100 baggage lines, no token"), "token_missing");
    await stillServes(s, normal);
  });

  test("invalid UTF-8: in the header value, and signed into the token's header and claims", async () => {
    for (const seq of RAW) {
      const hex = Buffer.from(seq).toString("hex");
      await denied([["authorization", cat("Bearer ", seq)]], `raw bearer ${hex}`);
      await denied([["authorization", cat("Bearer ", header, ".", seq, ".", seq)]], `raw segments ${hex}`);
      // Properly signed tokens whose JSON holds bytes that are not UTF-8.
      const payload = cat('{"iss":"https://idp.example.com","aud":"orders-api","sub":"', seq, '","tenant":"t', seq, '","exp":', String(now() + 600), "}");
      const r = await send(s.envoy.port, "/orders", [["authorization", `Bearer ${await signRaw("ES256", cat('{"alg":"ES256","kid":"es256-test"}'), payload)}`]], `signed claims ${hex}`);
      assert.ok(r.status === 200 || r.status === 401, `signed claims ${hex}: ${r.status}`);
      const hdr = cat('{"alg":"ES256","kid":"es256-test","x":"', seq, '"}');
      const r2 = await send(s.envoy.port, "/orders", [["authorization", `Bearer ${await signRaw("ES256", hdr, cat(JSON.stringify(ordersClaims(now()))))}`]], `signed header ${hex}`);
      assert.ok(r2.status === 200 || r2.status === 401, `signed header ${hex}: ${r2.status}`);
    }
    await stillServes(s, normal);
  });

  test("percent-encoding abuse in token parameters and cookies", async () => {
    const token = await orders();
    const encoded = token.replace(/[A-Za-z]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
    const r = await send(s.envoy.port, `/orders?access_token=${encoded}`, [], "fully percent-encoded token");
    assert.ok(r.status === 200 || r.status === 401);
    for (const p of PERCENT) {
      await denied([], `access_token=${p.slice(0, 20)}`, `/orders?access_token=${p}`);
      await denied([], `token with ${p.slice(0, 20)}`, `/orders?access_token=${token.slice(0, 20)}${p}${token.slice(20)}`);
      await denied([["cookie", `partner_token=${p}`]], `cookie ${p.slice(0, 20)}`);
    }
    await stillServes(s, normal);
  });

  test("nested and oversized JSON in signed tokens: refused past the decoder's limits, never a failure", async (t) => {
    // Signed with the real ES256 key, so every token reaches the JSON parser of its header and
    // payload (limits in assembly/crypto/jws.ts: header 4 KiB / depth 8 / 256 values, payload
    // 64 KiB / depth 16 / 4096 values).
    const deepA = (n: number) => "[".repeat(n) + "]".repeat(n);
    const deepO = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
    const H = '{"alg":"ES256","kid":"es256-test"}';
    const base = () => `"iss":"https://idp.example.com","aud":"orders-api","exp":${now() + 600}`;
    const cases: Array<[what: string, header: string, payload: () => string, expect: string]> = [
      ["a claim nested 20,000 arrays deep", H, () => `{${base()},"realm":${deepA(20_000)}}`, "401 token_malformed"],
      ["a claim nested 5,000 objects deep", H, () => `{${base()},"realm":${deepO(5_000)}}`, "401 token_malformed"],
      ["a payload 17 deep (limit 16)", H, () => `{${base()},"realm":${deepO(16)}}`, "401 token_malformed"],
      ["a payload 15 deep", H, () => `{${base()},"realm":${deepO(14)}}`, "200 orders-app"],
      ["a protected header nested 20,000 deep", `{"alg":"ES256","kid":"es256-test","x":${deepA(20_000)}}`, () => `{${base()}}`, "401 token_malformed"],
      ["a protected header 9 deep (limit 8)", `{"alg":"ES256","kid":"es256-test","x":${deepO(8)}}`, () => `{${base()}}`, "401 token_malformed"],
      ["2,500 claims", H, () => `{${base()},${Array.from({ length: 2500 }, (_, i) => `"c${i}":${i}`).join(",")}}`, "200 orders-app"],
      ["4,100 claims (limit 4096 values)", H, () => `{${base()},${Array.from({ length: 4100 }, (_, i) => `"c${i}":0`).join(",")}}`, "401 token_malformed"],
      ["a 34 KiB sub of escapes (NUL, a lone surrogate, LF)", H, () => `{${base()},"sub":"${"\\u0000\\ud800\\n".repeat(2500)}"}`, "?"],
      ["huge numbers", H, () => `{"iss":"https://idp.example.com","aud":"orders-api","exp":1e99999,"iat":-1e308,"nbf":${"9".repeat(5000)}}`, "?"],
      ["a duplicate alg in the header", '{"alg":"ES256","kid":"es256-test","alg":"none"}', () => `{${base()}}`, "401 token_malformed"],
      ["a 10 KiB tenant and role", H, () => `{${base()},"tenant":"${"t".repeat(10 * KIB)}","realm":{"roles":["${"r".repeat(10 * KIB)}"]}}`, "200 orders-app"],
    ];
    const results: string[] = [];
    for (const [what, h, payload, expect] of cases) {
      const token = await signRaw("ES256", h, payload());
      const r = await send(s.envoy.port, "/orders", [["authorization", `Bearer ${token}`]], `${what} (${token.length} bytes)`);
      const got = r.status === 200 ? `200 ${seen(r)?.headers["x-mse-consumer"]}` : `${r.status} ${r.json().error}`;
      results.push(`${what} (${token.length} bytes): ${got}`);
      if (expect !== "?") assert.equal(got, expect, what);
      else assert.ok(got === "200 orders-app" || got.startsWith("401 "), `${what}: ${got}`);
      if (what.includes("10 KiB tenant")) {
        assert.equal(seen(r)?.headers["x-jwt-tenant"], "t".repeat(10 * KIB), "a 10 KiB claim becomes a 10 KiB header");
        assert.equal(seen(r)?.headers["x-jwt-roles"], `["${"r".repeat(10 * KIB)}"]`);
      }
      if (what.includes("escapes") && r.status === 200) assert.equal(seen(r)?.headers["x-user-id"], undefined, "a claim with NUL or LF sets no header");
    }
    for (const line of results) t.diagnostic(line);
    await stillServes(s, normal);
  });

  // Reported, not fixed here (plugins/ and assembly/ are not this branch's to change): a cookie in
  // a second `cookie` header line is never seen. Envoy 1.40 hands a repeated header to the Wasm
  // module joined with "," (proxy_get_header_map_value), so two lines arrive as "a=1,partner_token=…",
  // and the SDK's cookie parsing (RequestView.cookieHeader, "Envoy joins repeated ones with '; '")
  // splits on ";" only: the same single line "a=1,partner_token=…" gives token_missing too, while
  // "a=1; partner_token=…" passes. RFC 6265 clients send one line, but a client may send two over
  // HTTP/1.1 and upstreams such as Node join them with "; ". So a forged partner_token in a second
  // line reaches the upstream next to a verified identity, unchecked (keep_token: false would have
  // removed it), the hole 4594dda closed for repeated query parameters. (A comma cannot occur in a
  // cookie-octet, so treating "," like ";" between pairs would fix it.)
  test("every cookie line is read: a forged token in a second cookie line denies", async () => {
    const forged = await send(s.envoy.port, "/orders", [["authorization", `Bearer ${await orders()}`], ["cookie", "a=1"], ["cookie", "partner_token=forged.token.here"]], "forged 2nd line");
    assert.equal(forged.status, 401, `status ${forged.status}, upstream cookie ${JSON.stringify(seen(forged)?.headers.cookie)}`);
    const second = await send(s.envoy.port, "/orders", [["cookie", "a=1"], ["cookie", `partner_token=${await mint("HS256", partnerClaims(now()))}`]], "valid 2nd line");
    assert.equal(second.status, 200, "a valid partner token in a second cookie line");
    assert.equal(await denied(Array.from({ length: 100 }, (): [string, string] => ["cookie", `partner_token=x${Math.random()}`]), "100 cookie lines"), "too_many_tokens");
  });

  test("10 KiB tenants sent by the client never reach the upstream", async () => {
    const r = await send(s.envoy.port, "/public/x", [["x-jwt-tenant", "t".repeat(10 * KIB)], ["x-mse-consumer", "c".repeat(10 * KIB)]], "spoofed 10 KiB");
    assert.equal(seen(r)?.headers["x-jwt-tenant"], undefined);
    assert.equal(seen(r)?.headers["x-mse-consumer"], undefined);
    await stillServes(s, normal);
  });
});

/** A compact JWS over raw header and payload bytes (which need not be UTF-8), signed with the test key. */
async function signRaw(alg: "ES256", headerBytes: Bytes, payloadBytes: Bytes): Promise<string> {
  const { createPrivateKey, sign } = await import("node:crypto");
  const key = createPrivateKey({ key: PRIVATE_JWKS[alg] as any, format: "jwk" });
  const input = `${Buffer.from(headerBytes).toString("base64url")}.${Buffer.from(payloadBytes).toString("base64url")}`;
  const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}
