// Harness for integration tests against a real Envoy (1.40, V8 Wasm runtime).
//
// The tests start Envoy from the SAME files users run (envoy-examples/<plugin>/envoy.yaml, written for
// docker-compose) after a few textual replacements. Each replacement's `from` text must occur in the file,
// otherwise startEnvoy throws: an example that drifts from the convention breaks its test instead of
// silently testing something else.
//
// Convention for envoy-examples/*/envoy.yaml (what standardReplacements() rewrites):
//   * listener socket address, on one line, flow style:      { address: 0.0.0.0, port_value: 10000 }
//     (more listeners: 10001, 10002, ... mapped with `listeners: {10001: port}`)
//   * admin socket address, on one line, flow style:         { address: 0.0.0.0, port_value: 9901 }
//   * each upstream endpoint: docker-compose service name + port 8080, on one line:
//         - endpoint: { address: { socket_address: { address: echo-base, port_value: 8080 } } }
//     the replaced text is exactly `{ address: echo-base, port_value: 8080 }` (one per upstream name)
//   * any other service the example's docker-compose.yaml runs, the same way with its own port, e.g. the
//     Rate Limit Service:  `{ address: ratelimit, port_value: 8081 }`  (mapped with `services:
//     {"ratelimit:8081": port}`; test/envoy/rls.ts starts RLS and exports RLS_SERVICE = "ratelimit:8081")
//   * Wasm modules are loaded from /etc/envoy/wasm/<plugin>.wasm  (docker-compose mounts ../../dist there)
//       code: { local: { filename: /etc/envoy/wasm/baggage-tag.wasm } }
//   * anything else (stat prefixes, cluster names, log format) is free.
// Ports: standardReplacements() defaults every port to 0; startEnvoy() learns the real ports from the
// admin API (`--admin-address-path` and /listeners), so parallel test files never race for ports.
//
// Usage in a test (node:test; Envoy is always stopped, and its log printed to stderr if the test failed):
//   test("tags lane", async (t) => {
//     const echo = await useEcho(t, "echo-base");
//     const envoy = await useEnvoy(t, {
//       configPath: "envoy-examples/baggage-tag/envoy.yaml",
//       replacements: standardReplacements({ upstreams: { "echo-base": echo.port } }),
//     });
//     const res = await request(envoy.port, "/", { headers: [["baggage", "x-mse-tag=gray"]] });
//     assert.equal(res.json().headers["x-mse-tag"], "gray");
//   });
// For one Envoy shared by a describe() block: before(() => startEnvoy(...)), after(() => envoy.stop()),
// afterEach((t) => { if (!t.passed) dumpEnvoyLog(envoy, t.name); }).
//
// In CI a missing Envoy is a failure, never a skip: findEnvoy() throws with install-envoy.sh's message.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEcho } from "./echo-server.mjs";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Minimal view of node:test's TestContext that the helpers need (works with t and afterEach's t). */
export interface TestLike {
  name: string;
  after(fn: () => unknown): unknown;
  readonly passed?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Finding Envoy

let envoyPath: Promise<string> | undefined;

/** Absolute path of a Wasm-capable Envoy (runs scripts/install-envoy.sh once per process). Throws if none. */
export function findEnvoy(): Promise<string> {
  envoyPath ??= new Promise<string>((ok, fail) => {
    const script = join(REPO_ROOT, "scripts/install-envoy.sh");
    execFile("bash", [script], { cwd: REPO_ROOT, timeout: 600_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split("\n");
      const path = lines[lines.length - 1]?.trim() ?? "";
      if (err || !path || !existsSync(path)) {
        fail(new Error(`No usable Envoy: scripts/install-envoy.sh failed (${err?.message ?? "no path printed"}).\n${stderr}`));
      } else {
        ok(path);
      }
    });
  });
  return envoyPath;
}

/** A TCP port that was free a moment ago (prefer port 0 + discovery where possible). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Config rewriting

export type Replacement = [from: string, to: string];

export interface StandardReplacementOptions {
  /** port for the `port_value: 10000` listener; default 0 (Envoy picks; see Envoy.port) */
  listenerPort?: number;
  /** further listeners by their example port, e.g. {10001: 0} */
  listeners?: Record<number, number>;
  /** admin port; default 0 (Envoy picks; see Envoy.adminPort) */
  adminPort?: number;
  /** docker-compose upstream name -> local port of the echo server standing in for it */
  upstreams?: Record<string, number>;
  /** other docker-compose services: "name:port" as in envoy.yaml -> local port, e.g. {"ratelimit:8081": rls.grpcPort} */
  services?: Record<string, number>;
  /** where /etc/envoy/wasm/ points; default <repo>/dist. false: the config loads no Wasm. */
  wasmDir?: string | false;
  /** address listeners/admin bind to instead of 0.0.0.0; default 127.0.0.1 */
  bindAddress?: string;
}

