// Harness for tests against the real Rate Limit Service (github.com/envoyproxy/ratelimit, "RLS") and the
// Redis it counts in. Both run as local processes (no Docker): redis-server from scripts/install-redis.sh,
// the pinned RLS from scripts/install-ratelimit.sh. What this RLS version does is in docs/ratelimit-service.md.
//
// Usage in a test (node:test; processes are always stopped, and their logs printed to stderr if the test failed):
//   test("limits across replicas", async (t) => {
//     const redis = await useRedis(t);
//     const rls = await useRls(t, { redisPort: redis.port, config: `
//       domain: gateway
//       descriptors:
//         - key: api_key
//           rate_limit: { unit: minute, requests_per_unit: 5 }` });
//     const echo = await useEcho(t, "echo");
//     const envoy = await useEnvoy(t, {
//       configPath: "envoy-examples/global-rate-limit/envoy.yaml",
//       replacements: standardReplacements({ upstreams: { echo: echo.port }, services: { [RLS_SERVICE]: rls.grpcPort } }),
//     });
//     ...
//   });
//
// Compose convention (see test/envoy/envoy.ts): an example's envoy.yaml reaches RLS through a cluster whose
// endpoint is, on one line, `{ address: ratelimit, port_value: 8081 }` (RLS_SERVICE); standardReplacements'
// `services` option rewrites it to the test's RLS gRPC port, and fails if the text is missing.
//
// Ports: RLS listens on port 0 for gRPC, HTTP and debug (the kernel picks free ports, so parallel test files
// cannot collide; note RLS binds with SO_REUSEPORT, so a port picked in advance could even be shared
// silently), and the harness reads the ports back from /proc/<pid>/net/tcp. redis-server cannot listen on
// port 0 (--port 0 disables TCP): it gets a port that was free a moment ago, and is retried on another port
// if it loses that race. restart() keeps RLS's ports, so an Envoy cluster pointing at it stays valid.
//
// A missing redis-server or RLS is a failure, never a skip: findRedis()/findRls() throw with the install
// script's message.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect as http2Connect } from "node:http2";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach } from "node:test";
import { REPO_ROOT, dumpEnvoyLog, freePort, type Echo, type Envoy, type TestLike } from "./envoy.ts";

/** The RLS endpoint in the examples' envoy.yaml (docker-compose service `ratelimit`, gRPC port 8081). */
export const RLS_SERVICE = "ratelimit:8081";

// ---------------------------------------------------------------------------------------------------
// Finding the binaries

function runInstallScript(script: string, what: string): Promise<string> {
  return new Promise<string>((ok, fail) => {
    execFile("bash", [join(REPO_ROOT, "scripts", script)], { cwd: REPO_ROOT, timeout: 900_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split("\n");
      const path = lines[lines.length - 1]?.trim() ?? "";
      if (err || !path) {
        const why = err ? (err.killed ? "timed out" : `exit code ${err.code}`) : "no path printed";
        fail(new Error(`No usable ${what}: scripts/${script} failed (${why}):\n${stderr}`));
      }
      else ok(path);
    });
  });
}

let redisPath: Promise<string> | undefined;
let rlsPath: Promise<string> | undefined;
/** Absolute path of redis-server (runs scripts/install-redis.sh once per process). Throws if none. */
export function findRedis(): Promise<string> {
  return (redisPath ??= runInstallScript("install-redis.sh", "redis-server"));
}
/** Absolute path of the pinned RLS (runs scripts/install-ratelimit.sh once per process; builds it on first use). */
export function findRls(): Promise<string> {
  return (rlsPath ??= runInstallScript("install-ratelimit.sh", "Rate Limit Service (envoyproxy/ratelimit)"));
}

// ---------------------------------------------------------------------------------------------------
// Processes: log capture, stop with SIGTERM then SIGKILL, SIGSTOP/SIGCONT

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) {
    p.kill("SIGCONT");
    p.kill("SIGKILL");
  }
});

const LOG_CAP = 4 << 20;

interface Proc {
  proc: ChildProcess;
  log(): string;
  /** how the process ended; null while it runs */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  stop(): Promise<void>;
  /** SIGSTOP, resolved once every thread is stopped (delivery is asynchronous: without waiting, a request sent
   *  right after kill() can still be answered) */
  pause(): Promise<void>;
  resume(): void;
}

