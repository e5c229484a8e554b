// Echo upstream for the Envoy examples and integration tests. Plain Node, no dependencies.
//
// Every request gets 200 and a JSON body:
//   {"upstream": NAME, "method": "GET", "path": "/x?y=1",
//    "headers": {"<lower-case name>": "value" | ["value1", "value2", ...]},   (repeated headers => array)
//    (header values are Node's latin1 strings: one char per byte received, so Buffer.from(v, "latin1")
//     gives the bytes byte for byte, valid UTF-8 or not)
//    "body": "<request body as UTF-8>"}
//
// As a program (docker: `node echo-server.mjs` in node:20-alpine):
//   ECHO_NAME (default "echo"), PORT (default 8080), HOST (default 0.0.0.0)
// As a module (tests):
//   const echo = await startEcho({ name: "echo-base", port: 0 });  // echo.port, echo.requests, await echo.close()
import { createServer } from "node:http";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * @typedef {{ upstream: string, method: string, path: string,
 *             headers: Record<string, string | string[]>, body: string }} EchoRecord
 */

/** @param {import("node:http").IncomingMessage} req @param {string} body @param {string} name @returns {EchoRecord} */
function describe(req, body, name) {
  /** @type {Record<string, string | string[]>} */
  const headers = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i].toLowerCase();
    const value = raw[i + 1];
    const prev = headers[key];
    if (prev === undefined) headers[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[key] = [prev, value];
  }
  return { upstream: name, method: req.method ?? "", path: req.url ?? "", headers, body };
}

/** @param {string} name @param {EchoRecord[] | null} log */
function handler(name, log) {
  /** @type {import("node:http").RequestListener} */
  return (req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const record = describe(req, Buffer.concat(chunks).toString("utf8"), name);
      if (log) log.push(record);
      const json = JSON.stringify(record);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(json),
        "x-echo-upstream": name,
      });
      res.end(json);
    });
  };
}

/**
 * Starts an echo server in this process.
 * @param {{ name?: string, port?: number, host?: string }} [opts] port 0 (default) picks a free port
 * @returns {Promise<{ name: string, port: number, requests: EchoRecord[], close(): Promise<void> }>}
 */
export function startEcho(opts = {}) {
  const name = opts.name ?? "echo";
  const host = opts.host ?? "127.0.0.1";
  /** @type {EchoRecord[]} */
  const requests = [];
  // Node's default limit (16 KiB of headers) would answer 431 itself for the large headers some
  // tests send through Envoy (whose own limit is 60 KiB): the echo reports what it receives instead.
  const server = createServer({ keepAliveTimeout: 60_000, maxHeaderSize: 1 << 20 }, handler(name, requests));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      resolve({
        name,
        port,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const name = process.env.ECHO_NAME || "echo";
  const port = Number(process.env.PORT || 8080);
  const host = process.env.HOST || "0.0.0.0";
  const server = createServer({ keepAliveTimeout: 60_000 }, handler(name, null));
  server.listen(port, host, () => console.log(`echo server "${name}" listening on ${host}:${port}`));
  // PID 1 in a container gets no default signal handling: exit promptly on docker stop / Ctrl-C.
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
}
