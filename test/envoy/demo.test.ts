// `npm start` must work as printed: run the demo in check mode, which executes every
// curl command it prints against the demo Envoy and verifies the answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { freePort, REPO_ROOT } from "./envoy.ts";

test("npm start demo: every printed curl works", { timeout: 180_000 }, async () => {
  const port = await freePort();
  const admin = await freePort();
  const result = await new Promise<{ code: number; out: string }>((done) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--check"], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEMO_PORT: String(port), DEMO_ADMIN_PORT: String(admin) },
      timeout: 170_000,
    }, (err, stdout, stderr) => done({ code: err ? 1 : 0, out: stdout + stderr }));
  });
  assert.equal(result.code, 0, result.out);
  assert.doesNotMatch(result.out, /FAIL/);
});
