// Process-wide shared data and shared queues (proxy-wasm-cpp-host src/shared_data.cc semantics).
// One Host = one Envoy process; everything here is already scoped to the host's vm_id.
import { WasmResult } from "./abi.ts";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  private data = new Map<string, SharedValue>();
  /** cpp-host keeps ONE cas counter for the whole process, starting at 1 and skipping 0 on wrap. */
  private nextCasValue = 1;

  private nextCas(): number {
    const result = this.nextCasValue;
    this.nextCasValue = (this.nextCasValue + 1) >>> 0;
    if (this.nextCasValue === 0) this.nextCasValue = 1;
    return result;
  }

  get(key: string): SharedValue | undefined {
    const v = this.data.get(key);
    return v && { value: v.value.slice(), cas: v.cas };
  }

  /** cas = 0: unconditional; otherwise it must equal the stored cas (CAS_MISMATCH). A new key always succeeds. */
  set(key: string, value: Uint8Array, cas: number): number {
    const existing = this.data.get(key);
    if (existing && cas !== 0 && cas !== existing.cas) return WasmResult.CasMismatch;
    this.data.set(key, { value: value.slice(), cas: this.nextCas() });
    return WasmResult.Ok;
  }

  keys(): string[] {
    return [...this.data.keys()];
  }
}

export interface QueueTarget {
  vm: number;
  rootContextId: number;
}

/** Shared queues: tokens are process-wide; the last registrant receives proxy_on_queue_ready. */
export class SharedQueues {
  private tokens = new Map<string, number>();
  private queues = new Map<number, { items: Uint8Array[]; target: QueueTarget; name: string; vmId: string }>();
  private nextToken = 1;

  register(vmId: string, name: string, target: QueueTarget): number {
    const key = `${vmId}\0${name}`;
    let token = this.tokens.get(key);
    if (token === undefined) {
      token = this.nextToken++;
      this.tokens.set(key, token);
      this.queues.set(token, { items: [], target, name, vmId });
    } else {
      this.queues.get(token)!.target = target; // re-registration moves delivery, data is kept
    }
    return token;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.tokens.get(`${vmId}\0${name}`);
  }

  enqueue(token: number, value: Uint8Array): QueueTarget | undefined {
    const q = this.queues.get(token);
    if (!q) return undefined;
    q.items.push(value.slice());
    return q.target;
  }

  /** undefined = unknown token (NOT_FOUND); null = empty (EMPTY). */
  dequeue(token: number): Uint8Array | null | undefined {
    const q = this.queues.get(token);
    if (!q) return undefined;
    return q.items.shift() ?? null;
  }

  size(token: number): number {
    return this.queues.get(token)?.items.length ?? 0;
  }
}
