// The WASI preview1 subset Envoy links (proxy-wasm-cpp-host src/exports.cc), with Envoy's behaviour:
// fd_write(1|2) becomes an info|error log with one trailing '\n' stripped, clocks come from the emulator
// clock, proc_exit only logs (the VM keeps running; AssemblyScript traps right after it anyway),
// fd_read is ENOSYS, files do not exist.
import { LogLevel, WASI_IMPORTS, WASI_RANDOM_GET_MAX_BYTES, WasiErrno } from "./abi.ts";
import type { LogSource } from "./logs.ts";
import type { GuestMemory } from "./memory.ts";
import { fromUtf8, utf8 } from "./pairs.ts";

export interface WasiVm {
  readonly memory: GuestMemory;
  log(level: number, message: string, source: LogSource): void;
  realtimeNs(): bigint;
  monotonicNs(): bigint;
  randomBytes(n: number): Uint8Array;
  readonly env: readonly [string, string][];
  procExit(code: number): void;
  /** Throws if this call is not allowed right now (Envoy restricts host calls during start/malloc). */
  enter(name: string): void;
  /** records each call when the host traces */
  record?(name: string, args: unknown[], result: unknown): void;
}

type Fn = (...args: any[]) => number | void;

export function createWasiImports(vm: WasiVm): Record<string, Fn> {
  const m = () => vm.memory;
  const impl: Record<string, Fn> = {
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
      let level: number;
      let source: LogSource;
      if (fd === 1) {
        level = LogLevel.info;
        source = "stdout";
      } else if (fd === 2) {
        level = LogLevel.error;
        source = "stderr";
      } else {
        return WasiErrno.BADF;
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const buf = m().readU32(iovs + i * 8);
        const len = m().readU32(iovs + i * 8 + 4);
        if (buf === null || len === null) return WasiErrno.FAULT;
        if (len) {
          const data = m().read(buf, len);
          if (!data) return WasiErrno.FAULT;
          chunks.push(data);
          total += len;
        }
      }
      if (total) {
        const all = new Uint8Array(total);
        let p = 0;
        for (const c of chunks) {
          all.set(c, p);
          p += c.length;
        }
        let text = fromUtf8(all);
        if (text.endsWith("\n")) text = text.slice(0, -1);
        vm.log(level, text, source);
      }
      if (!m().writeU32(nwrittenPtr, total)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    fd_read(): number {
      return WasiErrno.NOSYS;
    },
    fd_seek(): number {
      vm.log(LogLevel.trace, "wasi_unstable fd_seek", "host");
      return WasiErrno.SUCCESS;
    },
    fd_close(): number {
      vm.log(LogLevel.trace, "wasi_unstable fd_close", "host");
      return WasiErrno.SUCCESS;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.BADF;
      const stat = new Uint8Array(24);
      new DataView(stat.buffer).setBigUint64(8, 64n, true); // fs_rights_base = FD_WRITE
      m().write(statPtr, stat);
      return WasiErrno.SUCCESS;
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      let size = 0;
      for (const [k, v] of vm.env) size += utf8(k).length + utf8(v).length + 2;
      if (!m().writeU32(countPtr, vm.env.length)) return WasiErrno.FAULT;
      if (!m().writeU32(sizePtr, size)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    environ_get(arrayPtr: number, bufPtr: number): number {
      for (const [k, v] of vm.env) {
        const data = utf8(`${k}=${v}\0`);
        if (!m().writeU32(arrayPtr, bufPtr)) return WasiErrno.FAULT;
        if (!m().write(bufPtr, data)) return WasiErrno.FAULT;
        bufPtr += data.length;
        arrayPtr += 4;
      }
      return WasiErrno.SUCCESS;
    },
    args_sizes_get(argcPtr: number, sizePtr: number): number {
      if (!m().writeU32(argcPtr, 0)) return WasiErrno.FAULT;
      if (!m().writeU32(sizePtr, 0)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    args_get(): number {
      return WasiErrno.SUCCESS;
    },
    clock_time_get(clockId: number, _precision: bigint, timePtr: number): number {
      let t: bigint;
      if (clockId === 0) t = vm.realtimeNs();
      else if (clockId === 1) t = vm.monotonicNs();
      else return WasiErrno.NOTSUP;
      if (!m().writeU64(timePtr, t)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    clock_res_get(clockId: number, resPtr: number): number {
      if (clockId !== 0 && clockId !== 1) return WasiErrno.NOTSUP;
      if (!m().writeU64(resPtr, 1n)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    random_get(ptr: number, len: number): number {
      if (len > WASI_RANDOM_GET_MAX_BYTES) return WasiErrno.INVAL;
      if (!m().write(ptr, vm.randomBytes(len))) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
    proc_exit(code: number): void {
      vm.procExit(code);
      vm.log(LogLevel.trace, "wasi_unstable proc_exit", "host");
    },
    path_open(): number {
      return WasiErrno.NOENT;
    },
    fd_prestat_get(): number {
      return WasiErrno.BADF; // no preopened directories
    },
    fd_prestat_dir_name(): number {
      return WasiErrno.NOSYS;
    },
    sched_yield(): number {
      return WasiErrno.SUCCESS;
    },
    poll_oneoff(_in: number, _out: number, _n: number, neventsPtr: number): number {
      if (!m().writeU32(neventsPtr, 0)) return WasiErrno.FAULT;
      return WasiErrno.SUCCESS;
    },
  };
  const wrapped: Record<string, Fn> = {};
  for (const name of Object.keys(WASI_IMPORTS)) {
    const f = impl[name];
    if (!f) throw new Error(`wasi.ts: missing implementation of ${name}`);
    wrapped[name] = (...args: any[]) => {
      vm.enter(name);
      const result = f(...args);
      vm.record?.(name, args, result);
      return result;
    };
  }
  return wrapped;
}
