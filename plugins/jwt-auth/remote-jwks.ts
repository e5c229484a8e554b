// Keys fetched from a URL (`remote_jwks`), shared by every worker of the Envoy process.
//
// Shared data holds two entries per document (key = cluster|authority+path):
//   jwt-auth.jwks.<key>        the last good JWKS, as fetched
//   jwt-auth.jwks-state.<key>  lease-until, last fetch start, fetched-at (f64 seconds), serial (u32)
// A worker fetches only after winning the lease with compare-and-swap, and at most once per
// `refetch_seconds` (whatever triggered it); it stores the document and bumps the serial. Every
// worker reads the small state on each tick and parses the document again only when the serial
// changed. Requests that need keys that are not there wait (paused) for the fetch, woken when the
// keys arrive or when the wait has lasted the fetch timeout.

import { JwkOptions, parseJwksBytes } from "../../assembly/crypto/jwk";
import { wakeStream } from "../../assembly/dispatcher";
import { Status } from "../../assembly/enums";
import { dispatchHttpCall, HttpCallResponse } from "../../assembly/http-call";
import { logAt } from "../../assembly/log";
import { LogLevel } from "../../assembly/enums";
import { HeaderPair } from "../../assembly/pairs";
import { getShared, setShared, SharedValue } from "../../assembly/shared-data";
import { KeySet } from "./key-set";
import { metrics } from "./metrics";
import { RemoteJwksConfig } from "./remote-config";

/** Larger responses are refused. */
export const MAX_JWKS_BYTES: i32 = 64 * 1024;
const STATE_BYTES: i32 = 28;
const CAS_TRIES: i32 = 8;
/** A background refresh starts when this share of cache_seconds has passed. */
const REFRESH_AT: f64 = 0.8;

class State {
  leaseUntil: f64 = 0;
  lastStart: f64 = 0;
  fetchedAt: f64 = 0;
  serial: u32 = 0;
  cas: u32 = 0;

  read(key: string, into: SharedValue): void {
    getShared(key, into);
    this.cas = into.cas;
    if (!into.found || into.value.byteLength != STATE_BYTES) {
      this.leaseUntil = 0; this.lastStart = 0; this.fetchedAt = 0; this.serial = 0;
      return;
    }
    const p = changetype<usize>(into.value);
    this.leaseUntil = load<f64>(p);
    this.lastStart = load<f64>(p, 8);
    this.fetchedAt = load<f64>(p, 16);
    this.serial = load<u32>(p, 24);
  }

  write(key: string): Status {
    const b = new ArrayBuffer(STATE_BYTES);
    const p = changetype<usize>(b);
    store<f64>(p, this.leaseUntil);
    store<f64>(p, this.lastStart, 8);
    store<f64>(p, this.fetchedAt, 16);
    store<u32>(p, this.serial, 24);
    return setShared(key, b, this.cas);
  }
}

const scratchValue = new SharedValue();
const state = new State();

export class RemoteKeySet extends KeySet {
  /** Root context that makes the calls (the last one activated with this document). */
  rootId: u32 = 0;
  private fetchedAt: f64 = 0;
  private serial: u32 = 0;
  private waiters: u32[] = [];
  private waitUntil: f64 = 0;
  /** Token of this worker's fetch in flight (0: none) and when to stop waiting for it. */
  private callToken: u32 = 0;
  private callUntil: f64 = 0;
  private readonly docKey: string;
  private readonly stateKey: string;

  constructor(public config: RemoteJwksConfig) {
    super();
    this.docKey = "jwt-auth.jwks." + config.key;
    this.stateKey = "jwt-auth.jwks-state." + config.key;
  }

  usable(nowSeconds: f64): bool {
    return this.keys.length > 0 && nowSeconds <= this.fetchedAt + <f64>(this.config.cacheSeconds + this.config.graceSeconds);
  }

  fetchFor(nowSeconds: f64, unknownKid: bool): bool {
    if (this.sync()) return true; // another worker fetched: the caller checks again
    if (this.callToken != 0) return true;
    return this.startFetch(nowSeconds);
  }

  addWaiter(contextId: u32, nowSeconds: f64): void {
    if (this.waiters.length == 0) this.waitUntil = 0;
    this.waiters.push(contextId);
    const until = nowSeconds + <f64>this.config.timeoutMs / 1000;
    if (until > this.waitUntil) this.waitUntil = until;
  }

  /** Every tick: pick up another worker's fetch, refresh before the keys end, end overdue waits. */
  tick(nowSeconds: f64): void {
    const changed = this.sync();
    if (this.callToken != 0 && nowSeconds > this.callUntil) this.callToken = 0; // the root that made the call is gone
    const due = this.keys.length == 0 || nowSeconds >= this.fetchedAt + <f64>this.config.cacheSeconds * REFRESH_AT;
    if (due && this.callToken == 0) this.startFetch(nowSeconds);
    if (changed || (this.waiters.length > 0 && nowSeconds >= this.waitUntil)) this.wakeAll();
  }

  /** The answer to this worker's fetch; false when `token` is not its call. */
  onResponse(token: u32, response: HttpCallResponse, nowSeconds: f64): bool {
    if (token != this.callToken) return false;
    this.callToken = 0;
    const problem = this.store(response, nowSeconds);
    if (problem.length > 0) {
      metrics().jwksFetchFailed.increment();
      logAt(LogLevel.Warn, "remote JWKS " + this.config.cluster + " " + this.config.path + ": " + problem);
    } else {
      metrics().jwksFetchSuccess.increment();
    }
    this.sync();
    this.wakeAll();
    return true;
  }