/** Resolves when every thread of pid is in state T (stopped); throws after timeoutMs. */
async function waitStopped(pid: number, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = readdirSync(`/proc/${pid}/task`).map((tid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      } catch {
        return "T"; // the thread ended meanwhile
      }
    });
    if (states.every((st) => st === "T")) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} not stopped ${timeoutMs} ms after SIGSTOP (thread states ${states.join("")})`);
    await sleep(5);
  }
}

/** Spawns cmd, appending its stdout/stderr to a shared log (prefix: the command line). */
function launch(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, header: string, previousLog = ""): Proc {
  const proc = spawn(bin, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let logText = previousLog + header;
  const onData = (chunk: Buffer) => {
    logText += chunk.toString("utf8");
    if (logText.length > LOG_CAP) logText = logText.slice(logText.length - LOG_CAP);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  let exited = null as { code: number | null; signal: NodeJS.Signals | null } | null;
  const exitPromise = new Promise<void>((ok) => {
    proc.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(proc);
      ok();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    proc,
    log: () => logText,
    exited: () => exited,
    pause: async () => {
      if (exited) return;
      proc.kill("SIGSTOP");
      await waitStopped(proc.pid!);
    },
    resume: () => {
      if (!exited) proc.kill("SIGCONT");
    },
    stop: () =>
      (stopping ??= (async () => {
        if (exited) return;
        proc.kill("SIGTERM");
        proc.kill("SIGCONT"); // a paused process handles SIGTERM only once it runs again
        const t = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await exitPromise;
        clearTimeout(t);
      })()),
  };
}

function describeExit(e: { code: number | null; signal: NodeJS.Signals | null }): string {
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

function tail(text: string, lines: number): string {
  const all = text.split("\n");
  return all.length <= lines ? text : `[... ${all.length - lines} earlier lines]\n` + all.slice(-lines).join("\n");
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

// ---------------------------------------------------------------------------------------------------
// Redis

export type RespValue = string | number | null | RespValue[];

export interface Redis {
  proc: ChildProcess;
  port: number;
  /** everything redis-server wrote so far */
  log(): string;
  /** one command over a fresh connection, e.g. command("GET", key); a Redis error reply rejects */
  command(...args: Array<string | number>): Promise<RespValue>;
  /** keys matching a glob pattern (SCAN), sorted */
  keys(pattern?: string): Promise<string[]>;
  /** SIGSTOP: Redis hangs (connections stay open, nothing is answered); resolves once it is stopped */
  pause(): Promise<void>;
  /** SIGCONT */
  resume(): void;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** default: a free port (retried on another one if taken meanwhile) */
  port?: number;
  extraArgs?: string[];
  /** default 10 000 */
  readyTimeoutMs?: number;
}

/** Starts redis-server on 127.0.0.1 without persistence and waits until it answers PING. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<Redis> {
  const bin = await findRedis();
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), "redis-test-"));
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", ...(opts.extraArgs ?? [])];
    const p = launch(bin, args, { PATH: process.env.PATH }, dir, `$ ${bin} ${args.map((a) => (a === "" ? "''" : a)).join(" ")}\n`);
    const cleanup = async () => {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
    let ready = false;
    while (!p.exited() && Date.now() < deadline) {
      // Ours must be the process listening (another Redis already on the port would answer PING too).
      if (listeningPorts(p.proc.pid!).includes(port) && (await respCommand(port, ["PING"], 1_000).then((r) => r === "PONG", () => false))) {
        ready = true;
        break;
      }
      await sleep(30);
    }
    if (ready && !p.exited()) {
      return {
        proc: p.proc,
        port,
        log: p.log,
        command: (...a) => respCommand(port, a.map(String)),
        keys: async (pattern = "*") => {
          const out: string[] = [];
          let cursor = "0";
          do {
            const r = (await respCommand(port, ["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [string, string[]];
            cursor = r[0];
            out.push(...r[1]);
          } while (cursor !== "0");
          return out.sort();
        },
        pause: p.pause,
        resume: p.resume,
        stop: cleanup,
      };
    }
    const exit = p.exited();
    await cleanup();
    if (exit && /Address already in use/i.test(p.log()) && opts.port === undefined && attempt < 5) continue;
    throw new Error(`redis-server ${exit ? `exited during startup (${describeExit(exit)})` : "did not answer PING in time"}\n--- redis log ---\n${tail(p.log(), 50)}`);
  }
}

/** Sends one RESP command on a new connection and reads one reply. */
function respCommand(port: number, args: string[], timeoutMs = 5_000): Promise<RespValue> {
  return new Promise((ok, fail) => {
    const socket = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`redis :${port} ${args[0]}: no reply in ${timeoutMs} ms`)));
    socket.once("error", fail);
    socket.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const r = parseResp(buf, 0);
      if (!r) return;
      socket.destroy();
      if (r.error) fail(new Error(`redis ${args.join(" ")}: ${r.error}`));
      else ok(r.value);
    });
    const parts = [`*${args.length}\r\n`];
    for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
    socket.write(parts.join(""));
  });
}

/** Parses one RESP2 value at `at`; undefined if incomplete. */
function parseResp(b: Buffer, at: number): { value: RespValue; end: number; error?: string } | undefined {
  const eol = b.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const line = b.toString("utf8", at + 1, eol);
  switch (String.fromCharCode(b[at]!)) {
    case "+": return { value: line, end: eol + 2 };
    case "-": return { value: null, end: eol + 2, error: line };
    case ":": return { value: Number(line), end: eol + 2 };
    case "$": {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (b.length < eol + 2 + n + 2) return undefined;
      return { value: b.toString("utf8", eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let pos = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseResp(b, pos);
        if (!r) return undefined;
        items.push(r.value);
        pos = r.end;
      }
      return { value: items, end: pos };
    }
    default: return { value: null, end: eol + 2, error: `unexpected RESP reply ${JSON.stringify(b.toString("latin1", at, eol))}` };
  }
}

// ---------------------------------------------------------------------------------------------------
// RLS

export interface StartRlsOptions {
  redisPort: number;
  /** RLS YAML configuration: one file's text, or file name -> text (all in RLS's config directory) */
  config: string | Record<string, string>;
  /** further RLS settings (env vars of src/settings/settings.go), e.g. { LIMIT_RESPONSE_HEADERS_ENABLED: "true" } */
  env?: Record<string, string>;
  /** RLS LOG_LEVEL; default "debug" (each request's descriptors and cache keys: useful in a failed test's dump;
   *  pass "warn" for load tests) */
  logLevel?: string;
  /** default 20 000 */
  readyTimeoutMs?: number;
}

export interface Rls {
  proc: ChildProcess;
  /** ShouldRateLimit (envoy.service.ratelimit.v3.RateLimitService), HTTP/2 */
  grpcPort: number;
  /** /healthcheck and /json (ShouldRateLimit with protojson bodies) */
  httpPort: number;
  /** /rlconfig (loaded configuration), /stats */
  debugPort: number;
  /** everything RLS wrote so far, across restarts */
  log(): string;
  /** POST /json: a RateLimitRequest in protojson (camelCase), e.g.
   *  {domain: "gateway", descriptors: [{entries: [{key: "api_key", value: "a"}], hitsAddend: "0"}]};
   *  returns the RateLimitResponse as protojson (absent fields: proto3 defaults). Rejects on an RLS error. */
  shouldRateLimit(req: unknown): Promise<any>;
  /** SIGSTOP: RLS hangs (Envoy's gRPC calls time out); resolves once it is stopped */
  pause(): Promise<void>;
  /** SIGCONT */
  resume(): void;
  /** stops RLS and starts it again on the same ports (optionally with a new configuration); Redis keeps the counters */
  restart(config?: string | Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts RLS against Redis on 127.0.0.1:redisPort and waits until its HTTP /healthcheck and gRPC health say SERVING. */
export async function startRls(opts: StartRlsOptions): Promise<Rls> {
  const bin = await findRls();
  const dir = mkdtempSync(join(tmpdir(), "rls-test-"));
  const configDir = join(dir, "runtime", "ratelimit", "config");
  mkdirSync(configDir, { recursive: true });
  const writeConfig = (config: string | Record<string, string>) => {
    for (const f of readdirSync(configDir)) rmSync(join(configDir, f));
    const files = typeof config === "string" ? { "config.yaml": config } : config;
    for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), dedent(text));
  };
  writeConfig(opts.config);

  const env = (ports: { grpc: number; http: number; debug: number }): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    REDIS_SOCKET_TYPE: "tcp",
    REDIS_URL: `127.0.0.1:${opts.redisPort}`,
    HOST: "127.0.0.1",
    PORT: String(ports.http),
    GRPC_HOST: "127.0.0.1",
    GRPC_PORT: String(ports.grpc),
    DEBUG_HOST: "127.0.0.1",
    DEBUG_PORT: String(ports.debug),
    USE_STATSD: "false",
    RUNTIME_ROOT: join(dir, "runtime"),
    RUNTIME_SUBDIRECTORY: "ratelimit",
    RUNTIME_APPDIRECTORY: "config",
    RUNTIME_WATCH_ROOT: "false",
    RUNTIME_IGNOREDOTFILES: "true",
    LOG_LEVEL: opts.logLevel ?? "debug",
    ...opts.env,
  });

  let p: Proc | undefined;
  let ports = { grpc: 0, http: 0, debug: 0 };
  const boot = async (wanted: typeof ports) => {
    const e = env(wanted);
    const header = `$ ${Object.entries(e).filter(([k]) => k !== "PATH").map(([k, v]) => `${k}=${v}`).join(" ")} ${bin}\n`;
    p = launch(bin, [], e, dir, header, p?.log() ?? "");
    const proc = p;
    const fail = async (why: string): Promise<never> => {
      await proc.stop();
      throw new Error(`${why}\n--- RLS log ---\n${tail(proc.log(), 80)}`);
    };
    const timeout = opts.readyTimeoutMs ?? 20_000;
    const deadline = Date.now() + timeout;
    let found: typeof ports | undefined;
    for (;;) {
      const exit = proc.exited();
      if (exit) return fail(`RLS exited during startup (${describeExit(exit)})`);
      if (Date.now() > deadline) return fail(`RLS not ready after ${timeout} ms`);
      found ??= await classifyPorts(proc.proc.pid!);
      if (found) {
        const http = await httpGet(found.http, "/healthcheck").catch(() => null);
        if (http?.status === 200 && (await grpcHealth(found.grpc).catch(() => false))) return found;
      }
      await sleep(50);
    }
  };
  ports = await boot(ports).catch((e) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await p!.stop();
    if (!process.env.ENVOY_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };

  return {
    get proc() {
      return p!.proc;
    },
    grpcPort: ports.grpc,
    httpPort: ports.http,
    debugPort: ports.debug,
    log: () => p!.log(),
    shouldRateLimit: async (req: unknown) => {
      const res = await httpPost(ports.http, "/json", JSON.stringify(req));
      if (res.status !== 200) throw new Error(`RLS /json: HTTP ${res.status} ${res.body.trim()} (the reason is in RLS's log)`);
      return JSON.parse(res.body);
    },
    pause: () => p!.pause(),
    resume: () => p!.resume(),
    restart: async (config) => {
      await p!.stop();
      if (config !== undefined) writeConfig(config);
      // Same ports, so Envoy's cluster still points here. Another process may in rare cases grab a port
      // in between: retry a few times, then give up with RLS's log. (Should another RLS, which also binds
      // with SO_REUSEPORT, have been given the port in those milliseconds, both would share it: a chance
      // of about one in the ~28 000 ephemeral ports per concurrent RLS start, accepted here.)
      for (let attempt = 1; ; attempt++) {
        try {
          await boot(ports);
          return;
        } catch (e) {
          if (attempt >= 10 || !/address already in use/i.test((e as Error).message)) throw e;
          await sleep(200);
        }
      }
    },
    stop,
  };
}

