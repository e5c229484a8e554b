// Header values are bytes, on a real Envoy 1.40 over raw sockets (node:http will not send them):
//  - which bytes Envoy refuses in a request header value a filter writes (the rule the SDK and the
//    emulator encode), measured through the sdk-probe fixture;
//  - issue 8 part 5: baggage holding bytes that are not UTF-8 (overlong `\xc0\x9c`, `\xc3X`, `\xff`,
//    ...) in a request that baggage-tag or tenant-gray rewrites the baggage of. Before the fix Envoy
//    answered 503 (the SDK wrote back the control bytes its lenient decoder made of them) or the
//    upstream got other bytes; now no 5xx, and every other member reaches the upstream byte for byte.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dumpEnvoyLog, rawRequest, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { buildFixture, FIXTURE_DIR } from "../fixtures/build.ts";
import { bin, RAW_SEQUENCES, routerRefusal, routerRefuses } from "../scenarios/header-bytes.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const cat = (...parts: Array<string | Uint8Array>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
/** What the echo upstream received for `name` (its latin1 strings are the bytes). */
const upstreamBytes = (json: { headers: Record<string, string | string[]> }, name: string) => {
  const v = json.headers[name];
  return v === undefined ? undefined : Buffer.from(Array.isArray(v) ? v.join(",") : v, "latin1");
};

/** The three sequences of the issue first, then the rest. */
const SEQUENCES = [Uint8Array.of(0xc0, 0x9c), Uint8Array.of(0xc3, 0x58), Uint8Array.of(0xff), ...RAW_SEQUENCES];

function useEnvoy(configPath: string, upstreams: string[], wasmDir?: string) {
  const state = { envoy: undefined as unknown as Envoy, echos: [] as Echo[] };
  before(async () => {
    for (const name of upstreams) state.echos.push(await startEcho({ name, port: 0 }));
    state.envoy = await startEnvoy({
      configPath,
      replacements: standardReplacements({
        wasmDir,
        upstreams: Object.fromEntries(upstreams.map((name, i) => [`echo-${name}`, state.echos[i].port])),
        listeners: configPath.startsWith("envoy-examples/") ? { 10001: 0 } : {},
      }),
    });
  });
  after(async () => {
    await state.envoy?.stop();
    for (const e of state.echos) await e.close();
  });
  afterEach((t) => { if (!t.passed && state.envoy) dumpEnvoyLog(state.envoy, t.name); });
  return state;
}

describe("the bytes Envoy refuses in a request header value a filter writes (sdk-probe, raw)", () => {
  before(() => buildFixture("sdk-probe"));
  const s = useEnvoy("test/envoy/fixtures/sdk-probe.yaml", ["base", "gray", "callout"], FIXTURE_DIR);

  test("every byte in the middle of a value: NUL, C0 controls but HTAB, and DEL give 503; the rest passes byte for byte", async () => {
    for (let b = 0; b < 256; b++) {
      const value = Uint8Array.of(0x61, b, 0x62);
      const r = await request(s.envoy.port, "/", { headers: [["x-probe", "raw"], ["x-probe-hex", hex(value)]] });
      if (routerRefuses(b)) {
        assert.equal(r.status, 503, `byte 0x${b.toString(16)}`);
        assert.equal(r.body, routerRefusal("x-probe-out").body);
      } else {
        assert.equal(r.status, 200, `byte 0x${b.toString(16)}`);
        assert.equal(hex(upstreamBytes(r.json(), "x-probe-out")!), hex(value), `byte 0x${b.toString(16)}`);
      }
    }
    const details = routerRefusal("x-probe-out").details.replace(/[{}]/g, "\\$&");
    await s.envoy.waitForLog(new RegExp(`access 503 ${details} 610062`));
  });

  test("leading or trailing SP and HTAB, a lone SP and the empty value are accepted", async () => {
    for (const value of ["2061", "6120", "0961", "6109", "20", "09", ""]) {
      const r = await request(s.envoy.port, "/", { headers: [["x-probe", "raw"], ["x-probe-hex", value]] });
      assert.equal(r.status, 200, `value ${value}`);
    }
  });
});