/** Replacements that turn a docker-compose example config into one runnable here (see convention on top). */
export function standardReplacements(opts: StandardReplacementOptions = {}): Replacement[] {
  const bind = opts.bindAddress ?? "127.0.0.1";
  const out: Replacement[] = [
    [`{ address: 0.0.0.0, port_value: 10000 }`, `{ address: ${bind}, port_value: ${opts.listenerPort ?? 0} }`],
    [`{ address: 0.0.0.0, port_value: 9901 }`, `{ address: ${bind}, port_value: ${opts.adminPort ?? 0} }`],
  ];
  for (const [from, to] of Object.entries(opts.listeners ?? {})) {
    out.push([`{ address: 0.0.0.0, port_value: ${from} }`, `{ address: ${bind}, port_value: ${to} }`]);
  }
  for (const [name, port] of Object.entries(opts.upstreams ?? {})) {
    out.push([`{ address: ${name}, port_value: 8080 }`, `{ address: 127.0.0.1, port_value: ${port} }`]);
  }
  for (const [service, port] of Object.entries(opts.services ?? {})) {
    const m = /^([\w.-]+):(\d+)$/.exec(service);
    if (!m) throw new Error(`standardReplacements: services key ${JSON.stringify(service)} is not "name:port"`);
    out.push([`{ address: ${m[1]}, port_value: ${m[2]} }`, `{ address: 127.0.0.1, port_value: ${port} }`]);
  }
  if (opts.wasmDir !== false) {
    out.push(["/etc/envoy/wasm/", `${opts.wasmDir ?? join(REPO_ROOT, "dist")}/`]);
  }
  return out;
}

/** Applies every replacement (all occurrences); throws listing each `from` that does not occur. */
export function applyReplacements(text: string, replacements: Replacement[], source = "config"): string {
  const missing = replacements.filter(([from]) => !text.includes(from)).map(([from]) => from);
  if (missing.length > 0) {
    throw new Error(
      `${source}: replacement text not found (example and test drifted apart? see the convention in test/envoy/envoy.ts):\n` +
        missing.map((m) => `  ${JSON.stringify(m)}`).join("\n"),
    );
  }
  for (const [from, to] of replacements) text = text.split(from).join(to);
  return text;
}

// ---------------------------------------------------------------------------------------------------
// Running Envoy

export interface StartEnvoyOptions {
  /** YAML file, absolute or relative to the repo root (e.g. "envoy-examples/baggage-tag/envoy.yaml") */
  configPath: string;
  replacements?: Replacement[];
  /** worker threads (= Wasm VMs); default 1 */
  concurrency?: number;
  /** default "info" */
  logLevel?: string;
  /** default "wasm:debug" */
  componentLogLevel?: string;
  extraArgs?: string[];
  /** default 20 000 */
  readyTimeoutMs?: number;
  /** command Envoy runs under, e.g. ["valgrind", "--tool=callgrind"] (benchmarks) */
  launcher?: string[];
}

