// Linear memory of one VM (emulator, the real .wasm) under each Wasm variant's request
// (scripts/bench/variants.ts): pages after warm-up, after 100,000 requests and after --requests
// (default 1,000,000). Flat means the plugin frees what a request allocates; Wasm memory never
// shrinks, so any growth would be kept for the life of the VM.
//
//   node --import tsx scripts/bench/memory.ts [plugin ...] [--requests 1000000] [--json out.json]

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../../test/host/index.ts";
import { numberOption, option, wantedPlugins, wasmDir } from "./options.ts";
import { BENCHES } from "./variants.ts";

const REQUESTS = numberOption("requests", 1000000);
const WASM_DIR = wasmDir;
const JSON_OUT = option("json", "");

export interface MemoryResult { plugin: string; id: string; label: string; warm: number; at100k: number; atEnd: number; requests: number }

export function measureMemory(requests = REQUESTS): MemoryResult[] {
  const results: MemoryResult[] = [];
  for (const b of BENCHES.filter((x) => wantedPlugins.length === 0 || wantedPlugins.includes(x.plugin))) {
    for (const v of b.variants) {
      if (!v.wasm) continue;
      const host = ProxyWasmHost.create({ wasm: join(WASM_DIR, `${b.plugin}.wasm`), workers: 1, pluginName: b.plugin, pluginConfig: v.wasm.config });
      const vm = host.vm(0);
      const headers: [string, string][] = [[":path", v.path ?? "/"], ...v.headers];
      const run = (n: number) => {
        for (let i = 0; i < n; i++) host.request({ headers });
      };
      run(1000);
      const warm = vm.memoryPages;
      run(99_000);
      const at100k = vm.memoryPages;
      run(Math.max(0, requests - 100_000));
      results.push({ plugin: b.plugin, id: v.id, label: v.label, warm, at100k, atEnd: vm.memoryPages, requests });
      process.stderr.write(`  ${v.id}: ${warm} / ${at100k} / ${vm.memoryPages} pages\n`);
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = measureMemory();
  console.log(`\nLinear memory of one VM, 64 KiB pages (emulator)\n`);
  console.log("plugin".padEnd(18) + "variant".padEnd(40) + "warm".padStart(8) + "100k".padStart(8) + `${REQUESTS / 1000}k`.padStart(8));
  for (const r of results) console.log(`${r.plugin.padEnd(18)}${r.label.padEnd(40)}${String(r.warm).padStart(8)}${String(r.at100k).padStart(8)}${String(r.atEnd).padStart(8)}`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}
