// `npm start` must work as printed: run the demo in check mode, which executes every
// command it prints against the demo Envoys and verifies the answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { REPO_ROOT } from "./envoy.ts";

const isFree = (port: number) => new Promise<boolean>((done) => {
  const s = createServer().once("error", () => done(false)).listen(port, "127.0.0.1", () => s.close(() => done(true)));
});

/** First port of `count` consecutive free ports. */
async function freeBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await isFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

test("npm start demo: every printed command works", { timeout: 240_000 }, async () => {
  const port = await freeBlock(13);
  const admin = await freeBlock(7);
  const result = await new Promise<{ code: number; out: string }>((done) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/demo.ts", "--check"], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEMO_PORT: String(port), DEMO_ADMIN_PORT: String(admin) },
      timeout: 230_000,
    }, (err, stdout, stderr) => done({ code: err ? 1 : 0, out: stdout + stderr }));
  });
  assert.equal(result.code, 0, result.out);
  assert.doesNotMatch(result.out, /FAIL/);
});