export interface Envoy {
  proc: ChildProcess;
  adminPort: number;
  /** port of the first listener in the config (by convention the example's 10000 one); others: listeners */
  port: number;
  /** listener name -> port */
  listeners: Map<string, number>;
  /** the rewritten config Envoy runs (in a temp dir, removed by stop()) */
  configPath: string;
  configText: string;
  /** everything Envoy wrote to stdout/stderr so far (last 4 MiB) */
  log(): string;
  /** counters and gauges from admin /stats?format=json; filter is an RE2 regex on the stat name */
  stats(filter?: string): Promise<Map<string, number>>;
  /** value of one stat (0 if absent, e.g. a wasmcustom counter never incremented) */
  stat(name: string): Promise<number>;
  /** GET on the admin API, returns the body */
  admin(path: string): Promise<string>;
  /** position in the log stream, for waitForLog's `since` */
  logPosition(): number;
  /** resolves when the log (all of it, or from `since` = an earlier logPosition()) matches re;
   *  rejects after timeoutMs (default 5 000) or if Envoy exits */
  waitForLog(re: RegExp, opts?: { timeoutMs?: number; since?: number }): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

const LOG_CAP = 4 << 20;

/** Starts Envoy on a rewritten copy of configPath and waits until admin /ready says LIVE. */
export async function startEnvoy(opts: StartEnvoyOptions): Promise<Envoy> {
  const bin = await findEnvoy();
  const source = isAbsolute(opts.configPath) ? opts.configPath : join(REPO_ROOT, opts.configPath);
  const configText = applyReplacements(readFileSync(source, "utf8"), opts.replacements ?? [], opts.configPath);
  const dir = mkdtempSync(join(tmpdir(), "envoy-test-"));
  const configPath = join(dir, "envoy.yaml");
  const adminFile = join(dir, "admin-address");
  writeFileSync(configPath, configText);

  const args = [
    "-c", configPath,
    "--concurrency", String(opts.concurrency ?? 1),
    // No hot restart => no shared memory or domain sockets, so parallel Envoys cannot collide;
    // dynamic base id on top, in case a caller re-enables hot restart through extraArgs.
    "--disable-hot-restart", "--use-dynamic-base-id",
    "--admin-address-path", adminFile,
    "--log-level", opts.logLevel ?? "info",
    "--component-log-level", opts.componentLogLevel ?? "wasm:debug",
    ...(opts.extraArgs ?? []),
  ];
  const launcher = opts.launcher ?? [];
  const proc = launcher.length > 0
    ? spawn(launcher[0], [...launcher.slice(1), bin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let logText = `$ ${bin} ${args.join(" ")}\n`;
  let dropped = 0; // chars cut from the front of logText (LOG_CAP)
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    logText += chunk.toString("utf8");
    if (logText.length > LOG_CAP) {
      dropped += logText.length - LOG_CAP;
      logText = logText.slice(logText.length - LOG_CAP);
    }
    for (const w of waiters) w();
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  let exited = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  const exitPromise = new Promise<void>((ok) => {
    proc.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(proc);
      for (const w of waiters) w();
      ok();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5_000);
      await exitPromise;
      clearTimeout(t);
    }
    if (!process.env.ENVOY_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };

  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`${why}\nconfig: ${opts.configPath}\n--- Envoy log ---\n${tail(logText, 200)}`);
  };

  // Wait for the admin address file, then /ready == LIVE.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  let adminPort = 0;
  for (;;) {
    if (exited) return fail(`Envoy exited during startup (${describeExit(exited)})`);
    if (Date.now() > deadline) return fail(`Envoy not ready after ${opts.readyTimeoutMs ?? 20_000} ms`);
    if (!adminPort && existsSync(adminFile)) {
      const m = /:(\d+)\s*$/.exec(readFileSync(adminFile, "utf8"));
      if (m) adminPort = Number(m[1]);
    }
    if (adminPort) {
      const ready = await request(adminPort, "/ready", { timeoutMs: 1_000 }).catch(() => null);
      if (ready && ready.status === 200 && ready.body.trim() === "LIVE") break;
    }
    await sleep(50);
  }

  const admin = async (path: string) => {
    const res = await request(adminPort, path);
    if (res.status !== 200) throw new Error(`admin ${path}: HTTP ${res.status}: ${res.body}`);
    return res.body;
  };

  const listeners = new Map<string, number>();
  try {
    const l = JSON.parse(await admin("/listeners?format=json")) as {
      listener_statuses?: Array<{ name: string; local_address?: { socket_address?: { port_value?: number } } }>;
    };
    for (const s of l.listener_statuses ?? []) listeners.set(s.name, s.local_address?.socket_address?.port_value ?? 0);
  } catch (e) {
    return fail(`reading admin /listeners failed: ${(e as Error).message}`);
  }

  const stats = async (filter?: string) => {
    const q = filter === undefined ? "" : `&filter=${encodeURIComponent(filter)}`;
    const body = JSON.parse(await admin(`/stats?format=json${q}`)) as { stats: Array<{ name?: string; value?: number }> };
    const out = new Map<string, number>();
    for (const s of body.stats) if (typeof s.name === "string" && typeof s.value === "number") out.set(s.name, s.value);
    return out;
  };

  return {
    proc,
    adminPort,
    port: listeners.values().next().value ?? 0,
    listeners,
    configPath,
    configText,
    log: () => logText,
    stats,
    stat: async (name: string) => (await stats(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)).get(name) ?? 0,
    admin,
    logPosition: () => dropped + logText.length,
    waitForLog: (re: RegExp, { timeoutMs = 5_000, since = 0 } = {}) => {
      const from = since;
      return new Promise<RegExpMatchArray>((ok, no) => {
        const check = () => {
          const m = logText.slice(Math.max(0, from - dropped)).match(re);
          if (m) done(() => ok(m));
          else if (exited) done(() => no(new Error(`Envoy exited while waiting for ${re}`)));
        };
        const timer = setTimeout(() => done(() => no(new Error(`log did not match ${re} within ${timeoutMs} ms`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    stop,
  };
}

/** Prints Envoy's log to stderr (for failed tests). */
export function dumpEnvoyLog(envoy: Envoy, label = "", lines = 300): void {
  process.stderr.write(`\n===== Envoy log${label ? ` (${label})` : ""}: ${envoy.configPath} =====\n${tail(envoy.log(), lines)}\n===== end of Envoy log =====\n`);
}

/** startEnvoy + t.after(stop), printing Envoy's log if the test failed. */
export async function useEnvoy(t: TestLike, opts: StartEnvoyOptions): Promise<Envoy> {
  const envoy = await startEnvoy(opts);
  t.after(async () => {
    if (t.passed === false || t.passed === undefined) dumpEnvoyLog(envoy, t.name);
    await envoy.stop();
  });
  return envoy;
}

/** Runs fn with a fresh Envoy; always stops it; prints its log (and rethrows) if fn throws. */
export async function withEnvoy<T>(opts: StartEnvoyOptions, fn: (envoy: Envoy) => Promise<T>): Promise<T> {
  const envoy = await startEnvoy(opts);
  try {
    return await fn(envoy);
  } catch (e) {
    dumpEnvoyLog(envoy, opts.configPath);
    throw e;
  } finally {
    await envoy.stop();
  }
}

export type Echo = Awaited<ReturnType<typeof startEcho>>;
export { startEcho };

/** startEcho({name}) on a free port + t.after(close). */
export async function useEcho(t: TestLike, name = "echo"): Promise<Echo> {
  const echo = await startEcho({ name, port: 0 });
  t.after(() => echo.close());
  return echo;
}

// ---------------------------------------------------------------------------------------------------
// HTTP client (node:http, not fetch: repeated header instances are sent as separate lines)

export interface RequestOptions {
  method?: string;
  /** [name, value] pairs, sent in order; a repeated name becomes repeated header lines */
  headers?: Array<[string, string]> | Record<string, string | string[]>;
  body?: string | Buffer;
  timeoutMs?: number;
  host?: string;
}

export interface Response {
  status: number;
  /** node's merged view (lower-case names; set-cookie an array; other repeats comma-joined) */
  headers: IncomingHttpHeaders;
  /** every header line in order, names lower-cased */
  rawHeaders: Array<[string, string]>;
  body: string;
  /** all values of a response header, in order */
  headerValues(name: string): string[];
  json<T = any>(): T;
}

export function request(port: number, path: string, opts: RequestOptions = {}): Promise<Response> {
  return new Promise((ok, fail) => {
    const req = httpRequest({
      host: opts.host ?? "127.0.0.1",
      port,
      path,
      method: opts.method ?? "GET",
      agent: false,
      setHost: true,
    });
    const pairs = Array.isArray(opts.headers)
      ? opts.headers
      : Object.entries(opts.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]));
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (const [name, value] of pairs) {
      const key = name.toLowerCase();
      const g = grouped.get(key) ?? { name, values: [] };
      g.values.push(value);
      grouped.set(key, g);
    }
    for (const { name, values } of grouped.values()) req.setHeader(name, values.length === 1 ? values[0]! : values);
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`request ${path} to :${port} timed out`)));
    req.once("error", fail);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", fail);
      res.once("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const rawHeaders: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) rawHeaders.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        ok({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders,
          body,
          headerValues: (name: string) => rawHeaders.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v),
          json: () => {
            try {
              return JSON.parse(body);
            } catch {
              throw new Error(`response body is not JSON (status ${res.statusCode}): ${body.slice(0, 500)}`);
            }
          },
        });
      });
    });
    req.end(opts.body);
  });
}