describe("baggage-tag rewrites baggage holding bytes that are not UTF-8", () => {
  const s = useEnvoy("envoy-examples/baggage-tag/envoy.yaml", ["base", "gray"]);

  test("a tag from Jaeger baggage is appended; the other members reach the upstream byte for byte", async () => {
    for (const seq of SEQUENCES) {
      const baggage = cat("k=v,a=", seq, ",z=1");
      const r = await rawRequest(s.envoy.port, "/", [["uberctx-x-mse-tag", "gray"], ["baggage", baggage]]);
      assert.equal(r.status, 200, `a=${hex(seq)}: ${r.body.toString("latin1")}`);
      const seen = r.json();
      assert.equal(seen.upstream, "gray");
      assert.equal(bin(upstreamBytes(seen, "baggage")!), bin(cat(baggage, ",x-mse-tag=gray")), `a=${hex(seq)}`);
    }
  });

  test("baggage the plugin only reads is not touched", async () => {
    for (const seq of SEQUENCES) {
      const baggage = cat("a=", seq, ",x-mse-tag=gray");
      const r = await rawRequest(s.envoy.port, "/", [["baggage", baggage]]);
      assert.equal(r.status, 200, `a=${hex(seq)}`);
      assert.equal(r.json().upstream, "gray");
      assert.equal(bin(upstreamBytes(r.json(), "baggage")!), bin(baggage));
    }
  });
});

describe("tenant-gray rewrites baggage holding bytes that are not UTF-8", () => {
  const s = useEnvoy("envoy-examples/tenant-gray/envoy.yaml", ["base", "gray"]);

  test("a gray tenant: x-mse-tag=gray appended (a client's member replaced), the rest byte for byte", async () => {
    for (const seq of SEQUENCES) {
      for (const [sent, expected] of [
        [cat("k=v,a=", seq, ",z=1"), cat("k=v,a=", seq, ",z=1,x-mse-tag=gray")],
        [cat("x-mse-tag=blue,a=", seq, ",z=1"), cat("a=", seq, ",z=1,x-mse-tag=gray")],
      ]) {
        const r = await rawRequest(s.envoy.port, "/", [["x-tenant-id", "acme"], ["baggage", sent]]);
        assert.equal(r.status, 200, `a=${hex(seq)}: ${r.body.toString("latin1")}`);
        assert.equal(r.json().upstream, "gray");
        assert.equal(bin(upstreamBytes(r.json(), "baggage")!), bin(expected), `a=${hex(seq)}`);
      }
    }
  });

  test("override: a tenant in no lane loses the client's x-mse-tag member, the rest byte for byte", async () => {
    for (const seq of SEQUENCES) {
      const r = await rawRequest(s.envoy.port, "/", [["x-tenant-id", "hooli"], ["baggage", cat("x-mse-tag=gray,a=", seq, ",z=1")]]);
      assert.equal(r.status, 200, `a=${hex(seq)}: ${r.body.toString("latin1")}`);
      assert.equal(r.json().upstream, "base");
      assert.equal(bin(upstreamBytes(r.json(), "baggage")!), bin(cat("a=", seq, ",z=1")), `a=${hex(seq)}`);
    }
  });

  test("a tenant id that is not UTF-8 is a tenant in no lane, not an error", async () => {
    for (const seq of SEQUENCES) {
      const r = await rawRequest(s.envoy.port, "/", [["x-tenant-id", cat("acme", seq)], ["baggage", cat("a=", seq)]]);
      assert.equal(r.status, 200, `tenant acme${hex(seq)}`);
      assert.equal(bin(upstreamBytes(r.json(), "x-tenant-id")!), bin(cat("acme", seq)));
    }
  });
});
