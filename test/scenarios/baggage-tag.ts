// Request scenarios for baggage-tag, run both on the host emulator and on a real Envoy
// with the configuration of envoy-examples/baggage-tag/envoy.yaml (listener "lanes").
// `upstream` is only checked on Envoy (routing); the header expectations on both.

export const LANES_CONFIG = {
  rules: [
    { baggage_key: "x-mse-tag", header: "x-mse-tag", allowed_values: ["gray", "base", "blue"], override: false, propagate_to_baggage: true },
    { baggage_key: "tenant", header: "x-tenant", max_length: 16, override: true },
  ],
};

const b64 = (s: string) => Buffer.from(s).toString("base64");

export interface Scenario {
  name: string;
  path?: string;
  headers: [string, string][];
  /** Expected upstream request headers (null = must be absent). */
  expect: Record<string, string | null>;
  /** Envoy only: which echo upstream answered. */
  upstream: "base" | "gray";
  /** Counters that must grow by exactly this much (name without wasmcustom.baggage_tag.). */
  counters?: Partial<Record<"tagged" | "absent" | "rejected" | "kept" | "propagated" | "malformed", number>>;
}

export const SCENARIOS: Scenario[] = [
  {
    name: "W3C baggage tag routes to the gray lane",
    headers: [["baggage", "x-mse-tag=gray"]],
    expect: { "x-mse-tag": "gray", baggage: "x-mse-tag=gray" },
    upstream: "gray", counters: { tagged: 1, absent: 1, propagated: 0 },
  },
  {
    name: "no baggage stays in the base lane",
    headers: [],
    expect: { "x-mse-tag": null, "x-tenant": null, baggage: null },
    upstream: "base", counters: { tagged: 0, absent: 2 },
  },
  {
    name: "properties, whitespace and percent-encoding",
    headers: [["baggage", "foo=1 , x-mse-tag = gr%61y ;lane=1;p , tenant=t%2D1"]],
    expect: { "x-mse-tag": "gray", "x-tenant": "t-1" },
    upstream: "gray", counters: { tagged: 2 },
  },
  {
    name: "several baggage headers are read as one list",
    headers: [["baggage", "a=b"], ["baggage", "x-mse-tag=gray,tenant=t1"]],
    expect: { "x-mse-tag": "gray", "x-tenant": "t1" },
    upstream: "gray", counters: { tagged: 2 },
  },
  {
    name: "malformed members are skipped, the rest still parse",
    headers: [["baggage", "=nokey,bad key=1,x=%zz,x-mse-tag=gray"]],
    expect: { "x-mse-tag": "gray" },
    upstream: "gray", counters: { tagged: 1, malformed: 1 },
  },
  {
    name: "Jaeger uberctx- header, propagated into baggage",
    headers: [["uberctx-x-mse-tag", "gray"]],
    expect: { "x-mse-tag": "gray", baggage: "x-mse-tag=gray" },
    upstream: "gray", counters: { tagged: 1, propagated: 1 },
  },
  {
    name: "OpenTracing ot-baggage- header",
    headers: [["ot-baggage-x-mse-tag", "gray"], ["ot-baggage-tenant", "acme"]],
    expect: { "x-mse-tag": "gray", "x-tenant": "acme" },
    upstream: "gray", counters: { tagged: 2, propagated: 1 },
  },
  {
    name: "SkyWalking sw8-correlation",
    headers: [["sw8-correlation", `${b64("tenant")}:${b64("t9")},${b64("x-mse-tag")}:${b64("gray")}`]],
    expect: { "x-mse-tag": "gray", "x-tenant": "t9", baggage: "x-mse-tag=gray" },
    upstream: "gray", counters: { tagged: 2, propagated: 1 },
  },
  {
    name: "a value outside allowed_values is rejected",
    headers: [["baggage", "x-mse-tag=red"]],
    expect: { "x-mse-tag": null },
    upstream: "base", counters: { rejected: 1, tagged: 0 },
  },
  {
    name: "a rejected source falls through to the next one",
    headers: [["baggage", "x-mse-tag=red"], ["uberctx-x-mse-tag", "gray"]],
    expect: { "x-mse-tag": "gray" },
    upstream: "gray", counters: { rejected: 1, tagged: 1 },
  },
  {
    name: "a value longer than max_length is rejected",
    headers: [["baggage", "tenant=abcdefghijklmnopq"]],
    expect: { "x-tenant": null },
    upstream: "base", counters: { rejected: 1 },
  },
  {
    name: "space and CR/LF in a value are rejected, never copied into a header",
    headers: [["baggage", "x-mse-tag=gr%20ay,tenant=a%0D%0Ax-evil:1"]],
    expect: { "x-mse-tag": null, "x-tenant": null, "x-evil": null },
    upstream: "base", counters: { rejected: 2 },
  },
  {
    name: "override false keeps the header the client sent",
    headers: [["x-mse-tag", "blue"], ["baggage", "x-mse-tag=gray"]],
    expect: { "x-mse-tag": "blue" },
    upstream: "base", counters: { kept: 1, tagged: 0 },
  },
  {
    name: "override true replaces the header the client sent",
    headers: [["x-tenant", "evil"], ["baggage", "tenant=t1"]],
    expect: { "x-tenant": "t1" },
    upstream: "base", counters: { tagged: 1 },
  },
  {
    name: "a header sent by the client is propagated into baggage",
    headers: [["x-mse-tag", "gray"], ["baggage", "other=1"]],
    expect: { "x-mse-tag": "gray", baggage: "other=1,x-mse-tag=gray" },
    upstream: "gray", counters: { kept: 1, propagated: 1 },
  },
];
