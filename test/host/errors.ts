// Errors the emulator raises. All of them are meant to fail the test that triggered them, loudly.
import type { LogEntry } from "./logs.ts";
import { formatLogs } from "./logs.ts";

/** Base class: carries the VM's recent log lines so a failure explains itself. */
export class HostError extends Error {
  readonly logs: LogEntry[];
  constructor(message: string, logs: LogEntry[] = []) {
    super(logs.length ? `${message}\n--- recent plugin logs ---\n${formatLogs(logs)}` : message);
    this.name = new.target.name;
    this.logs = logs;
  }
}

/** The module cannot be loaded the way Envoy would load it (missing import, bad signature, no ABI marker...). */
export class LoadError extends HostError {}

/** The plugin called a host function in a way the emulator refuses (unimplemented, restricted, misuse). */
export class HostCallError extends HostError {}

/** A wasm trap (or a host-call failure) inside a callback: the VM is now failed, like in Envoy. */
export class WasmTrapError extends HostError {
  readonly vm: number;
  readonly callback: string;
  readonly contextId: number;
  readonly trap: string;
  constructor(vm: number, callback: string, contextId: number, trap: string, logs: LogEntry[]) {
    super(`wasm VM ${vm} failed in ${callback}(context ${contextId}): ${trap}`, logs);
    this.vm = vm;
    this.callback = callback;
    this.contextId = contextId;
    this.trap = trap;
  }
}

/** A call into a VM that already failed (Envoy keeps such a VM dead until it is reloaded). */
export class VmFailedError extends HostError {}

/** The test used the emulator API wrongly (e.g. body after a local reply). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
