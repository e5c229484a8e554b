// Linear memory of one VM (emulator, the real .wasm) under each Wasm variant's request
// (scripts/bench/variants.ts): pages after warm-up, after 100,000 requests and after --requests
// (default 1,000,000). Flat means the plugin frees what a request allocates; Wasm memory never
// shrinks, so any growth would be kept for the life of the VM.
//
//   node --import tsx scripts/bench/memory.ts [plugin ...] [--requests 1000000] [--json out.json]

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../../test/host/index.ts";
import { numberOption, option, wasmDir } from "./options.ts";
import { requestHeaders, scaled, selectedBenches } from "./variants.ts";

const REQUESTS = numberOption("requests", 1000000);
const WASM_DIR = wasmDir;
const JSON_OUT = option("json", "");

export interface MemoryResult {
  plugin: string; id: string; label: string; warm: number; at100k: number; atEnd: number; requests: number;
  /** requests before `at100k` (100,000 but for a variant with a `memoryScale`) */
  midRequests: number;
}

export function measureMemory(requests = REQUESTS): MemoryResult[] {
  const results: MemoryResult[] = [];
  for (const b of selectedBenches()) {
    for (const v of b.variants) {
      if (!v.wasm) continue;
      // The wall clock is the real one: the plugin may check times in the request (token expiry).
      const host = ProxyWasmHost.create({ wasm: join(WASM_DIR, `${b.plugin}.wasm`), workers: 1, pluginName: b.plugin, pluginConfig: v.wasm.config, startTime: Date.now(), clusters: v.emulated?.clusters });
      const vm = host.vm(0);
      const run = (n: number) => {
        for (let i = 0; i < n; i++) {
          const s = host.request({ headers: [[":path", v.path ?? "/"], ...Object.entries(requestHeaders(v))] });
          for (const c of host.pendingGrpcCalls()) host.respondGrpcCall(c, v.emulated!.answer);
          if ((s.status ?? 200) !== (v.status ?? 200)) throw new Error(`${v.id}: status ${s.status}`);
        }
      };
      // A variant with a `memoryScale` gets that fraction of every stage.
      const [warmN, midN, endN] = [1000, 100_000, Math.max(100_000, requests)].map((n) => scaled(v, n, 0, v.memoryScale));
      run(warmN);
      const warm = vm.memoryPages;
      run(midN - warmN);
      const at100k = vm.memoryPages;
      run(endN - midN);
      results.push({ plugin: b.plugin, id: v.id, label: v.label, warm, at100k, atEnd: vm.memoryPages, requests: endN, midRequests: midN });
      process.stderr.write(`  ${v.id}: ${warm} / ${at100k} / ${vm.memoryPages} pages (${warmN} / ${midN} / ${endN} requests)\n`);
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = measureMemory();
  console.log(`\nLinear memory of one VM, 64 KiB pages (emulator)\n`);
  console.log("plugin".padEnd(18) + "variant".padEnd(48) + "warm".padStart(8) + "100k".padStart(8) + `${REQUESTS / 1000}k`.padStart(8));
  for (const r of results) {
    const scaledNote = r.midRequests !== 100_000 ? `  (after ${r.midRequests.toLocaleString("en")} and ${r.requests.toLocaleString("en")} requests)` : "";
    console.log(`${r.plugin.padEnd(18)}${r.label.padEnd(48)}${String(r.warm).padStart(8)}${String(r.at100k).padStart(8)}${String(r.atEnd).padStart(8)}${scaledNote}`);
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}
