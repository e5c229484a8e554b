// Command-line options shared by the bench scripts: `--name value` pairs and plugin names.

import { resolve } from "node:path";
import { REPO_ROOT } from "../../test/envoy/envoy.ts";

const argv = process.argv.slice(2);

/** The value after `--name`, or `fallback`. */
export function option(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
}

export const numberOption = (name: string, fallback: number): number => Number(option(name, String(fallback)));

/** Options that take no value. */
const FLAGS = ["--quick", "--splice"];

/** Whether the flag `--name` is given. */
export const flag = (name: string): boolean => argv.includes(`--${name}`);

/** Plugin names given on the command line (arguments that are neither options nor their values). */
export const wantedPlugins: string[] = argv.filter((a, i) => !a.startsWith("--") && !(argv[i - 1]?.startsWith("--") && !FLAGS.includes(argv[i - 1]!)));

/** Where the measured .wasm files come from (--wasm-dir, default dist/). */
export const wasmDir = resolve(REPO_ROOT, option("wasm-dir", "dist"));

/** --variants <regex>: only the variants whose id matches (and each plugin's "no filter", which the others are paired with). */
const variantPattern = option("variants", "");
export const wantedVariant = (v: { id: string; filters: string }): boolean =>
  variantPattern === "" || v.filters === "" || new RegExp(variantPattern).test(v.id);