/** RLS's three listening ports, told apart by what they answer; undefined until all three listen. */
async function classifyPorts(pid: number): Promise<{ grpc: number; http: number; debug: number } | undefined> {
  const listening = listeningPorts(pid);
  if (listening.length < 3) return undefined;
  let grpc = 0, http = 0, debug = 0;
  for (const port of listening) {
    const root = await httpGet(port, "/").catch(() => null);
    if (root?.status === 200 && root.body.includes("/rlconfig")) debug = port; // debug mux lists its endpoints
    else if (root?.status === 404) http = port; // the main HTTP router has /healthcheck and /json only
    else if (await grpcHealth(port).catch(() => false)) grpc = port;
  }
  return grpc && http && debug ? { grpc, http, debug } : undefined;
}

/** TCP ports that process `pid` listens on (its socket inodes matched in /proc/<pid>/net/tcp{,6}). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length > 9 && f[3] === "0A" && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return httpCall(port, "GET", path);
}
function httpPost(port: number, path: string, body: string): Promise<{ status: number; body: string }> {
  return httpCall(port, "POST", path, body);
}
function httpCall(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, agent: false, headers: body ? { "content-type": "application/json" } : {} });
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path} on :${port} timed out`)));
    req.once("error", fail);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", fail);
      res.once("end", () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.end(body);
  });
}

/** grpc.health.v1.Health/Check (service "") over HTTP/2: true if the answer is SERVING. */
export function grpcHealth(port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((ok, fail) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    const done = (f: () => void) => {
      clearTimeout(timer);
      session.destroy();
      f();
    };
    const timer = setTimeout(() => done(() => fail(new Error(`gRPC health on :${port}: no answer in ${timeoutMs} ms`))), timeoutMs);
    session.once("error", (e) => done(() => fail(e)));
    const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Check", "content-type": "application/grpc", te: "trailers" });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) grpcStatus = String(h["grpc-status"]);
    });
    stream.on("trailers", (h) => {
      grpcStatus = String(h["grpc-status"]);
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("error", (e) => done(() => fail(e)));
    stream.once("end", () => {
      // One length-prefixed message: HealthCheckResponse{status (field 1, varint) = 1 SERVING}.
      const body = Buffer.concat(chunks);
      done(() => ok(grpcStatus === "0" && body.length >= 7 && body[5] === 0x08 && body[6] === 1));
    });
    stream.end(Buffer.from([0, 0, 0, 0, 0])); // uncompressed, empty HealthCheckRequest
  });
}

