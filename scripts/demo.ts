// npm start: builds the plugins, starts echo upstreams, one demo Envoy per plugin and the all-in-one one on
// localhost from the same envoy-examples files the tests use, and prints curl commands to try.
// global-rate-limit runs as two Envoy replicas sharing Redis and the Rate Limit Service (envoyproxy/ratelimit),
// both started here as local processes (test/envoy/rls.ts; scripts/install-redis.sh, scripts/install-ratelimit.sh):
// if they cannot be found or installed, the demo fails and says why.
//   DEMO_PORT=10000        first listener port (each plugin's listeners follow: see the printout)
//   DEMO_ADMIN_PORT=9901   first admin port (one per Envoy)
//   --check                run every printed command, verify its answer, then stop (used by the tests)
import { execFile, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { REPO_ROOT, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Replacement } from "../test/envoy/envoy.ts";
import { RLS_SERVICE, awayFromWindowEdge, startRedis, startRls, type Redis, type Rls } from "../test/envoy/rls.ts";
import { startJwks } from "../test/envoy/jwks-server.mjs";
import { grayHealthy } from "../test/envoy/gray-healthy.ts";
import { flipSignature, mint, ordersClaims, partnerClaims } from "../test/scenarios/jwt-auth.ts";

const check = process.argv.includes("--check");
const P = Number(process.env.DEMO_PORT ?? 10000);
const A = Number(process.env.DEMO_ADMIN_PORT ?? 9901);

interface Example {
  what: string;
  command: string;
  /** text the output must contain (each of them, if several; one listed n times must occur n times) */
  expect: string | string[];
  /** the answer depends on RLS's minute window: --check starts it away from a minute's end */
  oneMinute?: boolean;
}
interface Demo {
  plugin: string;
  ports: string;
  /** printed under the ports line (after the services started) */
  note?: () => string;
  waitForGray?: boolean;
  /** one replacement list per Envoy started from the plugin's envoy.yaml */
  envoys: (upstreams: Record<string, number>) => Replacement[][];
  examples: Example[];
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const jwtFor = (tenant: string) => {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${enc({ alg: "HS256", kid: "demo", typ: "JWT" })}.${enc({ iss: "https://idp.example.com", tenant, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${input}.${createHmac("sha256", Buffer.from("tenant-gray-demo-key-do-not-use-in-prod")).update(input).digest("base64url")}`;
};

const lanes = `localhost:${P}`, rules = `localhost:${P + 1}`;
const saas = `localhost:${P + 2}`, higress = `localhost:${P + 3}`;
const rl = `localhost:${P + 4}`, native = `localhost:${P + 5}`, plugin = `localhost:${P + 6}`;
const api = `localhost:${P + 7}`, remote = `localhost:${P + 8}`;
const gateway = `localhost:${P + 9}`, mesh = `localhost:${P + 10}`;
const replica1 = P + 11, replica2 = P + 12;
const LAST_PORT = P + 12, LAST_ADMIN = A + 6;

// jwt-auth: tokens minted now with the repository's TEST keys (test/fixtures/jwt-auth), valid for an hour.
const t0 = Math.floor(Date.now() / 1000);
const hour = { iat: t0, exp: t0 + 3600 };
const token = {
  es256: await mint("ES256", ordersClaims(t0, hour)),
  rs256: await mint("RS256", ordersClaims(t0, { ...hour, tenant: "globex" })),
  eddsa: await mint("EdDSA", ordersClaims(t0, hour)),
  expired: await mint("ES256", ordersClaims(t0, { iat: t0 - 7200, exp: t0 - 3600 })),
  partner: await mint("HS256", partnerClaims(t0, hour)),
  acme: await mint("ES256", ordersClaims(t0, { ...hour, tenant: "acme" })),
};

// Started before the Envoys (global-rate-limit's replicas point at RLS); see below.
let redis: Redis | undefined;
let rls: Rls | undefined;

const DEMOS: Demo[] = [
  {
    plugin: "baggage-tag",
    ports: `${lanes} (plugin on every route but /untagged), ${rules} (Higress _rules_), admin localhost:${A}`,
    envoys: (e) => [standardReplacements({ listenerPort: P, listeners: { 10001: P + 1 }, adminPort: A, upstreams: { "echo-base": e.base, "echo-gray": e.gray } })],
    examples: [
      { what: "no tag: base lane", command: `curl -s ${lanes}/`, expect: '"upstream":"base"' },
      { what: "W3C baggage tag: gray lane", command: `curl -s -H 'baggage: x-mse-tag=gray' ${lanes}/`, expect: '"upstream":"gray"' },
      { what: "Jaeger baggage, also copied into W3C baggage", command: `curl -s -H 'uberctx-x-mse-tag: gray' ${lanes}/`, expect: '"baggage":"x-mse-tag=gray"' },
      { what: "SkyWalking correlation", command: `curl -s -H 'sw8-correlation: ${b64("x-mse-tag")}:${b64("gray")}' ${lanes}/`, expect: '"upstream":"gray"' },
      { what: "value not in allowed_values: ignored", command: `curl -s -H 'baggage: x-mse-tag=red' ${lanes}/`, expect: '"upstream":"base"' },
      { what: "plugin disabled on this route", command: `curl -s -H 'baggage: x-mse-tag=gray' ${lanes}/untagged`, expect: '"upstream":"base"' },
      { what: "Higress _rules_: only route rules-tagged", command: `curl -s -H 'baggage: x-mse-tag=gray' ${rules}/tagged`, expect: '"upstream":"gray"' },
      { what: "plugin counters", command: `curl -s localhost:${A}/stats?filter=baggage_tag`, expect: "wasmcustom.baggage_tag.tagged" },
    ],
  },
  {
    plugin: "tenant-gray",
    ports: `${saas} (tenant lanes), ${higress} (Higress traffic-tag config), admin localhost:${A + 1}`,
    envoys: (e) => [standardReplacements({ listenerPort: P + 2, listeners: { 10001: P + 3 }, adminPort: A + 1, upstreams: { "echo-base": e.base, "echo-gray": e.gray } })],
    examples: [
      { what: "a gray-listed tenant: gray lane, tag carried in baggage", command: `curl -s -H 'x-tenant-id: acme' ${saas}/`, expect: '"baggage":"x-mse-tag=gray"' },
      { what: "any other tenant: base lane", command: `curl -s -H 'x-tenant-id: hooli' ${saas}/`, expect: '"upstream":"base"' },
      { what: "sticky 10% share (debug header says why)", command: `curl -s -i -H 'x-tenant-id: tenant-40' ${saas}/`, expect: "x-tenant-lane: gray;by=percentage" },
      { what: "tenant from the query; the lane is kept in a cookie", command: `curl -s -i '${saas}/app?tenant=beta-7'`, expect: "set-cookie: x-mse-lane=gray" },
      { what: "the lane cookie alone", command: `curl -s -H 'cookie: x-mse-lane=gray' ${saas}/api`, expect: '"upstream":"gray"' },
      { what: "a client cannot pick its lane with the tag header", command: `curl -s -H 'x-mse-tag: gray' ${saas}/`, expect: '"upstream":"base"' },
      { what: "per-route lanes (_rules_) on /reports", command: `curl -s -H 'x-tenant-id: initech' ${saas}/reports`, expect: '"upstream":"gray"' },
      { what: "tenant from the path", command: `curl -s ${saas}/t/acme/orders`, expect: '"upstream":"gray"' },
      { what: "tenant from the host name", command: `curl -s -H 'host: acme.tenants.example.com' ${saas}/`, expect: '"upstream":"gray"' },
      { what: "tenant from a verified JWT claim (Envoy jwt_authn runs first)", command: `curl -s -H 'authorization: Bearer ${jwtFor("acme")}' ${saas}/`, expect: '"x-jwt-tenant":"acme"' },
      { what: "a forged claim header is stripped", command: `curl -s -H 'x-jwt-tenant: acme' ${saas}/`, expect: '"upstream":"base"' },
      { what: "Higress traffic-tag configuration, unchanged", command: `curl -s -H 'x-user-id: u1' ${higress}/`, expect: '"upstream":"gray"' },
      { what: "lane counters", command: `curl -s localhost:${A + 1}/stats?filter=tenant_gray`, expect: "wasmcustom.tenant_gray.lane.gray" },
    ],
  },
  {
    plugin: "local-rate-limit",
    ports: `${rl} (rules), ${native} (Envoy's native local_ratelimit), ${plugin} (same limit, plugin), admin localhost:${A + 2}`,
    envoys: (e) => [standardReplacements({ listenerPort: P + 4, listeners: { 10001: P + 5, 10002: P + 6 }, adminPort: A + 2, upstreams: { echo: e.echo } })],
    examples: [
      { what: "5 requests per key per minute: the 6th is limited", command: `for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' -H 'x-api-key: demo-user' ${rl}/api/items; done`, expect: "200 200 200 200 200 429" },
      { what: "rejections say when to come back", command: `curl -si -H 'x-api-key: demo-user' ${rl}/api/items`, expect: "retry-after: " },
      { what: "regexp override for vip- keys", command: `curl -si -H 'x-api-key: vip-1' ${rl}/api/items`, expect: "x-ratelimit-limit: 100" },
      { what: "exact-key override", command: `curl -si -H 'x-api-key: gold-acme' ${rl}/api/items`, expect: "x-ratelimit-remaining: 19" },
      { what: "per client IP on POST /login", command: `for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code} ' -X POST ${rl}/login; done`, expect: "200 200 200 429" },
      { what: "per consumer (X-Mse-Consumer from jwt-auth)", command: `for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code} ' -H 'x-mse-consumer: demo' ${rl}/orders; done`, expect: "200 200 429" },
      { what: "Envoy's native local_ratelimit, 25 concurrent requests at 20/min", command: `seq 25 | xargs -P 25 -I{} curl -s -o /dev/null -w '%{http_code}\\n' ${native}/ | sort | uniq -c | tr -s ' '`, expect: "20 200\n 5 429" },
      { what: "the plugin at the same limit, both Envoy workers", command: `seq 25 | xargs -P 25 -I{} curl -s -o /dev/null -w '%{http_code}\\n' ${plugin}/ | sort | uniq -c | tr -s ' '`, expect: "20 200\n 5 429" },
      { what: "per-rule counters", command: `curl -s localhost:${A + 2}/stats?filter=local_rate_limit`, expect: "wasmcustom.local_rate_limit.per-key.limited" },
    ],
  },
  {
    plugin: "jwt-auth",
    ports: `${api} (static keys), ${remote} (keys from a JWKS endpoint), admin localhost:${A + 3}; tokens below are valid for an hour`,
    envoys: (e) => [standardReplacements({ listenerPort: P + 7, listeners: { 10001: P + 8 }, adminPort: A + 3, upstreams: { echo: e.echo, jwks: e.jwks } })],
    examples: [
      { what: "a valid ES256 token: the upstream learns the consumer and the mapped claims", command: `curl -s -H 'authorization: Bearer ${token.es256}' ${api}/orders`, expect: '"x-mse-consumer":"orders-app"' },
      { what: "RS256 works as well (every RS/PS/ES/HS/EdDSA algorithm does)", command: `curl -s -H 'authorization: Bearer ${token.rs256}' ${api}/orders`, expect: '"x-jwt-tenant":"globex"' },
      { what: "a token of your own (scripts/jwt-token.ts signs with the test keys)", command: `curl -s -H "authorization: Bearer $(node --import tsx scripts/jwt-token.ts orders-app --claim tenant=initech)" ${api}/orders`, expect: '"x-jwt-tenant":"initech"' },
      { what: "no token: 401 with WWW-Authenticate", command: `curl -s -i ${api}/orders`, expect: 'www-authenticate: Bearer realm="localhost"' },
      { what: "an expired token", command: `curl -s -H 'authorization: Bearer ${token.expired}' ${api}/orders`, expect: '{"error":"token_expired"' },
      { what: "a tampered signature", command: `curl -s -H 'authorization: Bearer ${flipSignature(token.es256)}' ${api}/orders`, expect: '{"error":"signature_invalid"' },
      { what: "the partner (HS256) is not allowed on /admin: 403", command: `curl -s -H 'x-partner-token: ${token.partner}' ${api}/admin`, expect: '{"error":"consumer_not_allowed"' },
      { what: "keep_token: false takes the partner's token out of the query, other parameters stay", command: `curl -s '${api}/orders?page=2&partner_token=${token.partner}'`, expect: '"path":"/orders?page=2"' },
      { what: "a client cannot name itself: x-mse-consumer is removed (token optional on /public)", command: `curl -s -H 'x-mse-consumer: orders-app' ${api}/public/catalog | grep -o '"x-mse-consumer":"[^"]*"' || echo 'no x-mse-consumer upstream'`, expect: "no x-mse-consumer upstream" },
      { what: "keys fetched from the JWKS endpoint (remote_jwks)", command: `curl -s -H 'authorization: Bearer ${token.eddsa}' ${remote}/`, expect: '"x-mse-consumer":"remote-app"' },
      { what: "counters, one per denial reason", command: `curl -s localhost:${A + 3}/stats?filter=jwt_auth`, expect: "wasmcustom.jwt_auth.denied.token_expired: 1" },
    ],
  },
  {
    plugin: "all-in-one",
    ports: `${gateway} (gateway: jwt-auth -> tenant-gray -> baggage-tag -> local-rate-limit), ${mesh} (east-west), admin localhost:${A + 4}`,
    envoys: (e) => [standardReplacements({ listenerPort: P + 9, listeners: { 10001: P + 10 }, adminPort: A + 4, upstreams: { "echo-base": e.base, "echo-gray": e.gray } })],
    waitForGray: true,
    examples: [
      { what: "a token for tenant acme (gray-listed): gray lane, consumer named, tag carried in baggage", command: `curl -s -H 'authorization: Bearer ${token.acme}' ${gateway}/orders`, expect: '"baggage":"x-mse-tag=gray"' },
      { what: "the same with a token of your own (README Quick start)", command: `curl -s -H "authorization: Bearer $(node --import tsx scripts/jwt-token.ts orders-app --claim tenant=acme)" ${gateway}/orders`, expect: '"x-mse-consumer":"orders-app"' },
      { what: "the same headers spoofed, no token: 401 (and no rate-limit bucket is touched)", command: `curl -s -o /dev/null -w '%{http_code}' -H 'x-mse-consumer: orders-app' -H 'x-jwt-tenant: acme' -H 'x-mse-tag: gray' ${gateway}/orders`, expect: "401" },
      { what: "per verified consumer: the partner has 3 requests per minute", command: `for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code} ' -H 'x-partner-token: ${token.partner}' ${gateway}/orders; done`, expect: "200 200 200 429" },
      { what: "a client's baggage picks no lane at the gateway (token optional on /public)", command: `curl -s -H 'baggage: x-mse-tag=gray' ${gateway}/public/catalog`, expect: '"upstream":"base"' },
      { what: "east-west: the calling service's baggage picks the lane", command: `curl -s -H 'baggage: x-mse-tag=gray' ${mesh}/inventory`, expect: '"upstream":"gray"' },
      { what: "/healthz: every plugin off (per-route FilterConfig), no token needed", command: `curl -s ${gateway}/healthz`, expect: '"upstream":"base"' },
      { what: "counters of all four plugins", command: `curl -s localhost:${A + 4}/stats?filter=wasmcustom`, expect: "wasmcustom.local_rate_limit.per-consumer.limited: 1" },
    ],
  },
  {
    plugin: "global-rate-limit",
    ports: `localhost:${replica1} and localhost:${replica2} (two replicas of one gateway, one limit), admin localhost:${A + 5} and localhost:${A + 6}`,
    note: () =>
      `Both replicas count in one Rate Limit Service (envoyproxy/ratelimit, gRPC localhost:${rls?.grpcPort}) backed by\n` +
      `Redis (localhost:${redis?.port}); the limits are in envoy-examples/global-rate-limit/ratelimit/config.yaml.\n` +
      `RLS counts in fixed one-minute windows: every count resets at the full minute (:00). Each example below uses\n` +
      `its own key or path: run them once, in this order, each one within a minute (not across :00).`,
    envoys: (e) => [A + 5, A + 6].map((admin, i) =>
      standardReplacements({ listenerPort: i === 0 ? replica1 : replica2, adminPort: admin, upstreams: { echo: e.echo }, services: { [RLS_SERVICE]: e.rls } })),
    examples: [
      {
        what: "10 requests per minute per API key, in total over both replicas: 12 requests alternating between them -> 200 x10, then 429 429",
        command: `for i in 1 2 3 4 5 6; do for r in ${replica1} ${replica2}; do curl -s -o /dev/null -w '%{http_code} ' -H 'x-api-key: alice' localhost:$r/api/items; done; done`,
        expect: `${"200 ".repeat(10)}429 429`,
        oneMinute: true,
      },
      {
        what: "the rejection (key bob: 10 requests on the first replica, the 11th on the second): 429, retry-after = seconds to the next minute",
        command: `for i in $(seq 10); do curl -s -o /dev/null -H 'x-api-key: bob' localhost:${replica1}/api/items; done; curl -si -H 'x-api-key: bob' localhost:${replica2}/api/items | grep -iE '^(HTTP|x-ratelimit|retry-after|x-envoy-ratelimited)'`,
        expect: ["HTTP/1.1 429", 'x-ratelimit-limit: 10, 10;w=60;name="per-api-key"', "x-ratelimit-remaining: 0", "retry-after: ", "x-envoy-ratelimited: true"],
        oneMinute: true,
      },
      {
        what: "the key vip has its own limit in RLS's configuration: 100 per minute",
        command: `curl -si -H 'x-api-key: vip' localhost:${replica2}/api/items | grep -i '^x-ratelimit'`,
        expect: ['x-ratelimit-limit: 100, 100;w=60;name="per-api-key-vip"', "x-ratelimit-remaining: 99"],
      },
      {
        what: "/login: 5 per minute for the path, whoever calls, on either replica -> 200 x5, then 429",
        command: `for i in 1 2 3; do for r in ${replica1} ${replica2}; do curl -s -o /dev/null -w '%{http_code} ' -X POST localhost:$r/login; done; done`,
        expect: "200 200 200 200 200 429",
        oneMinute: true,
      },
      {
        what: "/orders: 20 per minute in all, leased (each RLS call takes 5 tokens that later requests spend without a call): 30 requests alternating -> 20 admitted",
        command: `for i in $(seq 15); do for r in ${replica1} ${replica2}; do curl -s -o /dev/null -w '%{http_code}\\n' localhost:$r/orders; done; done | sort | uniq -c | tr -s ' '`,
        expect: "20 200\n 10 429",
        oneMinute: true,
      },
      {
        what: "the plugin's counters on both replicas: RLS calls made (22 and 14 after the examples above); /orders admitted 8 requests per replica from leases, without a call",
        command: `for a in ${A + 5} ${A + 6}; do echo "== admin localhost:$a"; curl -s "localhost:$a/stats?filter=global_rate_limit"; done`,
        expect: [
          `== admin localhost:${A + 5}\nwasmcustom.global_rate_limit.calls: 22\n`,
          `== admin localhost:${A + 6}\nwasmcustom.global_rate_limit.calls: 14\n`,
          "wasmcustom.global_rate_limit.orders.lease_hit: 8\n",
          "wasmcustom.global_rate_limit.orders.lease_hit: 8\n",
        ],
      },
    ],
  },
];

console.log("Building plugins...");
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO_ROOT, stdio: "inherit" });

const echos: Echo[] = [];
const envoys: Envoy[] = [];
const stop = async () => {
  for (const e of envoys) await e.stop();
  for (const e of echos) e.close();
  await rls?.stop();
  await redis?.stop();
};

// Redis and the Rate Limit Service for global-rate-limit: found or installed by the scripts the tests use
// (the first run builds RLS with Go, about a minute). Not optional: without them the demo fails and says why.
console.log("Starting Redis and the Rate Limit Service (envoyproxy/ratelimit) for global-rate-limit (the first run builds RLS with Go, about a minute)...");
try {
  redis = await startRedis();
  rls = await startRls({ redisPort: redis.port, config: readFileSync(`${REPO_ROOT}/envoy-examples/global-rate-limit/ratelimit/config.yaml`, "utf8"), logLevel: "warn" });
} catch (err) {
  console.error(`Could not start the demo: global-rate-limit needs Redis and the Rate Limit Service.\n${(err as Error).message}`);
  await stop();
  process.exit(1);
}

try {
  for (const name of ["base", "gray", "echo"]) echos.push(await startEcho({ name, port: 0 }));
  const jwks = await startJwks({ body: readFileSync(`${REPO_ROOT}/envoy-examples/jwt-auth/jwks.json`, "utf8") });
  echos.push({ name: "jwks", port: jwks.port, requests: [], close: jwks.close });
  const ports = { base: echos[0].port, gray: echos[1].port, echo: echos[2].port, jwks: jwks.port, rls: rls.grpcPort };
  for (const d of DEMOS) {
    for (const replacements of d.envoys(ports)) {
      envoys.push(await startEnvoy({
        configPath: `envoy-examples/${d.plugin}/envoy.yaml`, concurrency: 2, logLevel: "warning", componentLogLevel: "wasm:warning", replacements,
      }));
      // The gray host takes traffic once its first active health check passed (at most a few seconds).
      if (d.waitForGray) await grayHealthy(envoys[envoys.length - 1]!);
    }
  }
} catch (err) {
  console.error(`Could not start the demo: ${(err as Error).message}`);
  console.error(`(Ports ${P}-${LAST_PORT} and ${A}-${LAST_ADMIN} must be free; set DEMO_PORT / DEMO_ADMIN_PORT to move them.)`);
  await stop();
  process.exit(1);
}

console.log("\nDemo Envoys are up. Try:");
for (const d of DEMOS) {
  console.log(`\n== ${d.plugin}: ${d.ports}\n`);
  if (d.note) console.log(`${d.note().replace(/^/gm, "  ")}\n`);
  for (const e of d.examples) console.log(`  # ${e.what}\n  ${e.command}\n`);
}

if (check) {
  let failed = 0;
  for (const e of DEMOS.flatMap((d) => d.examples)) {
    // RLS's windows end at every full minute: start such an example with 10 s of its window left at least.
    if (e.oneMinute) {
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 10_000) console.log(`(waiting ${Math.ceil(left / 1000)} s for the next minute: RLS counts per minute)`);
      await awayFromWindowEdge(60, 10_000);
    }
    // Asynchronous: the echo upstreams live in this process and must keep answering.
    const run = await promisify(execFile)("sh", ["-c", e.command], { env: { ...process.env, no_proxy: "*", NO_PROXY: "*" } })
      .then((r) => ({ status: 0, ...r }), (err) => ({ status: 1, stdout: String(err.stdout ?? ""), stderr: String(err.stderr ?? err.message) }));
    const expected = typeof e.expect === "string" ? [e.expect] : e.expect;
    const ok = run.status === 0 && expected.every((x) => run.stdout.split(x).length - 1 >= expected.filter((y) => y === x).length);
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${e.command.slice(0, 150)}${ok ? "" : `\n     expected ${expected.map((x) => JSON.stringify(x)).join(" and ")} in: ${run.stdout}${run.stderr}`}`);
  }
  await stop();
  process.exit(failed === 0 ? 0 : 1);
}

console.log("Ctrl-C stops Envoy, the upstreams, the Rate Limit Service and Redis.");
const quit = async () => { await stop(); process.exit(0); };
process.on("SIGINT", quit);
process.on("SIGTERM", quit);
