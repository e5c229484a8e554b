// Waiting for the gray cluster of the examples with active health checks (all-in-one).
import { setTimeout as sleep } from "node:timers/promises";
import type { Envoy } from "./envoy.ts";

/** Waits until the first active health check has passed on the gray host (on a busy machine the
 *  first one can time out while Envoy is still building its Wasm VMs). */
export async function grayHealthy(envoy: Envoy, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const clusters = await envoy.admin("/clusters");
    if (/^gray::[^\n]*::health_flags::healthy$/m.test(clusters)) return;
    if (Date.now() > deadline) throw new Error(`gray not healthy after ${timeoutMs} ms:\n${clusters.split("\n").filter((l) => l.includes("health_flags")).join("\n")}`);
    await sleep(100);
  }
}