// ---------------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket: node:http refuses to send header values that are not text, Envoy takes bytes.

export interface RawResponse {
  status: number;
  /** header lines in order, names lower-cased, values latin1 (one char per byte) */
  headers: Array<[string, string]>;
  body: Buffer;
  header(name: string): string | undefined;
  json<T = any>(): T;
}

/**
 * Sends one request, header values given as text or bytes, with `connection: close`, and reads the
 * response until Envoy closes the connection.
 */
export function rawRequest(port: number, path: string, headers: Array<[string, string | Uint8Array]>, opts: { method?: string; timeoutMs?: number } = {}): Promise<RawResponse> {
  const lines: Buffer[] = [Buffer.from(`${opts.method ?? "GET"} ${path} HTTP/1.1\r\n`)];
  if (!headers.some(([k]) => k.toLowerCase() === "host")) lines.push(Buffer.from("host: localhost\r\n"));
  for (const [k, v] of headers) lines.push(Buffer.from(`${k}: `), typeof v === "string" ? Buffer.from(v) : Buffer.from(v), Buffer.from("\r\n"));
  lines.push(Buffer.from("connection: close\r\n\r\n"));
  return new Promise((ok, fail) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.concat(lines)));
    const chunks: Buffer[] = [];
    socket.setTimeout(opts.timeoutMs ?? 10_000, () => socket.destroy(new Error(`raw request ${path} to :${port} timed out`)));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("error", fail);
    socket.once("close", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) return fail(new Error(`no HTTP response from :${port}: ${JSON.stringify(all.toString("latin1").slice(0, 200))}`));
      const [statusLine, ...headerLines] = all.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const parsed = headerLines.map((l): [string, string] => {
        const i = l.indexOf(":");
        return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
      });
      const body = all.subarray(end + 4);
      ok({
        status,
        headers: parsed,
        body,
        header: (name: string) => parsed.find(([k]) => k === name.toLowerCase())?.[1],
        json: () => {
          try {
            return JSON.parse(body.toString("utf8"));
          } catch {
            throw new Error(`response body is not JSON (status ${status}): ${body.toString("latin1").slice(0, 500)}`);
          }
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------

function sleep(ms: number) {
  return new Promise((ok) => setTimeout(ok, ms));
}

function tail(text: string, lines: number): string {
  const all = text.split("\n");
  return all.length <= lines ? text : `[... ${all.length - lines} earlier lines]\n` + all.slice(-lines).join("\n");
}

function describeExit(e: { code: number | null; signal: NodeJS.Signals | null }): string {
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}
