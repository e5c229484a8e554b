// Envoy CPU time per request: no filter vs a plugin vs the closest native Envoy filter
// (requests answered by a direct_response route),
// measured from /proc/<pid>/stat before and after a fixed number of requests, interleaved
// A/B/C/A/B/C on one machine. Prints medians and ratios. Usage:
//   node --import tsx scripts/bench-envoy.ts [plugin] [--requests N] [--rounds R]
import http from "node:http";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { REPO_ROOT, startEcho, startEnvoy, standardReplacements, type Envoy } from "../test/envoy/envoy.ts";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const plugin = args.find((a) => !a.startsWith("--") && isNaN(Number(a))) ?? "baggage-tag";
const REQUESTS = opt("requests", 20000);
const ROUNDS = opt("rounds", 5);
const INFLIGHT = 8;

interface Variant {
  name: string;
  filters: string;
  headers: Record<string, string>;
  /** Upstream request header that proves the filter did its job (checked once before measuring). */
  proof?: [string, string];
}

const WASM = (name: string, config: string) => `
          - name: ${name}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ${name}
                root_id: ${name}
                failure_policy: FAIL_CLOSED
                configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: '${config}' }
                vm_config: { vm_id: ${name}, runtime: envoy.wasm.runtime.v8, code: { local: { filename: /etc/envoy/wasm/${name}.wasm } } }`;

// Lua doing the same job as baggage-tag's default rule: find x-mse-tag in baggage, set the header.
const LUA_BAGGAGE = `
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code:
                inline_string: |
                  function envoy_on_request(h)
                    local b = h:headers():get("baggage")
                    if b == nil or h:headers():get("x-mse-tag") ~= nil then return end
                    for k, v in string.gmatch(b, "([^,=;%s]+)%s*=%s*([^,;%s]*)") do
                      if k == "x-mse-tag" then
                        h:headers():replace("x-mse-tag", v)
                        h:clearRouteCache() -- re-select the route, as the Wasm filter does
                        return
                      end
                    end
                  end`;

const VARIANTS: Record<string, Variant[]> = {
  "baggage-tag": [
    { name: "no filter", filters: "", headers: { baggage: "a=1,x-mse-tag=gray;p=1,tenant=t1" } },
    { name: "baggage-tag (wasm)", filters: WASM("baggage-tag", '{"rules":[{"baggage_key":"x-mse-tag"}]}'), headers: { baggage: "a=1,x-mse-tag=gray;p=1,tenant=t1" }, proof: ["x-mse-tag", "gray"] },
    { name: "lua equivalent", filters: LUA_BAGGAGE, headers: { baggage: "a=1,x-mse-tag=gray;p=1,tenant=t1" }, proof: ["x-mse-tag", "gray"] },
  ],
};

function config(filters: string): string {
  return `
admin:
  address:
    socket_address: { address: 0.0.0.0, port_value: 9901 }
static_resources:
  listeners:
  - name: bench
    address:
      socket_address: { address: 0.0.0.0, port_value: 10000 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              # The proof request goes to the echo upstream; the measured load is answered by
              # Envoy itself, so upstream work does not drown the filter's cost.
              - match: { prefix: /proof }
                route: { cluster: base }
              - match: { prefix: / }
                direct_response: { status: 200, body: { inline_string: ok } }
          http_filters:${filters}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: base
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: base
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: echo-base, port_value: 8080 } } }
`;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}

async function load(port: number, headers: Record<string, string>, n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: INFLIGHT });
  let sent = 0;
  const one = (): Promise<void> => new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? done() : fail(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", fail);
    req.end();
  });
  const worker = async () => { while (sent < n) { sent++; await one(); } };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  agent.destroy();
}

function fetchJson(port: number, headers: Record<string, string>): Promise<{ headers?: Record<string, string> }> {
  return new Promise((done, fail) => {
    http.get({ host: "127.0.0.1", port, path: "/proof", headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => done(JSON.parse(body)));
    }).on("error", fail);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const variants = VARIANTS[plugin];
if (!variants) throw new Error(`no benchmark variants for ${plugin}; known: ${Object.keys(VARIANTS).join(", ")}`);
execFileSync(process.execPath, ["scripts/build.mjs", plugin], { cwd: REPO_ROOT, stdio: "inherit" });
const echo = await startEcho({ name: "base", port: 0 });
const clkTck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const envoys: Envoy[] = [];
for (const v of variants) {
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/bench-envoy-");
  writeFileSync(`${dir}/envoy.yaml`, config(v.filters));
  envoys.push(await startEnvoy({ configPath: `${dir}/envoy.yaml`, concurrency: 2, logLevel: "warning", componentLogLevel: "wasm:warning",
    replacements: standardReplacements({ upstreams: { "echo-base": echo.port }, wasmDir: v.filters.includes("/etc/envoy/wasm/") ? undefined : false }) }));
}
const results: number[][] = variants.map(() => []);
try {
  for (const [i, v] of variants.entries()) {
    if (v.proof) {
      const seen = await fetchJson(envoys[i].port, v.headers);
      const [name, value] = v.proof;
      if (seen.headers?.[name] !== value) throw new Error(`${v.name} did not do its job: upstream saw ${name}=${seen.headers?.[name]}`);
    }
    await load(envoys[i].port, v.headers, 2000); // warm-up
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, v] of variants.entries()) {
      const pid = envoys[i].proc.pid!;
      const before = cpuTicks(pid);
      await load(envoys[i].port, v.headers, REQUESTS);
      const after = cpuTicks(pid);
      results[i].push(((after - before) / clkTck) * 1e6 / REQUESTS);
    }
  }
} finally {
  for (const e of envoys) await e.stop();
  echo.close();
}
const size = readFileSync(`${REPO_ROOT}/dist/${plugin}.wasm`).length;
console.log(`\n${plugin}: Envoy 1.40 --concurrency 2, ${ROUNDS} interleaved rounds x ${REQUESTS} requests, ${INFLIGHT} in flight`);
console.log(`wasm size: ${(size / 1024).toFixed(1)} KiB; CPU clock tick = ${(1e6 / clkTck).toFixed(0)} µs\n`);
console.log("variant".padEnd(24) + "Envoy CPU µs/request (median)".padStart(32) + "  all rounds");
const baseline = median(results[0]);
for (const [i, v] of variants.entries()) {
  const m = median(results[i]);
  console.log(v.name.padEnd(24) + m.toFixed(1).padStart(32) + "  " + results[i].map((x) => x.toFixed(1)).join(" "));
}
console.log("");
for (const [i, v] of variants.entries()) {
  if (i === 0) continue;
  const m = median(results[i]);
  console.log(`${v.name}: +${(m - baseline).toFixed(1)} µs/request over no filter (x${(m / baseline).toFixed(3)})`);
}
