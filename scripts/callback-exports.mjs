// A plugin exports exactly the stream callbacks its filter (or plugin) overrides: Envoy calls every
// exported one on every request, and one that is overridden but not exported is never called.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Overridable method -> the export that makes Envoy call it. */
export const CALLBACK_EXPORTS = {
  onRequestHeaders: "proxy_on_request_headers",
  onRequestBody: "proxy_on_request_body",
  onRequestTrailers: "proxy_on_request_trailers",
  onResponseHeaders: "proxy_on_response_headers",
  onResponseBody: "proxy_on_response_body",
  onResponseTrailers: "proxy_on_response_trailers",
  onLog: "proxy_on_log",
  onDone: "proxy_on_done",
};

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue; // a project's dependencies are not its sources
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts")) out.push(readFileSync(p, "utf8"));
  }
  return out;
}

/** Problems with `wasm`'s stream-callback exports for the plugin whose sources are in `dir` ([] = none). */
export function callbackExportProblems(dir, wasm) {
  const text = sources(dir).join("\n");
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name));
  const problems = [];
  for (const [method, name] of Object.entries(CALLBACK_EXPORTS)) {
    const overridden = new RegExp(`^\\s+${method}\\(`, "m").test(text);
    if (overridden && !exported.has(name)) problems.push(`overrides ${method} but does not export ${name} (Envoy would never call it)`);
    if (!overridden && exported.has(name)) problems.push(`exports ${name} without overriding ${method} (Envoy calls it on every request for nothing)`);
  }
  return problems;
}
