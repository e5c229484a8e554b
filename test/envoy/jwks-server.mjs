// A JWKS endpoint for the jwt-auth example's remote_jwks listener and the integration tests. Plain
// Node, no dependencies. Answers every GET with the current document (application/json).
//
// As a program (docker: `node jwks-server.mjs` in node:20-alpine):
//   JWKS_FILE (a JWKS JSON file, required), PORT (default 8080), HOST (default 0.0.0.0)
// As a module (tests):
//   const jwks = await startJwks({ body: '{"keys":[...]}', port: 0 });
//   jwks.port, jwks.hits (requests served: {path, authority}), jwks.set({ status: 503, body: "down", delayMs: 0 }),
//   await jwks.close()
import { createServer } from "node:http";
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * @param {{ body?: string, status?: number, port?: number, host?: string }} [opts]
 */
export function startJwks(opts = {}) {
  const state = { body: opts.body ?? '{"keys":[]}', status: opts.status ?? 200, delayMs: 0 };
  /** @type {{ path: string, authority: string }[]} */
  const hits = [];
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? "", authority: req.headers.host ?? "" });
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(state.status, { "content-type": "application/json", "content-length": Buffer.byteLength(state.body) });
      res.end(state.body);
    };
    if (state.delayMs > 0) setTimeout(answer, state.delayMs);
    else answer();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const addr = server.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : 0,
        hits,
        /** @param {{ body?: string, status?: number, delayMs?: number }} next */
        set(next) { Object.assign(state, next); },
        close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done(undefined)); }),
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
  const file = process.env.JWKS_FILE;
  if (!file) {
    console.error("JWKS_FILE is required");
    process.exit(2);
  }
  const body = readFileSync(file, "utf8");
  const jwks = await startJwks({ body, port: Number(process.env.PORT || 8080), host: process.env.HOST || "0.0.0.0" });
  console.log(`JWKS server on port ${jwks.port} serving ${file}`);
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
}