/** Strips the common leading indentation (configs written inline in tests). */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join("\n");
}

// ---------------------------------------------------------------------------------------------------
// node:test helpers

export function dumpRedisLog(redis: Redis, label = "", lines = 100): void {
  process.stderr.write(`\n===== Redis log${label ? ` (${label})` : ""}: port ${redis.port} =====\n${tail(redis.log(), lines)}\n===== end of Redis log =====\n`);
}

export function dumpRlsLog(rls: Rls, label = "", lines = 300): void {
  process.stderr.write(`\n===== RLS log${label ? ` (${label})` : ""}: grpc ${rls.grpcPort}, http ${rls.httpPort} =====\n${tail(rls.log(), lines)}\n===== end of RLS log =====\n`);
}

/** What a suite of Envoy replicas in front of RLS and Redis runs (its fields are set in before()). */
export interface ReplicaRig {
  redis?: Redis;
  rls?: Rls;
  echo?: Echo;
  envoys: Envoy[];
}

/** Registers the suite's after() (stop every process) and afterEach() (print every log if a test failed). */
export function tearDownRig(rig: () => ReplicaRig): void {
  after(async () => {
    const { envoys, echo, rls, redis } = rig();
    await Promise.all(envoys.map((e) => e.stop()));
    await echo?.close();
    await rls?.stop();
    await redis?.stop();
  });
  afterEach((t) => {
    if (t.passed !== false) return;
    const { envoys, rls, redis } = rig();
    envoys.forEach((e, i) => dumpEnvoyLog(e, `replica ${i + 1}: ${t.name}`, 120));
    if (rls) dumpRlsLog(rls, t.name);
    if (redis) dumpRedisLog(redis, t.name, 30);
  });
}

