// The soak (scripts/bench/soak.ts) for one minute: all four plugins chained on one Envoy
// (--concurrency 2) under mixed valid and hostile load. It passes when no plugin caused a 5xx, no
// Wasm VM failed, every request got a status its kind expects, and RSS did not grow after warm-up.
// The report goes to a temporary file (docs/soak.md is the committed 10-minute run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSoak, writeReport } from "../../scripts/bench/soak.ts";

test("soak, 1 minute: no plugin 5xx, no VM failure, expected statuses, flat RSS after warm-up", { timeout: 180_000 }, async (t) => {
  const result = await runSoak({ minutes: 1, everySeconds: 10, progress: (l) => t.diagnostic(l.trim()) });
  const dir = mkdtempSync(join(tmpdir(), "soak-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { md } = writeReport(result, join(dir, "soak.md"));
  assert.ok(readFileSync(join(dir, "soak.svg"), "utf8").startsWith("<svg"));
  t.diagnostic(`${result.requests} requests, RSS ${result.samples.map((s) => (s.rssKiB / 1024).toFixed(1)).join(" ")} MiB`);
  assert.ok(result.passed, `soak failed:\n${result.failures.join("\n")}\n\n${md}`);
  // The load did what it says: valid tokens passed, bad ones were refused, limits limited.
  const statuses = (kind: string) => result.byKind.get(kind)!;
  assert.ok((statuses("valid token").get("200") ?? 0) > 100);
  assert.ok((statuses("bad token").get("401") ?? 0) > 100);
  assert.ok((statuses("rate-limited keys").get("429") ?? 0) > 100);
  assert.ok(result.samples.length >= 5, `${result.samples.length} RSS samples`);
});
