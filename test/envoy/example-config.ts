// Reads the plugin configuration JSON embedded in an example envoy.yaml, so emulator
// tests run with exactly the configuration the Envoy tests (and users) run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./envoy.ts";

/** The `configuration.value` block (a `value: |` literal) of the Wasm filter named `filterName`. */
export function exampleConfig(examplePath: string, filterName: string): string {
  const lines = readFileSync(join(REPO_ROOT, examplePath), "utf8").split("\n");
  // The http_filters entry: "- name: <filterName>" followed by its typed_config.
  const start = lines.findIndex((l, i) => l.trim() === `- name: ${filterName}` && /typed_config:/.test(lines[i + 1] ?? ""));
  if (start < 0) throw new Error(`${examplePath}: no http filter named ${filterName}`);
  const valueLine = lines.findIndex((l, i) => i > start && /^\s*value: \|\s*$/.test(l));
  if (valueLine < 0) throw new Error(`${examplePath}: filter ${filterName} has no "value: |" configuration block`);
  const indent = (lines[valueLine + 1].match(/^\s*/) ?? [""])[0].length;
  const block: string[] = [];
  for (let i = valueLine + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() !== "" && (l.match(/^\s*/) ?? [""])[0].length < indent) break;
    block.push(l.slice(indent));
  }
  return block.join("\n").trim();
}