/** startRedis + t.after(stop), printing Redis's log if the test failed. */
export async function useRedis(t: TestLike, opts: StartRedisOptions = {}): Promise<Redis> {
  const redis = await startRedis(opts);
  t.after(async () => {
    if (t.passed === false || t.passed === undefined) dumpRedisLog(redis, t.name);
    await redis.stop();
  });
  return redis;
}

/** startRls + t.after(stop), printing RLS's log if the test failed. */
export async function useRls(t: TestLike, opts: StartRlsOptions): Promise<Rls> {
  const rls = await startRls(opts);
  t.after(async () => {
    if (t.passed === false || t.passed === undefined) dumpRlsLog(rls, t.name);
    await rls.stop();
  });
  return rls;
}

// ---------------------------------------------------------------------------------------------------
// Fixed windows

/**
 * RLS counts in windows aligned to the clock (a minute window starts at :00). A test that must stay in one
 * window calls this first: if fewer than `marginMs` remain in the current window of `unitSeconds`, it waits
 * until the next one has begun (plus 50 ms). Returns the milliseconds left in the window it starts in.
 */
export async function awayFromWindowEdge(unitSeconds = 60, marginMs = 3_000): Promise<number> {
  const unitMs = unitSeconds * 1000;
  let left = unitMs - (Date.now() % unitMs);
  if (left < marginMs) {
    await sleep(left + 50);
    left = unitMs - (Date.now() % unitMs);
  }
  return left;
}