  /** Reads the shared state; parses the shared document when another worker stored a new one. True when the keys changed. */
  private sync(): bool {
    state.read(this.stateKey, scratchValue);
    if (state.serial == this.serial) return false;
    getShared(this.docKey, scratchValue);
    if (!scratchValue.found) return false;
    const parsed = parseJwksBytes(Uint8Array.wrap(scratchValue.value), jwkOptions());
    this.serial = state.serial;
    if (parsed.keys.length == 0) return false;
    this.keys = parsed.keys;
    this.fetchedAt = state.fetchedAt;
    this.generation++;
    return true;
  }

  /** Takes the lease and sends the request; true when a fetch is under way (here or in another worker). */
  private startFetch(now: f64): bool {
    for (let i = 0; i < CAS_TRIES; i++) {
      state.read(this.stateKey, scratchValue);
      if (state.leaseUntil > now) return true; // another worker is fetching
      if (state.lastStart > 0 && now - state.lastStart < <f64>this.config.refetchSeconds) return false;
      state.leaseUntil = now + <f64>this.config.timeoutMs / 1000 + 1;
      state.lastStart = now;
      const status = state.write(this.stateKey);
      if (status == Status.CasMismatch) continue;
      if (status != Status.Ok) return false;
      return this.send(now);
    }
    return false;
  }

  private send(now: f64): bool {
    const c = this.config;
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "GET"), new HeaderPair(":path", c.path), new HeaderPair(":authority", c.authority),
      new HeaderPair("accept", "application/json"),
    ];
    const call = dispatchHttpCall(this.rootId, c.cluster, headers, null, <u32>c.timeoutMs);
    if (!call.ok) {
      metrics().jwksFetchFailed.increment();
      logAt(LogLevel.Warn, "remote JWKS: cannot call cluster " + c.cluster + " (status " + (<i32>call.status).toString() + ")");
      this.releaseLease(0, false);
      return false;
    }
    this.callToken = call.token;
    this.callUntil = now + <f64>c.timeoutMs / 1000 + 1;
    byToken.set(call.token, this);
    return true;
  }

  /** Stores a good response in shared data; the reason it is not good otherwise. */
  private store(response: HttpCallResponse, now: f64): string {
    let problem = "";
    if (response.failed) problem = "no response (timeout, reset or no healthy host)";
    else if (response.statusCode != 200) problem = "status " + response.statusCode.toString();
    else if (<i32>response.bodySize > MAX_JWKS_BYTES) problem = "larger than " + MAX_JWKS_BYTES.toString() + " bytes";
    let body = new ArrayBuffer(0);
    if (problem.length == 0) {
      body = response.body();
      const parsed = parseJwksBytes(Uint8Array.wrap(body), jwkOptions());
      if (!parsed.valid) problem = "not a JWKS: " + parsed.errors.join("; ");
      else if (parsed.keys.length == 0) problem = "no usable key" + (parsed.errors.length > 0 ? ": " + parsed.errors.join("; ") : "");
    }
    if (problem.length == 0 && setShared(this.docKey, body, 0) != Status.Ok) problem = "shared data refused the document";
    this.releaseLease(now, problem.length == 0);
    return problem;
  }

  /** Ends the lease; after a stored document also records its time and bumps the serial. */
  private releaseLease(now: f64, stored: bool): void {
    for (let i = 0; i < CAS_TRIES; i++) {
      state.read(this.stateKey, scratchValue);
      state.leaseUntil = 0;
      if (stored) {
        state.fetchedAt = now;
        state.serial++;
      }
      if (state.write(this.stateKey) != Status.CasMismatch) return;
    }
  }

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (let i = 0; i < waiting.length; i++) wakeStream(unchecked(waiting[i]));
  }
}

let options: JwkOptions | null = null;
function jwkOptions(): JwkOptions {
  let o = options;
  if (o == null) {
    o = new JwkOptions();
    o.maxBytes = MAX_JWKS_BYTES;
    options = o;
  }
  return o;
}

/** One set per document for the whole VM: consumers (and configurations) naming the same URL share it. */
const byKey = new Map<string, RemoteKeySet>();
const byToken = new Map<u32, RemoteKeySet>();

/** The set for `config`, made once per VM; `rootId` makes its calls from now on. */
export function remoteKeySet(config: RemoteJwksConfig, rootId: u32): RemoteKeySet {
  const key = config.key;
  let set: RemoteKeySet;
  if (byKey.has(key)) {
    set = byKey.get(key);
    set.config = config;
  } else {
    set = new RemoteKeySet(config);
    byKey.set(key, set);
  }
  set.rootId = rootId;
  return set;
}

export function tickRemoteKeySets(nowSeconds: f64): void {
  const sets = byKey.values();
  for (let i = 0; i < sets.length; i++) unchecked(sets[i]).tick(nowSeconds);
}

/** Routes an http call answer to the set that made the call. */
export function onRemoteResponse(response: HttpCallResponse, nowSeconds: f64): void {
  if (!byToken.has(response.token)) return;
  const set = byToken.get(response.token);
  byToken.delete(response.token);
  set.onResponse(response.token, response, nowSeconds);
}

export function hasRemoteKeySets(): bool { return byKey.size > 0; }
