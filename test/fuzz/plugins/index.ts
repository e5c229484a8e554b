import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type PluginFuzzer } from "../engine.ts";
import { baggageTag } from "./baggage-tag.ts";
import { globalRateLimit } from "./global-rate-limit.ts";
import { jwtAuth } from "./jwt-auth.ts";
import { localRateLimit } from "./local-rate-limit.ts";
import { tenantGray } from "./tenant-gray.ts";

export const FUZZERS: Record<string, PluginFuzzer> = {
  "baggage-tag": baggageTag,
  "global-rate-limit": globalRateLimit,
  "jwt-auth": jwtAuth,
  "local-rate-limit": localRateLimit,
  "tenant-gray": tenantGray,
};

/** Every plugin in plugins/ (a plugin without a fuzzer is an error for `--plugin all`). */
export function pluginNames(): string[] {
  return readdirSync(join(REPO_ROOT, "plugins")).filter((p) => existsSync(join(REPO_ROOT, "plugins", p, "index.ts"))).sort();
}
