// Every built plugin must load into Envoy: only proxy-wasm ABI 0.2.1 host functions
// and WASI imports, the ABI version marker, an allocator, memory and an entry point.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";
import { callbackExportProblems } from "../../scripts/callback-exports.mjs";

const DIST = new URL("../../dist/", import.meta.url).pathname;

// proxy-wasm ABI 0.2.1 host functions (spec abi-versions/v0.2.1).
const ABI_0_2_1 = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_get_current_time_nanoseconds", "proxy_set_tick_period_milliseconds",
  "proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_get_buffer_status",
  "proxy_get_header_map_size", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs",
  "proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value",
  "proxy_remove_header_map_value", "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_get_status", "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send",
  "proxy_grpc_cancel", "proxy_grpc_close", "proxy_get_shared_data", "proxy_set_shared_data",
  "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue",
  "proxy_dequeue_shared_queue", "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric",
  "proxy_get_metric", "proxy_get_property", "proxy_set_property", "proxy_set_effective_context", "proxy_done",
  "proxy_call_foreign_function",
]);

// WASI preview1 functions Envoy implements (proxy-wasm-cpp-host exports.h).
const WASI = new Set([
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_prestat_get", "fd_prestat_dir_name",
  "environ_get", "environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get", "clock_res_get",
  "random_get", "sched_yield", "poll_oneoff", "proc_exit", "path_open",
]);

const modules = readdirSync(DIST).filter((f) => f.endsWith(".wasm"));

test("plugins are built", () => {
  assert.ok(modules.length > 0, `no .wasm in ${DIST}: run npm run build first`);
});

for (const file of modules) {
  test(`${file}: valid module with only ABI 0.2.1 and WASI imports`, async () => {
    const bytes = readFileSync(join(DIST, file));
    const wabt = await wabtInit();
    const parsed = wabt.readWasm(bytes, { readDebugNames: false });
    parsed.validate(); // throws on an invalid module
    parsed.destroy();

    const mod = new WebAssembly.Module(bytes);
    for (const imp of WebAssembly.Module.imports(mod)) {
      const ok = (imp.module === "env" && ABI_0_2_1.has(imp.name)) ||
        (imp.module === "wasi_snapshot_preview1" && WASI.has(imp.name));
      assert.ok(ok, `${file} imports ${imp.module}.${imp.name}, which Envoy does not provide`);
    }
    const exports = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
    assert.ok(exports.has("proxy_abi_version_0_2_1"), "missing ABI version marker export");
    assert.ok(exports.has("memory"), "missing memory export");
    assert.ok(exports.has("malloc") || exports.has("proxy_on_memory_allocate"), "missing allocator export");
    assert.ok(exports.has("_initialize") || exports.has("_start"), "missing entry point export");
    for (const required of ["proxy_on_context_create", "proxy_on_configure", "proxy_on_request_headers", "proxy_on_delete"]) {
      assert.ok(exports.has(required), `missing export ${required}`);
    }
  });
}

for (const file of modules) {
  test(`${file}: exports exactly the stream callbacks its plugin overrides`, () => {
    const plugin = file.replace(/\.wasm$/, "");
    assert.deepEqual(callbackExportProblems(new URL(`../../plugins/${plugin}/`, import.meta.url).pathname, readFileSync(join(DIST, file))), []);
  });
}

test("the export check sees a callback exported for nothing and one overridden but not exported", () => {
  // tenant-gray overrides onResponseHeaders; baggage-tag does not export proxy_on_response_headers.
  const problems = callbackExportProblems(new URL("../../plugins/tenant-gray/", import.meta.url).pathname, readFileSync(join(DIST, "baggage-tag.wasm")));
  assert.equal(problems.length, 1);
  assert.match(problems[0], /overrides onResponseHeaders but does not export proxy_on_response_headers/);
});
